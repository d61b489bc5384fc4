"""What the auction page shows to whom: one context, assembled by role and state."""
import uuid
from datetime import datetime


from app.auctions import access
from app.auctions.bidding import bidder_firms, sealed_bids_of
from app.auctions.forms import ActionForm, BidForm, NoteForm, PostponeForm
from app.auctions.models import Auction, AuctionStatus, Deal
from app.auctions.services import OPEN_FOR_CHANGE, window_of
from app.auth.models import User
from app.domain.auction_rules import Phase
from app.placement.vocabulary import custodian_choices


def auction_page(session, auction: Auction, user: User, now: datetime) -> dict:
    phase = window_of(auction).phase(now) if auction.status == AuctionStatus.ANNOUNCED else None
    page = {
        "auction": auction, "phase": phase, "now": now,
        "is_staff": access.is_staff(user), "is_initiator": access.is_initiator(auction, user),
        "action_form": ActionForm(), "note_form": NoteForm(formdata=None),
        "seconds_to_close": _seconds(auction.bids_close_at, now) if phase == Phase.BIDDING else None,
        "seconds_to_open": _seconds(auction.bids_open_at, now) if phase == Phase.BEFORE_OPEN else None,
        "reads_register": access.reads_register(auction, user),
        "reads_deal_register": access.reads_deal_register(auction, user),
    }
    if page["is_initiator"] and auction.status in OPEN_FOR_CHANGE and now < auction.bids_open_at:
        page["postpone_form"] = PostponeForm(formdata=None, new_date=auction.trade_date)
    if user.role in access.BIDDERS:
        page.update(_bidder_part(session, auction, user, phase))
    if page["is_staff"] and phase == Phase.BIDDING:
        page["bidder_firms"] = bidder_firms(auction)
    page["deals"] = _visible_deals(session, auction, user)
    return page


def _seconds(instant: datetime, now: datetime) -> int:
    return max(0, int((instant - now).total_seconds()))


def _bidder_part(session, auction: Auction, user: User, phase) -> dict:
    own = sealed_bids_of(session, auction, user.organisation_id)
    form = None
    if phase == Phase.BIDDING:
        form = BidForm(formdata=None, idempotency_key=uuid.uuid4().hex)
        form.custodian_id.choices = custodian_choices(session)
    return {"own_bids": own, "bid_form": form}



def _visible_deals(session, auction: Auction, user: User) -> list[Deal]:
    if not auction.deals:
        return []
    if access.reads_deal_register(auction, user):
        return list(auction.deals)
    return [deal for deal in auction.deals if deal.organisation_id == user.organisation_id]

