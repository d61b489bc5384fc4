"""Auction pages: the list, filing, the exchange's review, cancel and postpone, the auction page."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auctions import access, services
from app.auctions.blueprint import bp
from app.auctions.loaders import load, refreshed
from app.auctions.forms import NoteForm, PostponeForm, application_form, fill_application_form
from app.auctions.page import auction_page
from app.auth.access import any_role, roles_required
from app.auth.roles import Role
from app.clock.services import now
from app.extensions import db
from app.pages import apply, show_error

STAFF = (Role.EXCHANGE_STAFF, Role.ADMIN)
INITIATORS = (Role.MINFIN, Role.ISSUER)


@bp.route("/")
@any_role
def index():
    refreshed()
    auctions = access.visible_auctions(db.session, current_user)
    return render_template("auctions/index.html", auctions=auctions, now=now())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*INITIATORS)
def new():
    form = application_form(current_user.role)
    if form.validate_on_submit():
        try:
            auction = services.file_application(db.session, current_user, form.terms(), now())
        except services.AuctionError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash(_("The application is filed; the exchange will review it."), "success")
            return redirect(url_for("auctions.detail", auction_id=auction.id))
    return render_template("auctions/new.html", form=form), 422 if form.errors else 200


@bp.route("/<int:auction_id>/amend", methods=["GET", "POST"])
@roles_required(Role.ISSUER)
def amend(auction_id: int):
    auction = load(auction_id)
    access.require_initiator(auction, current_user)
    form = application_form(current_user.role)
    if request.method == "GET":
        fill_application_form(form, auction)
    elif form.validate_on_submit():
        try:
            services.amend_terms(db.session, auction, current_user, form.terms(), now())
        except services.AuctionError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash(_("The corrected application is filed."), "success")
            return redirect(url_for("auctions.detail", auction_id=auction.id))
    return render_template("auctions/new.html", form=form, auction=auction), 422 if form.errors else 200


@bp.route("/<int:auction_id>")
@any_role
def detail(auction_id: int):
    auction = load(auction_id)
    return render_template("auctions/detail.html", **auction_page(db.session, auction, current_user, now()))


# --- the exchange's review ------------------------------------------------------------------------

REVIEW_ACTIONS = {
    "accept": (lambda auction, note, at: services.accept_application(db.session, auction, at),
               _l("The application is accepted.")),
    "request_terms": (lambda auction, note, at: services.request_terms(db.session, auction, note),
                      _l("The issuer is asked for additional terms.")),
    "refuse": (lambda auction, note, at: services.refuse_application(db.session, auction, note),
               _l("The application is refused.")),
    "announce": (lambda auction, note, at: services.announce(db.session, auction, at),
                 _l("The announcement is published and sent to eligible bidders.")),
}


@bp.route("/<int:auction_id>/review/<action>", methods=["POST"])
@roles_required(*STAFF)
def review(auction_id: int, action: str):
    if action not in REVIEW_ACTIONS:
        abort(404)
    auction = load(auction_id)
    form = NoteForm()
    operation, done = REVIEW_ACTIONS[action]
    return _apply(form, auction, lambda: operation(auction, form.note.data, now()), done)


@bp.route("/<int:auction_id>/cancel", methods=["POST"])
@roles_required(*INITIATORS)
def cancel(auction_id: int):
    auction = load(auction_id)
    access.require_initiator(auction, current_user)
    form = NoteForm()
    return _apply(form, auction, lambda: services.cancel_auction(db.session, auction, form.note.data, now()),
                  _("The auction is cancelled."))


@bp.route("/<int:auction_id>/postpone", methods=["POST"])
@roles_required(*INITIATORS)
def postpone(auction_id: int):
    auction = load(auction_id)
    access.require_initiator(auction, current_user)
    form = PostponeForm()
    if not form.validate_on_submit():
        flash(_("Give the new date and opening time."), "error")
        return redirect(url_for("auctions.detail", auction_id=auction.id))
    return _apply(form, auction, lambda: services.postpone_auction(
        db.session, auction, form.new_date.data, form.new_open.data, now()), _("The auction is moved."))


def _apply(form, auction, operation, done):
    return apply(form, operation, done, url_for("auctions.detail", auction_id=auction.id))
