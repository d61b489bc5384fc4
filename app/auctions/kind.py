"""How a specialized auction (App.7) joins the shared placement lifecycle (app.placement)."""
from flask_babel import lazy_gettext as _l

from app.auctions.labels import STATUS_LABELS
from app.auctions.models import Auction, AuctionStatus, Bid, BidStatus, Notice
from app.placement.kind import OfferingKind
from app.refusals import Refusal


class AuctionError(Refusal):
    """A refused auction operation."""


AUCTION = OfferingKind(
    name="auction", offering=Auction, bid=Bid, notice=Notice, parent="auction_id", error=AuctionError,
    statuses=AuctionStatus, bid_statuses=BidStatus, status_labels=STATUS_LABELS,
    bid_audit="bid", bid_entity="auction_bid", closes_at="confirm_until",
    snapshot_fields=("number", "status", "trade_date", "bids_open_at", "bids_close_at", "declared_quantity",
                     "postpone_count", "review_note", "failure_reason", "satisfied", "cutoff_price",
                     "decided_quantity"),
    bid_fields=("organisation_id", "kind", "status", "confirmation", "custodian_id"),
    sealed_terms=lambda bid: [str(bid.price), str(bid.yield_pct), bid.quantity, bid.client_iin, bid.client_name],
    words={"not_found": _l("There is no such auction."),
           "wrong_status": _l("This cannot be done while the auction is “%(status)s”."),
           "key_reused": _l("Your firm used this idempotency key for a bid in another auction.")},
)
