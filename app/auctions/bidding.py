"""Bids in the window (App.7 §5), custodian confirmation (App.9) and the staff's removals: what
is particular to an auction — prices or yields, the market-bid share, the firm's clients — around
the sealed-bid lifecycle of app.placement.bidding.

Every write takes the auction's row in share mode and checks the window in the same transaction:
bids of different firms go ahead side by side, and the close (which takes the row exclusively)
waits for them, so a bid at 12:00:00.000 is as late as one at 12:05. A change that could break
the firm's market-bid share also locks the firm's row, so two of its changes cannot each pass the
check on the other's old state.
"""
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from app.auctions.kind import AUCTION, AuctionError
from app.auctions.models import Auction, AuctionStatus, Bid, BidStatus, TradeSubject
from app.auctions.services import bond_of, broken, window_of
from app.auth.models import Organisation, User
from app.domain import auction_rules as rules
from app.domain.allocation import BidKind
from app.domain.yields import YieldError, price_from_yield, yield_from_price
from app.placement import bidding as sealed_bids
from app.placement.vocabulary import INVESTOR_TYPES


@dataclass
class BidEntry:
    """What a bidder types: a limit bid has a price (or a yield, when the trade subject is the
    yield); a market bid has only a quantity."""

    kind: str
    quantity: int
    price: Decimal | None = None
    yield_pct: Decimal | None = None
    client_name: str | None = None
    client_iin: str | None = None
    investor_type: str = "broker_dealer"
    custodian_id: int | None = None


def locked(session, auction_id: int) -> Auction:
    """The auction row in share mode for this transaction: other bidders share it, the close
    (FOR UPDATE) waits for them (PostgreSQL; SQLite's writer lock is global)."""
    return session.scalars(select(Auction).where(Auction.id == auction_id)
                           .with_for_update(read=True).execution_options(populate_existing=True)).one()


def bidding_firm(session, user: User, share_at_risk: bool) -> Organisation:
    """The bidder's firm; locked (FOR NO KEY UPDATE, so bids' foreign keys still go through)
    when the change could break the market-bid share, which serialises that firm's changes."""
    if not share_at_risk:
        return user.organisation
    return session.scalars(select(Organisation).where(Organisation.id == user.organisation_id)
                           .with_for_update(key_share=True).execution_options(populate_existing=True)).one()


def sealed_bids_of(session, auction: Auction, organisation_id: int) -> list[Bid]:
    return sealed_bids.firm_bids(session, AUCTION, auction, organisation_id)


def submit_bid(session, auction: Auction, user: User, entry: BidEntry, key: str, now: datetime) -> tuple[Bid, bool]:
    """Returns (bid, created): a repeated request with the same key gives back the first bid."""
    key = sealed_bids.idempotency_key(AUCTION, key)
    existing = sealed_bids.repeated(session, AUCTION, auction, user.organisation_id, key)
    if existing is not None:
        return existing, False
    auction = locked(session, auction.id)
    _check_open(auction, now)
    at_risk = _share_at_risk(auction, entry.kind, entry.quantity if isinstance(entry.quantity, int) else 0)
    _check_bidder(session, auction, user, bidding_firm(session, user, at_risk), entry)
    price, yield_pct = _priced(auction, entry)
    bid = Bid(auction_id=auction.id, organisation_id=user.organisation_id, submitted_by_id=user.id,
              idempotency_key=key, kind=entry.kind, price=price, yield_pct=yield_pct,
              quantity=entry.quantity, client_name=sealed_bids.clean(entry.client_name),
              client_iin=sealed_bids.clean(entry.client_iin), investor_type=entry.investor_type,
              custodian_id=entry.custodian_id, confirmation=sealed_bids.confirmation_of(entry.custodian_id),
              status=BidStatus.ACTIVE, created_at=now, updated_at=now, priority_at=now)
    session.add(bid)
    session.flush()
    if at_risk:
        _check_share(session, auction, user.organisation_id)
    return sealed_bids.recorded(session, AUCTION, "submit", bid, None), True


