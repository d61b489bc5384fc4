"""The page steps auctions and subscriptions share: a form page's one change, the exchange's
review, bids submitted, amended and withdrawn in the window, the custodian's answer (App.9), and
a finished file served. Each feature keeps its routes — URLs, roles, endpoint names — and says
what differs in one `OfferingPages`; its own `bidding` module does the work."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.auth.access import roles_required
from app.auth.roles import Role
from app.clock.services import now
from app.extensions import db
from app.pages import apply, show_error
from app.placement.forms import ActionForm
from app.placement.vocabulary import BIDDERS
from app.refusals import Refusal


@dataclass(frozen=True)
class OfferingPages:
    """What the pages of one kind of offering differ by."""

    blueprint: str          # "auctions": the prefix of its endpoints and the folder of its templates
    parent: str             # "auction_id": the offering's id in its URLs and on its bids
    bid_model: type
    bid_form: type          # a PlacementBidForm
    bidding: ModuleType     # submit_bid, amend_bid, withdraw_bid, bids_to_confirm, confirm_bid

    def detail(self, offering_id: int, anchor: str = "") -> str:
        return url_for(f"{self.blueprint}.detail", **{self.parent: offering_id}) + anchor


def submitted(form, operation: Callable, done: str, back):
    """A form page's POST: one change, `done` flashed, then a redirect to `back` (or to
    `back(result)`). None while the page is to be shown again: not sent, not valid, or refused —
    the refusal then stands under the field it concerns."""
    if not form.validate_on_submit():
        return None
    try:
        result = operation()
    except Refusal as error:
        db.session.rollback()
        show_error(form, error)
        return None
    flash(done, "success")
    return redirect(back(result) if callable(back) else back)


def form_page(template: str, form, **context):
    """A form page; shown again with errors it answers 422, so that the refusal is not a success."""
    return render_template(template, form=form, **context), 422 if form.errors else 200


def load_if(load: Callable, offering_id: int, may: Callable):
    """The offering of the URL for a user `may(offering, user)` lets see this part of it; to
    anyone else the part does not exist."""
    offering = load(offering_id)
    if not may(offering, current_user):
        abort(404)
    return offering


def review(pages: OfferingPages, actions: dict, action: str, offering, form):
    """One step of the exchange's review; `actions` maps each step of the URL to its operation
    `(offering, note, at)` and its message, and any other step does not exist."""
    if action not in actions:
        abort(404)
    operation, done = actions[action]
    return apply(form, lambda: operation(offering, form.note.data, now()), done, pages.detail(offering.id))


def noted(pages: OfferingPages, offering, form, operation: Callable, done: str):
    """A change that carries the reason typed in `form` (a NoteForm), which the other side reads:
    `operation(session, offering, note, at)`."""
    return apply(form, lambda: operation(db.session, offering, form.note.data, now()), done,
                 pages.detail(offering.id))


# --- bids in the window ----------------------------------------------------------------------------

def submit_bid(pages: OfferingPages, offering):
    form = pages.bid_form.posted(db.session)
    back = pages.detail(offering.id, "#bids")
    try:
        return apply(form, lambda: pages.bidding.submit_bid(db.session, offering, current_user, form.entry(),
                                                            form.idempotency_key.data, now()), _accepted, back)
    except IntegrityError:  # the same form sent twice at once: the other request stored it
        db.session.rollback()
        flash(_("This bid was already accepted."), "success")
        return redirect(back)


def _accepted(stored: tuple) -> str:
    _bid, created = stored
    return _("The bid is accepted.") if created else _("This bid was already accepted.")


def amend_bid(pages: OfferingPages, offering, bid_id: int):
    bid = own_bid(pages, offering, bid_id)
    form = pages.bid_form.posted(db.session)
    return apply(form, lambda: pages.bidding.amend_bid(db.session, bid, current_user, form.entry(), now()),
                 _("The bid is changed."), pages.detail(offering.id, "#bids"))


def withdraw_bid(pages: OfferingPages, offering, bid_id: int):
    bid = own_bid(pages, offering, bid_id)
    return apply(ActionForm(), lambda: pages.bidding.withdraw_bid(db.session, bid, current_user, now()),
                 _("The bid is withdrawn."), pages.detail(offering.id, "#bids"))


def own_bid(pages: OfferingPages, offering, bid_id: int):
    """A bid of the user's firm on this offering; anyone else's, or another offering's, does not
    exist."""
    bid = db.session.get(pages.bid_model, bid_id)
    if bid is None or getattr(bid, pages.parent) != offering.id or bid.organisation_id != current_user.organisation_id:
        abort(404)
    return bid


def seconds_until(instant: datetime, at: datetime) -> int:
    """What the page's countdown starts from."""
    return max(0, int((instant - at).total_seconds()))


# --- custodians (App.9) ----------------------------------------------------------------------------

def confirmations(pages: OfferingPages):
    """The bids on accounts the custodian controls, to confirm or refuse."""
    bids = pages.bidding.bids_to_confirm(db.session, current_user.organisation_id)
    return render_template(f"{pages.blueprint}/confirmations.html", bids=bids, form=ActionForm(), now=now())


def confirm(pages: OfferingPages, bid_id: int, refused: str):
    """The custodian's answer; `refused` says what a refusal does to the bid."""
    bid = db.session.get(pages.bid_model, bid_id)
    if bid is None or bid.custodian_id != current_user.organisation_id:
        abort(404)
    confirmed = request.form.get("answer") == "confirm"
    done = _("The bid is confirmed.") if confirmed else refused
    return apply(ActionForm(), lambda: pages.bidding.confirm_bid(db.session, bid, current_user, confirmed, now()),
                 done, url_for(f"{pages.blueprint}.confirmations"))


# --- files -----------------------------------------------------------------------------------------

def finished_file(path, name: str, sha256: str | None = None):
    """A register file the worker finished: confidential, so never cached; with its digest when
    known, so that the reader can check what arrived."""
    response = send_file(path, as_attachment=True, download_name=name, max_age=0, etag=False)
    response.headers["Cache-Control"] = "no-store"
    if sha256:
        response.headers["Digest"] = f"sha-256={sha256}"
    return response


def add_bid_pages(bp, pages: OfferingPages, load: Callable, refreshed: Callable, refused: str) -> None:
    """The bid pages every kind has, on the feature's blueprint under its own endpoint names:
    a member's submit, amend and withdraw; the custodian's list and answer (`refused`: what a
    refusal does to the bid, in the kind's words)."""
    bids = f"/<int:{pages.parent}>/bids"
    bidders, custodian = roles_required(*BIDDERS), roles_required(Role.COLLATERAL_CONTROLLER)

    @bp.route(bids, methods=["POST"], endpoint="submit_bid")
    @bidders
    def submit(**ids):
        return submit_bid(pages, load(ids[pages.parent]))

    @bp.route(f"{bids}/<int:bid_id>", methods=["POST"], endpoint="amend_bid")
    @bidders
    def amend(bid_id: int, **ids):
        return amend_bid(pages, load(ids[pages.parent]), bid_id)

    @bp.route(f"{bids}/<int:bid_id>/withdraw", methods=["POST"], endpoint="withdraw_bid")
    @bidders
    def withdraw(bid_id: int, **ids):
        return withdraw_bid(pages, load(ids[pages.parent]), bid_id)

    @bp.route("/confirmations", endpoint="confirmations")
    @custodian
    def to_confirm():
        refreshed()
        return confirmations(pages)

    @bp.route("/confirmations/<int:bid_id>", methods=["POST"], endpoint="confirm")
    @custodian
    def answer(bid_id: int):
        return confirm(pages, bid_id, refused)
