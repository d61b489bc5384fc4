"""Bid pages: submit, amend and withdraw in the window and the custodians' answers (the shared
pages of app.placement.pages); staff remove an ineligible firm's bids."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.auctions import bidding
from app.auctions.blueprint import bp
from app.auctions.forms import NoteForm
from app.auctions.loaders import load, refreshed
from app.auctions.page import PAGES
from app.auth.access import roles_required
from app.auth.roles import STAFF_ROLES
from app.clock.services import now
from app.extensions import db
from app.pages import apply
from app.placement import pages


pages.add_bid_pages(bp, PAGES, load, refreshed, _l("The bid is refused and annulled."))


# --- staff: ineligible bids (App.7 §5, GKO) -----------------------------------------------------------

@bp.route("/<int:auction_id>/bidders/<int:organisation_id>/remove", methods=["POST"])
@roles_required(*STAFF_ROLES)
def remove_bids(auction_id: int, organisation_id: int):
    auction = load(auction_id)
    form = NoteForm()
    return apply(form, lambda: bidding.remove_firm_bids(db.session, auction, organisation_id, form.note.data, now()),
                 lambda count: _("%(count)d bids removed; they stay out of every register.", count=count),
                 PAGES.detail(auction.id))
