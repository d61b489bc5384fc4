"""What the auction page shows to whom: one context, assembled by role and state; and what the
shared placement pages need to know of auctions."""
from datetime import datetime

from app.auctions import access, bidding
from app.auctions.forms import BidForm, NoteForm, PostponeForm
from app.auctions.models import Auction, AuctionStatus, Bid, Deal
from app.auctions.services import OPEN_FOR_CHANGE, window_of
from app.auth.models import User
from app.domain.auction_rules import Phase
from app.placement.forms import ActionForm
from app.placement.pages import OfferingPages, seconds_until
from app.placement.vocabulary import BIDDERS

PAGES = OfferingPages(blueprint="auctions", parent="auction_id", bid_model=Bid, bid_form=BidForm, bidding=bidding)


def auction_page(session, auction: Auction, user: User, now: datetime) -> dict:
    phase = window_of(auction).phase(now) if auction.status == AuctionStatus.ANNOUNCED else None
    page = {
        "auction": auction, "phase": phase, "now": now,
        "is_staff": access.is_staff(user), "is_initiator": access.is_initiator(auction, user),
        "action_form": ActionForm(), "note_form": NoteForm(formdata=None),
        "seconds_to_close": seconds_until(auction.bids_close_at, now) if phase == Phase.BIDDING else None,
        "seconds_to_open": seconds_until(auction.bids_open_at, now) if phase == Phase.BEFORE_OPEN else None,
        "reads_register": access.reads_register(auction, user),
        "reads_deal_register": access.reads_deal_register(auction, user),
    }
    if page["is_initiator"] and auction.status in OPEN_FOR_CHANGE and now < auction.bids_open_at:
        page["postpone_form"] = PostponeForm(formdata=None, new_date=auction.trade_date)
    if user.role in BIDDERS:
        page["own_bids"] = bidding.sealed_bids_of(session, auction, user.organisation_id)
        page["bid_form"] = BidForm.blank(session) if phase == Phase.BIDDING else None
    if page["is_staff"] and phase == Phase.BIDDING:
        page["bidder_firms"] = bidding.bidder_firms(auction)
    page["deals"] = _visible_deals(auction, user)
    return page


def _visible_deals(auction: Auction, user: User) -> list[Deal]:
    if access.reads_deal_register(auction, user):
        return list(auction.deals)
    return [deal for deal in auction.deals if deal.organisation_id == user.organisation_id]
