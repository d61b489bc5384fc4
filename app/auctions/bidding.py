"""Bids in the window (App.7 §5), custodian confirmation (App.9) and the staff's removals.

A bid is sealed until the window closes: only the bidding firm reads it (the custodian that
controls its account reads what it must confirm). Every write takes the auction's row in share
mode and checks the window in the same transaction: bids of different firms go ahead side by
side, and the close (which takes the row exclusively) waits for them, so a bid at 12:00:00.000 is
as late as one at 12:05. A change that could break the firm's market-bid share also locks the
firm's row, so two of its changes cannot each pass the check on the other's old state.
"""
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from app.audit.sealing import sealed
from app.audit.services import record
from app.auctions.models import Auction, AuctionStatus, Bid, BidStatus, TradeSubject
from app.auctions.services import AuctionError, bond_of, broken, window_of
from app.placement.vocabulary import Confirmation
from app.auth.models import Organisation, User
from app.auth.roles import OrganisationKind, Role
from app.domain import auction_rules as rules
from app.domain.allocation import BidKind
from app.domain.yields import YieldError, price_from_yield, yield_from_price

BIDDER_ROLES = (Role.PRIMARY_DEALER, Role.PARTICIPANT)
INVESTOR_TYPES = ("bank", "broker_dealer", "pension_fund", "other_institutional", "other_legal", "individual")
FOUR_PLACES = Decimal("0.0001")


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


def _locked_bid(session, bid_id: int) -> Bid:
    """The bid as it stands now, kept until commit: a second edit of it waits for the first."""
    return session.scalars(select(Bid).where(Bid.id == bid_id).with_for_update(key_share=True)
                           .execution_options(populate_existing=True)).one()


def bid_stream(bid: Bid) -> str:
    """One audit chain per firm and auction: firms bidding side by side never share a head."""
    return f"auction:{bid.auction_id}:organisation:{bid.organisation_id}"


def sealed_bids_of(session, auction: Auction, organisation_id: int) -> list[Bid]:
    return list(session.scalars(select(Bid).where(Bid.auction_id == auction.id,
                                                  Bid.organisation_id == organisation_id).order_by(Bid.id)))


def find_by_key(session, organisation_id: int, key: str) -> Bid | None:
    return session.scalar(select(Bid).where(Bid.organisation_id == organisation_id, Bid.idempotency_key == key))


def submit_bid(session, auction: Auction, user: User, entry: BidEntry, key: str, now: datetime) -> tuple[Bid, bool]:
    """Returns (bid, created): a repeated request with the same key gives back the first bid."""
    key = (key or "").strip()
    if not key or len(key) > 64:
        raise AuctionError(_l("Every bid needs an idempotency key of 1–64 characters."), "idempotency_key")
    existing = find_by_key(session, user.organisation_id, key)
    if existing is not None:
        if existing.auction_id != auction.id:
            raise AuctionError(_l("Your firm used this idempotency key for a bid in another auction."),
                               "idempotency_key", code="idempotency_key_reused")
        return existing, False
    auction = locked(session, auction.id)
    _check_open(auction, now)
    at_risk = _share_at_risk(auction, entry.kind, entry.quantity if isinstance(entry.quantity, int) else 0)
    _check_bidder(session, auction, user, bidding_firm(session, user, at_risk), entry)
    price, yield_pct = _priced(auction, entry)
    bid = Bid(auction_id=auction.id, organisation_id=user.organisation_id, submitted_by_id=user.id,
              idempotency_key=key, kind=entry.kind, price=price, yield_pct=yield_pct,
              quantity=entry.quantity, client_name=_clean(entry.client_name), client_iin=_clean(entry.client_iin),
              investor_type=entry.investor_type, custodian_id=entry.custodian_id,
              confirmation=Confirmation.PENDING if entry.custodian_id else Confirmation.NOT_REQUIRED,
              status=BidStatus.ACTIVE, created_at=now, updated_at=now, priority_at=now)
    session.add(bid)
    session.flush()
    if at_risk:
        _check_share(session, auction, user.organisation_id)
    record(session, "bid.submit", "auction_bid", bid.id, None, bid_snapshot(bid), stream=bid_stream(bid))
    return bid, True


