"""Bid pages: submit, amend and withdraw in the window; custodians confirm; staff remove."""
from flask_babel import gettext as _

from app.auctions import bidding
from app.auctions.blueprint import bp
from app.auctions.forms import NoteForm
from app.auctions.loaders import load, refreshed
from app.auctions.page import PAGES
from app.auth.access import roles_required
from app.auth.roles import STAFF_ROLES, Role
from app.clock.services import now
from app.extensions import db
from app.pages import apply
from app.placement import pages
from app.placement.vocabulary import BIDDERS


@bp.route("/<int:auction_id>/bids", methods=["POST"])
@roles_required(*BIDDERS)
def submit_bid(auction_id: int):
    return pages.submit_bid(PAGES, load(auction_id))


@bp.route("/<int:auction_id>/bids/<int:bid_id>", methods=["POST"])
@roles_required(*BIDDERS)
def amend_bid(auction_id: int, bid_id: int):
    return pages.amend_bid(PAGES, load(auction_id), bid_id)


@bp.route("/<int:auction_id>/bids/<int:bid_id>/withdraw", methods=["POST"])
@roles_required(*BIDDERS)
def withdraw_bid(auction_id: int, bid_id: int):
    return pages.withdraw_bid(PAGES, load(auction_id), bid_id)


# --- custodians (App.9) -----------------------------------------------------------------------------

@bp.route("/confirmations")
@roles_required(Role.COLLATERAL_CONTROLLER)
def confirmations():
    refreshed()
    return pages.confirmations(PAGES)


@bp.route("/confirmations/<int:bid_id>", methods=["POST"])
@roles_required(Role.COLLATERAL_CONTROLLER)
def confirm(bid_id: int):
    return pages.confirm(PAGES, bid_id, _("The bid is refused and annulled."))


# --- staff: ineligible bids (App.7 §5, GKO) -----------------------------------------------------------

@bp.route("/<int:auction_id>/bidders/<int:organisation_id>/remove", methods=["POST"])
@roles_required(*STAFF_ROLES)
def remove_bids(auction_id: int, organisation_id: int):
    auction = load(auction_id)
    form = NoteForm()
    return apply(form, lambda: bidding.remove_firm_bids(db.session, auction, organisation_id, form.note.data, now()),
                 lambda count: _("%(count)d bids removed; they stay out of every register.", count=count),
                 PAGES.detail(auction.id))
