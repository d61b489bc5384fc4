"""Auction pages: the list, filing, the exchange's review, cancel and postpone, the auction page."""
from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auctions import access, services
from app.auctions.blueprint import bp
from app.auctions.forms import NoteForm, PostponeForm, application_form, fill_application_form
from app.auctions.loaders import load, refreshed
from app.auctions.page import PAGES, auction_page
from app.auth.access import any_role, roles_required
from app.auth.roles import STAFF_ROLES, Role
from app.clock.services import now
from app.extensions import db
from app.pages import apply
from app.placement import pages


@bp.route("/")
@any_role
def index():
    refreshed()
    auctions = access.visible_auctions(db.session, current_user)
    return render_template("auctions/index.html", auctions=auctions, now=now())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*access.INITIATORS)
def new():
    form = application_form(current_user.role)
    filed = pages.submitted(form, lambda: services.file_application(db.session, current_user, form.terms(), now()),
                            _("The application is filed; the exchange will review it."),
                            lambda auction: PAGES.detail(auction.id))
    return filed or pages.form_page("auctions/new.html", form)


@bp.route("/<int:auction_id>/amend", methods=["GET", "POST"])
@roles_required(Role.ISSUER)
def amend(auction_id: int):
    auction = pages.load_if(load, auction_id, access.is_initiator)
    form = application_form(current_user.role)
    if request.method == "GET":
        fill_application_form(form, auction)
    filed = pages.submitted(form, lambda: services.amend_terms(db.session, auction, current_user, form.terms(), now()),
                            _("The corrected application is filed."), PAGES.detail(auction.id))
    return filed or pages.form_page("auctions/new.html", form, auction=auction)


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
@roles_required(*STAFF_ROLES)
def review(auction_id: int, action: str):
    return pages.review(PAGES, REVIEW_ACTIONS, action, load(auction_id), NoteForm())


# --- the initiator's cancel and postpone ---------------------------------------------------------

@bp.route("/<int:auction_id>/cancel", methods=["POST"])
@roles_required(*access.INITIATORS)
def cancel(auction_id: int):
    auction = pages.load_if(load, auction_id, access.is_initiator)
    return pages.noted(PAGES, auction, NoteForm(), services.cancel_auction, _("The auction is cancelled."))


@bp.route("/<int:auction_id>/postpone", methods=["POST"])
@roles_required(*access.INITIATORS)
def postpone(auction_id: int):
    auction = pages.load_if(load, auction_id, access.is_initiator)
    form = PostponeForm()
    if not form.validate_on_submit():
        flash(_("Give the new date and opening time."), "error")
        return redirect(PAGES.detail(auction.id))
    return apply(form, lambda: services.postpone_auction(db.session, auction, form.new_date.data, form.new_open.data,
                                                         now()), _("The auction is moved."), PAGES.detail(auction.id))