def amend_bid(session, bid: Bid, user: User, entry: BidEntry, now: datetime) -> Bid:
    """Change a bid in the window; a better price or a larger quantity starts its time anew."""
    auction = locked(session, bid.auction_id)
    _check_own(bid, user)
    bid = _locked_bid(session, bid.id)
    _check_open(auction, now)
    if entry.kind != bid.kind:
        raise AuctionError(_l("A limit bid cannot become a market bid; delete it and submit a new one."), "kind")
    change = entry.quantity - bid.quantity if isinstance(entry.quantity, int) else 0
    at_risk = _share_at_risk(auction, bid.kind, change)
    _check_bidder(session, auction, user, bidding_firm(session, user, at_risk), entry)
    price, yield_pct = _priced(auction, entry)
    before = bid_snapshot(bid)
    if entry.quantity > bid.quantity or price != bid.price:
        bid.priority_at = now
    bid.price, bid.yield_pct, bid.quantity = price, yield_pct, entry.quantity
    bid.client_name, bid.client_iin = _clean(entry.client_name), _clean(entry.client_iin)
    bid.investor_type = entry.investor_type
    if entry.custodian_id != bid.custodian_id or bid.custodian_id:
        bid.custodian_id = entry.custodian_id
        bid.confirmation = Confirmation.PENDING if entry.custodian_id else Confirmation.NOT_REQUIRED
    bid.updated_at = now
    session.flush()
    if at_risk:
        _check_share(session, auction, bid.organisation_id)
    record(session, "bid.amend", "auction_bid", bid.id, before, bid_snapshot(bid), stream=bid_stream(bid))
    return bid


def withdraw_bid(session, bid: Bid, user: User, now: datetime) -> Bid:
    auction = locked(session, bid.auction_id)
    _check_own(bid, user)
    bid = _locked_bid(session, bid.id)
    _check_open(auction, now)
    if bid.status != BidStatus.ACTIVE:
        raise AuctionError(_l("This bid is no longer active."))
    # Withdrawing a limit bid lowers the volume the firm's market bids are measured against.
    at_risk = _share_at_risk(auction, bid.kind, -bid.quantity)
    bidding_firm(session, user, at_risk)
    before = bid_snapshot(bid)
    bid.status, bid.updated_at = BidStatus.WITHDRAWN, now
    session.flush()
    if at_risk:
        _check_share(session, auction, bid.organisation_id)
    record(session, "bid.withdraw", "auction_bid", bid.id, before, bid_snapshot(bid), stream=bid_stream(bid))
    return bid


def _check_open(auction: Auction, now: datetime) -> None:
    if auction.status != AuctionStatus.ANNOUNCED:
        raise AuctionError(_l("This auction does not take bids."), code="window_closed")
    phase = window_of(auction).phase(now)
    if phase == rules.Phase.BEFORE_OPEN:
        raise AuctionError(_l("The bid window has not opened yet."), code="window_not_open")
    if phase != rules.Phase.BIDDING:
        raise AuctionError(_l("The bid window has closed."), code="window_closed")


def _check_own(bid: Bid, user: User) -> None:
    if bid.organisation_id != user.organisation_id:
        raise AuctionError(_l("Bid not found."), code="not_found")


def _check_bidder(session, auction: Auction, user: User, firm: Organisation, entry: BidEntry) -> None:
    if user.role not in BIDDER_ROLES:
        raise AuctionError(_l("Only exchange members bid in auctions."), code="forbidden")
    if auction.is_gko:
        _check_gko_bidder(firm, entry)
    if entry.investor_type not in INVESTOR_TYPES:
        raise AuctionError(_l("Choose the investor type."), "investor_type")
    if bool(entry.client_name) != bool(entry.client_iin):
        raise AuctionError(_l("A bid for a client needs both the client's name and IIN/BIN."), "client_iin")
    if entry.client_iin and not (len(entry.client_iin.strip()) == 12 and entry.client_iin.strip().isdigit()):
        raise AuctionError(_l("An IIN/BIN has 12 digits."), "client_iin")
    _check_custodian(session, entry.custodian_id)
    if not isinstance(entry.quantity, int) or entry.quantity <= 0:
        raise AuctionError(_l("The quantity is a whole number of securities, at least one."), "quantity")


def _check_gko_bidder(firm: Organisation, entry: BidEntry) -> None:
    """App.7 §5 (GKO): primary dealers only, in their own name and for their own account."""
    if not firm.is_primary_dealer:
        raise AuctionError(_l("Only primary dealers bid for GKO."), code="not_primary_dealer")
    if entry.client_name or entry.client_iin:
        raise AuctionError(_l("A primary dealer bids for GKO in its own name and for its own account only."),
                           "client_name")