def amend_bid(session, bid: Bid, user: User, entry: BidEntry, now: datetime) -> Bid:
    """Change a bid in the window; a better price or a larger quantity starts its time anew."""
    auction, bid = _locked_own(session, bid, user, now)
    if entry.kind != bid.kind:
        raise AuctionError(_l("A limit bid cannot become a market bid; delete it and submit a new one."), "kind")
    change = entry.quantity - bid.quantity if isinstance(entry.quantity, int) else 0
    at_risk = _share_at_risk(auction, bid.kind, change)
    _check_bidder(session, auction, user, bidding_firm(session, user, at_risk), entry)
    price, yield_pct = _priced(auction, entry)
    before = sealed_bids.bid_snapshot(AUCTION, bid)
    if entry.quantity > bid.quantity or price != bid.price:
        bid.priority_at = now
    bid.price, bid.yield_pct, bid.quantity = price, yield_pct, entry.quantity
    bid.client_name, bid.client_iin = sealed_bids.clean(entry.client_name), sealed_bids.clean(entry.client_iin)
    bid.investor_type = entry.investor_type
    if entry.custodian_id != bid.custodian_id or bid.custodian_id:
        bid.custodian_id, bid.confirmation = entry.custodian_id, sealed_bids.confirmation_of(entry.custodian_id)
    bid.updated_at = now
    session.flush()
    if at_risk:
        _check_share(session, auction, bid.organisation_id)
    return sealed_bids.recorded(session, AUCTION, "amend", bid, before)


def withdraw_bid(session, bid: Bid, user: User, now: datetime) -> Bid:
    auction, bid = _locked_own(session, bid, user, now)
    sealed_bids.check_active(AUCTION, bid)
    # Withdrawing a limit bid lowers the volume the firm's market bids are measured against.
    at_risk = _share_at_risk(auction, bid.kind, -bid.quantity)
    bidding_firm(session, user, at_risk)
    sealed_bids.withdrawn(session, AUCTION, bid, now)
    if at_risk:
        _check_share(session, auction, bid.organisation_id)
    return bid


def _locked_own(session, bid: Bid, user: User, now: datetime) -> tuple[Auction, Bid]:
    """The auction in share mode, then the firm's own bid, in a window still open."""
    auction = locked(session, bid.auction_id)
    sealed_bids.check_own(AUCTION, bid, user)
    bid = sealed_bids.locked_bid(session, AUCTION, bid.id)
    _check_open(auction, now)
    return auction, bid


def _check_open(auction: Auction, now: datetime) -> None:
    if auction.status != AuctionStatus.ANNOUNCED:
        raise AuctionError(_l("This auction does not take bids."), code="window_closed")
    phase = window_of(auction).phase(now)
    if phase == rules.Phase.BEFORE_OPEN:
        raise AuctionError(_l("The bid window has not opened yet."), code="window_not_open")
    if phase != rules.Phase.BIDDING:
        raise AuctionError(_l("The bid window has closed."), code="window_closed")


def _check_bidder(session, auction: Auction, user: User, firm: Organisation, entry: BidEntry) -> None:
    sealed_bids.check_member(AUCTION, user, _l("Only exchange members bid in auctions."))
    if auction.is_gko:
        sealed_bids.check_gko_bidder(AUCTION, firm, bool(entry.client_name or entry.client_iin), "client_name")
    if entry.investor_type not in INVESTOR_TYPES:
        raise AuctionError(_l("Choose the investor type."), "investor_type")
    if bool(entry.client_name) != bool(entry.client_iin):
        raise AuctionError(_l("A bid for a client needs both the client's name and IIN/BIN."), "client_iin")
    if entry.client_iin:
        sealed_bids.iin(AUCTION, entry.client_iin, "client_iin")
    sealed_bids.custodian(session, AUCTION, entry.custodian_id)
    sealed_bids.quantity(AUCTION, entry.quantity)


def _priced(auction: Auction, entry: BidEntry) -> tuple[Decimal | None, Decimal | None]:
    """(price, yield) of a limit bid, each 4 decimals; a market bid has neither."""
    if entry.kind == BidKind.MARKET:
        sealed_bids.no_price(AUCTION, entry.price, entry.yield_pct)
        return None, None
    if entry.kind != BidKind.LIMIT:
        raise sealed_bids.not_a_kind(AUCTION)
    if auction.trade_subject == TradeSubject.YIELD:
        return _from_yield(auction, entry.yield_pct)
    return _from_price(auction, entry.price)


