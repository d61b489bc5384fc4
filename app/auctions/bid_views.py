"""Bid pages: submit, amend and withdraw in the window; custodians confirm; staff remove."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.auctions import bidding
from app.auctions.forms import ActionForm, BidForm, NoteForm
from app.auctions.models import Bid
from app.placement.vocabulary import custodian_choices
from app.auctions.services import AuctionError
from app.auctions.blueprint import bp
from app.auctions.loaders import load, refreshed
from app.pages import apply, form_errors_text
from app.auth.access import roles_required
from app.auth.roles import Role
from app.clock.services import now
from app.extensions import db

BIDDERS = (Role.PRIMARY_DEALER, Role.PARTICIPANT)


def _back_url(auction_id: int) -> str:
    return url_for("auctions.detail", auction_id=auction_id) + "#bids"


def _back(auction_id: int):
    return redirect(_back_url(auction_id))


def _own_bid(auction_id: int, bid_id: int) -> Bid:
    bid = db.session.get(Bid, bid_id)
    if bid is None or bid.auction_id != auction_id or bid.organisation_id != current_user.organisation_id:
        abort(404)
    return bid


def _bid_form() -> BidForm:
    form = BidForm()
    form.custodian_id.choices = custodian_choices(db.session)
    return form


@bp.route("/<int:auction_id>/bids", methods=["POST"])
@roles_required(*BIDDERS)
def submit_bid(auction_id: int):
    auction = load(auction_id)
    form = _bid_form()
    if not form.validate_on_submit():
        flash(form_errors_text(form), "error")
        return _back(auction.id)
    try:
        _bid, created = bidding.submit_bid(db.session, auction, current_user, form.entry(),
                                           form.idempotency_key.data, now())
    except AuctionError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    except IntegrityError:  # the same form sent twice at once: the other request stored it
        db.session.rollback()
        flash(_("This bid was already accepted."), "success")
    else:
        flash(_("The bid is accepted.") if created else _("This bid was already accepted."), "success")
    return _back(auction.id)


@bp.route("/<int:auction_id>/bids/<int:bid_id>", methods=["POST"])
@roles_required(*BIDDERS)
def amend_bid(auction_id: int, bid_id: int):
    bid = _own_bid(load(auction_id).id, bid_id)
    form = _bid_form()
    if not form.validate_on_submit():
        flash(form_errors_text(form), "error")
        return _back(auction_id)
    try:
        bidding.amend_bid(db.session, bid, current_user, form.entry(), now())
    except AuctionError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        flash(_("The bid is changed."), "success")
    return _back(auction_id)


@bp.route("/<int:auction_id>/bids/<int:bid_id>/withdraw", methods=["POST"])
@roles_required(*BIDDERS)
def withdraw_bid(auction_id: int, bid_id: int):
    bid = _own_bid(load(auction_id).id, bid_id)
    return apply(ActionForm(), lambda: bidding.withdraw_bid(db.session, bid, current_user, now()),
                 _("The bid is withdrawn."), _back_url(auction_id))


# --- custodians (App.9) -----------------------------------------------------------------------------

@bp.route("/confirmations")
@roles_required(Role.COLLATERAL_CONTROLLER)
def confirmations():
    refreshed()
    bids = bidding.bids_to_confirm(db.session, current_user.organisation_id)
    return render_template("auctions/confirmations.html", bids=bids, form=ActionForm(), now=now())


@bp.route("/confirmations/<int:bid_id>", methods=["POST"])
@roles_required(Role.COLLATERAL_CONTROLLER)
def confirm(bid_id: int):
    bid = db.session.get(Bid, bid_id)
    if bid is None or bid.custodian_id != current_user.organisation_id:
        abort(404)
    confirmed = request.form.get("answer") == "confirm"
    done = _("The bid is confirmed.") if confirmed else _("The bid is refused and annulled.")
    return apply(ActionForm(), lambda: bidding.confirm_bid(db.session, bid, current_user, confirmed, now()),
                 done, url_for("auctions.confirmations"))


# --- staff: ineligible bids (App.7 §5, GKO) -----------------------------------------------------------

@bp.route("/<int:auction_id>/bidders/<int:organisation_id>/remove", methods=["POST"])
@roles_required(Role.EXCHANGE_STAFF, Role.ADMIN)
def remove_bids(auction_id: int, organisation_id: int):
    auction = load(auction_id)
    form = NoteForm()
    return apply(form, lambda: bidding.remove_firm_bids(db.session, auction, organisation_id, form.note.data, now()),
                 lambda count: _("%(count)d bids removed; they stay out of every register.", count=count),
                 url_for("auctions.detail", auction_id=auction.id))