def _check_custodian(session, custodian_id: int | None) -> None:
    if custodian_id is None:
        return
    custodian = session.get(Organisation, custodian_id)
    if custodian is None or custodian.kind != OrganisationKind.CUSTODIAN or not custodian.is_active:
        raise AuctionError(_l("Choose a custodian from the list."), "custodian_id")


def _priced(auction: Auction, entry: BidEntry) -> tuple[Decimal | None, Decimal | None]:
    """(price, yield) of a limit bid, each 4 decimals; a market bid has neither."""
    if entry.kind == BidKind.MARKET:
        if entry.price is not None or entry.yield_pct is not None:
            raise AuctionError(_l("A market bid carries no price."), "price")
        return None, None
    if entry.kind != BidKind.LIMIT:
        raise AuctionError(_l("A bid is a limit bid or a market bid."), "kind")
    if auction.trade_subject == TradeSubject.YIELD:
        return _from_yield(auction, entry.yield_pct)
    return _from_price(auction, entry.price)


def _from_price(auction: Auction, price: Decimal | None) -> tuple[Decimal, Decimal | None]:
    price = _four_places(price, "price", _l("Give the price with at most 4 decimals."))
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
    yield_pct = _four_places(yield_pct, "yield_pct", _l("Give the yield with at most 4 decimals."))
    try:
        return price_from_yield(bond_of(auction), auction.payment_date, yield_pct), yield_pct
    except YieldError as error:
        raise AuctionError(_l("No price corresponds to this yield."), "yield_pct") from error


def _four_places(value, field: str, message) -> Decimal:
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise AuctionError(message, field) from None
    if not value.is_finite() or value != value.quantize(FOUR_PLACES):
        raise AuctionError(message, field)
    return value.quantize(FOUR_PLACES)


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


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


# --- confirmation by the custodian (App.9) -------------------------------------------------------

def bids_to_confirm(session, custodian_id: int) -> list[Bid]:
    return list(session.scalars(
        select(Bid).join(Auction).where(Bid.custodian_id == custodian_id, Auction.status == AuctionStatus.ANNOUNCED)
        .order_by(Auction.confirm_until, Bid.id)))


def confirm_bid(session, bid: Bid, user: User, confirmed: bool, now: datetime) -> Bid:
    """App.9 §1: a confirmation or a refusal within the window set in the application."""
    if bid.custodian_id != user.organisation_id:
        raise AuctionError(_l("Bid not found."), code="not_found")
    auction = locked(session, bid.auction_id)  # the close, which annuls pending bids, waits
    if bid.status != BidStatus.ACTIVE or bid.confirmation != Confirmation.PENDING:
        raise AuctionError(_l("This bid does not await your confirmation."))
    if auction.status != AuctionStatus.ANNOUNCED or now >= auction.confirm_until:
        raise AuctionError(_l("The confirmation window has closed; the bid was annulled."), code="window_closed")
    before = bid_snapshot(bid)
    bid.confirmation = Confirmation.CONFIRMED if confirmed else Confirmation.REFUSED
    if not confirmed:
        bid.status, bid.status_reason = BidStatus.ANNULLED, "refused_by_custodian"
    bid.updated_at = now
    session.flush()
    record(session, "bid.confirm" if confirmed else "bid.refuse", "auction_bid", bid.id, before, bid_snapshot(bid),
           stream=bid_stream(bid))
    return bid


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
    removed = 0
    for bid in sealed_bids_of(session, auction, organisation_id):
        if bid.status == BidStatus.ACTIVE:
            before = bid_snapshot(bid)
            bid.status, bid.status_reason, bid.updated_at = BidStatus.REMOVED, reason, now
            record(session, "bid.remove", "auction_bid", bid.id, before, bid_snapshot(bid), stream=bid_stream(bid))
            removed += 1
    session.flush()
    return removed


def bid_snapshot(bid: Bid) -> dict:
    """What the audit trail keeps of a bid: the terms only sealed (app.audit.sealing)."""
    return {
        "auction_id": bid.auction_id, "organisation_id": bid.organisation_id, "kind": bid.kind,
        "status": bid.status, "confirmation": bid.confirmation, "custodian_id": bid.custodian_id,
        "sealed": sealed_digest(bid),
    }


def sealed_digest(bid: Bid) -> str:
    return sealed([bid.id, str(bid.price), str(bid.yield_pct), bid.quantity, bid.client_iin, bid.client_name])