def _from_price(auction: Auction, price: Decimal | None) -> tuple[Decimal, Decimal | None]:
    price = sealed_bids.four_places(AUCTION, price, "price", _l("Give the price with at most 4 decimals."))
    if price <= 0:
        raise AuctionError(_l("The price must be positive."), "price")
    bond = bond_of(auction)
    if bond is None:
        return price, None
    try:
        return price, yield_from_price(bond, auction.payment_date, price)
    except YieldError as error:
        raise AuctionError(_l("No yield corresponds to this price."), "price") from error


def _from_yield(auction: Auction, yield_pct: Decimal | None) -> tuple[Decimal, Decimal]:
    yield_pct = sealed_bids.four_places(AUCTION, yield_pct, "yield_pct", _l("Give the yield with at most 4 decimals."))
    try:
        return price_from_yield(bond_of(auction), auction.payment_date, yield_pct), yield_pct
    except YieldError as error:
        raise AuctionError(_l("No price corresponds to this yield."), "yield_pct") from error


def _share_at_risk(auction: Auction, kind: str, quantity_change: int) -> bool:
    """App.7 §5: market volume ≤ share % of limit volume, so only more market volume or less
    limit volume can break it."""
    if auction.market_share_percent == 0:
        return False
    return quantity_change > 0 if kind == BidKind.MARKET else quantity_change < 0


def _check_share(session, auction: Auction, organisation_id: int) -> None:
    """Checked after the change, on all of the firm's active bids, so no order of edits slips by."""
    limit, market = session.execute(
        select(func.coalesce(func.sum(case((Bid.kind == BidKind.LIMIT, Bid.quantity), else_=0)), 0),
               func.coalesce(func.sum(case((Bid.kind == BidKind.MARKET, Bid.quantity), else_=0)), 0))
        .where(Bid.auction_id == auction.id, Bid.organisation_id == organisation_id,
               Bid.status == BidStatus.ACTIVE)).one()
    try:
        rules.check_market_share(limit, market, auction.market_share_percent)
    except rules.AuctionRuleBroken as error:
        raise broken(error, "quantity") from error


# --- confirmation by the custodian (App.9) -------------------------------------------------------

def bids_to_confirm(session, custodian_id: int) -> list[Bid]:
    return sealed_bids.bids_to_confirm(session, AUCTION, custodian_id, Auction.confirm_until)


def confirm_bid(session, bid: Bid, user: User, confirmed: bool, now: datetime) -> Bid:
    """App.9 §1: a confirmation or a refusal within the window set in the application."""
    sealed_bids.check_custodian_of(AUCTION, bid, user)
    auction = locked(session, bid.auction_id)  # the close, which annuls pending bids, waits
    sealed_bids.check_awaiting(AUCTION, bid)
    if auction.status != AuctionStatus.ANNOUNCED or now >= auction.confirm_until:
        raise AuctionError(_l("The confirmation window has closed; the bid was annulled."), code="window_closed")
    return sealed_bids.answered(session, AUCTION, bid, confirmed, BidStatus.ANNULLED, now)


# --- staff: eligibility ------------------------------------------------------------------------

def bidder_firms(auction: Auction) -> list[dict]:
    """Who bids, not what: enough for staff to remove an ineligible firm's bids before the close."""
    firms: dict[int, dict] = {}
    for bid in auction.bids:
        if bid.status != BidStatus.ACTIVE:
            continue
        firm = firms.setdefault(bid.organisation_id, {"organisation": bid.organisation, "bids": 0,
                                                      "client_bids": 0})
        firm["bids"] += 1
        firm["client_bids"] += bool(bid.client_iin)
    return sorted(firms.values(), key=lambda firm: firm["organisation"].name)


def remove_firm_bids(session, auction: Auction, organisation_id: int, reason: str, now: datetime) -> int:
    """App.7 §5 (GKO): the exchange removes ineligible bids before the close; they are left out
    of every register."""
    auction = locked(session, auction.id)
    _check_open(auction, now)
    reason = (reason or "").strip()
    if not reason:
        raise AuctionError(_l("State the reason."), "reason")
    removed = [bid for bid in sealed_bids_of(session, auction, organisation_id) if bid.status == BidStatus.ACTIVE]
    for bid in removed:
        before = sealed_bids.bid_snapshot(AUCTION, bid)
        bid.status, bid.status_reason, bid.updated_at = BidStatus.REMOVED, reason, now
        sealed_bids.recorded(session, AUCTION, "remove", bid, before)
    return len(removed)


def sealed_digest(bid: Bid) -> str:
    return sealed_bids.sealed_digest(AUCTION, bid)
