"""After the window: close, summary register, cut-off decision, deals, settlement, results.

The arithmetic lives in app.domain (allocation, demand, yields); this module feeds it frozen
values made from the rows and writes the outcome back.
"""
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import object_session

from app.auctions.models import (Auction, AuctionKind, AuctionStatus, Bid, BidStatus, Deal,
                                 DealStatus, NoticeKind)
from app.auctions.kind import AUCTION, AuctionError
from app.auctions.services import bond_of, broken, publish_notice, require_status
from app.placement.vocabulary import Confirmation
from app.auth.models import User
from app.domain import allocation, demand
from app.domain import auction_rules as rules
from app.domain.calendar import almaty_date
from app.formatting import almaty_datetime
from app.domain.yields import YieldError, accrued_interest, unit_money, yield_from_price
from app.placement import lifecycle

CONFIRMED = (Confirmation.NOT_REQUIRED, Confirmation.CONFIRMED)


# --- closing -------------------------------------------------------------------------------------

def advance_due(session, now: datetime, store: bool = True) -> list[Auction]:
    """Close every announced auction whose confirmation window has ended (app.placement.lifecycle)."""
    return lifecycle.advance_due(session, AUCTION, close_auction, freeze, now, store)


def up_to_date(session, auction: Auction, now: datetime, store: bool = True) -> Auction:
    return lifecycle.up_to_date(session, AUCTION, close_auction, freeze, auction, now, store)


def close_auction(session, auction: Auction, now: datetime) -> Auction:
    """App.7 §6, App.9, stored: the row lock waits for bids in flight and keeps new ones out."""
    if now < auction.confirm_until:
        raise AuctionError(_l("The bid and confirmation windows are still open."))
    return lifecycle.closed(session, AUCTION, auction, freeze, now, NoticeKind.FAILED)


def freeze(auction: Auction, now: datetime) -> Auction:
    """Bids freeze; unconfirmed bids on controlled accounts are annulled; the auction fails
    without an active limit bid (sales and purchases also with < 2 participants)."""
    for bid in auction.bids:
        if bid.status == BidStatus.ACTIVE and bid.confirmation == Confirmation.PENDING:
            bid.status, bid.status_reason, bid.updated_at = BidStatus.ANNULLED, "not_confirmed_in_time", now
    auction.closed_at = now
    bids = active_bids(auction)
    reason = rules.failure_reason(
        active_limit_bids=sum(bid.kind == allocation.BidKind.LIMIT for bid in bids),
        participants=len({bid.organisation_id for bid in bids}),
        needs_two_participants=auction.kind in (AuctionKind.SALE, AuctionKind.PURCHASE))
    auction.status = AuctionStatus.FAILED if reason else AuctionStatus.CLOSED
    auction.failure_reason = reason
    return auction


def active_bids(auction: Auction) -> list[Bid]:
    """SPEC §8: not withdrawn, not removed, confirmed where confirmation was required."""
    return [bid for bid in auction.bids if bid.status == BidStatus.ACTIVE and bid.confirmation in CONFIRMED]


def registered_bids(auction: Auction) -> list[Bid]:
    """Every bid the register counts as submitted: removed bids are left out of every register."""
    return [bid for bid in auction.bids if bid.status != BidStatus.REMOVED]


def to_domain(bids: list[Bid]) -> list[allocation.Bid]:
    ordered = sorted(bids, key=lambda bid: (bid.priority_at, bid.id))
    return [allocation.Bid(bid.id, bid.organisation_id, allocation.BidKind(bid.kind), bid.price, bid.quantity,
                           priority, bid.investor_type) for priority, bid in enumerate(ordered)]


# --- prices, yields and money of this auction's security -------------------------------------------

def yield_of(auction: Auction):
    bond = bond_of(auction)
    if bond is None:
        return None

    def of(price: Decimal) -> Decimal | None:
        try:
            return yield_from_price(bond, auction.payment_date, price)
        except YieldError:
            return None
    return of


def money_of(auction: Auction):
    """SPEC §7: quantity × face × (clean price + AI) / 100, to 0.01; shares: quantity × price."""
    unit_of = unit_money_of(auction)
    return lambda price, quantity: allocation.round_half_up(quantity * unit_of(price), 2)


def unit_money_of(auction: Auction):
    """Tenge per security at a price, exact: what money_of rounds, fill by fill."""
    bond = bond_of(auction)
    if bond is None:
        return Fraction
    accrued = accrued_interest(bond, auction.payment_date)
    return lambda price: unit_money(auction.face_value, price, accrued)


# --- summary register ----------------------------------------------------------------------------

@dataclass(frozen=True)
class SummaryRegister:
    auction: Auction
    levels: list
    market_bid_count: int
    market_quantity: int
    figures: demand.DemandFigures
    bids: list[Bid]            # active bids best first; only the named (Ministry/staff) copy shows them


def summary_register(auction: Auction) -> SummaryRegister:
    bids, of_yield = active_bids(auction), yield_of(auction)
    domain_bids = to_domain(bids)
    levels = demand.price_levels(domain_bids, auction.declared_quantity, auction.higher_is_better, of_yield)
    market = [bid for bid in bids if bid.kind == allocation.BidKind.MARKET]
    figures = demand.demand_figures(to_domain(registered_bids(auction)), domain_bids,
                                    auction.declared_quantity, of_yield)
    return SummaryRegister(auction, levels, len(market), sum(bid.quantity for bid in market), figures,
                           sorted(bids, key=lambda bid: _best_first(auction, bid)))


def _best_first(auction: Auction, bid: Bid):
    if bid.price is None:
        return (1, Decimal(0), bid.priority_at, bid.id)
    price = -bid.price if auction.higher_is_better else bid.price
    return (0, price, bid.priority_at, bid.id)


# --- what-if explorer and the decision (App.7 §7) --------------------------------------------------

def explore(auction: Auction, quantity: int, market_fill_percent: Decimal) -> list[demand.Scenario]:
    return demand.explore(explorer_bids(auction), auction.declared_quantity, quantity,
                          market_fill_percent / 100, allocation.Pricing(auction.pricing),
                          auction.higher_is_better, yield_of(auction), unit_money_of(auction))


def explorer_bids(auction: Auction) -> list[allocation.Bid]:
    """The active bids as domain values, read as plain columns already in time priority: loading
    whole ORM bids was most of the explorer's time on a big auction."""
    rows = object_session(auction).execute(
        select(Bid.id, Bid.organisation_id, Bid.kind, Bid.price, Bid.quantity)
        .where(Bid.auction_id == auction.id, Bid.status == BidStatus.ACTIVE, Bid.confirmation.in_(CONFIRMED))
        .order_by(Bid.priority_at, Bid.id))
    kinds = {kind.value: kind for kind in allocation.BidKind}
    return [allocation.Bid(bid_id, organisation_id, kinds[kind], price, quantity, priority)
            for priority, (bid_id, organisation_id, kind, price, quantity) in enumerate(rows)]


@dataclass
class DecisionEntry:
    satisfy: bool
    cutoff_price: Decimal | None = None
    quantity: int | None = None
    market_fill_percent: Decimal = Decimal(100)
    reason: str | None = None


def decide(session, auction: Auction, user: User, entry: DecisionEntry, now: datetime) -> Auction:
    """The initiator satisfies (one cut-off, one volume, one market fill) or refuses with a reason."""
    require_status(auction, AuctionStatus.CLOSED)
    if user.organisation_id != auction.initiator_id:
        raise AuctionError(_l("Only the initiator decides."), code="forbidden")
    if auction.is_gko and now > auction.decision_at:
        raise AuctionError(_l("App.7 §7: the Ministry's decision was due by %(time)s.",
                              time=almaty_datetime(auction.decision_at)), code="decision_late")

    def decided():
        if entry.satisfy:
            _satisfy(auction, entry)
        else:
            _refuse(session, auction, entry, now)
        auction.decided_at, auction.decided_by_id = now, user.id
    return lifecycle.changed(session, AUCTION, auction, "decide", decided)


def _satisfy(auction: Auction, entry: DecisionEntry) -> None:
    if entry.cutoff_price is None:
        raise AuctionError(_l("Choose the cut-off price."), "cutoff_price")
    if not entry.quantity or entry.quantity <= 0:
        raise AuctionError(_l("State how many securities to place."), "quantity")
    if not 0 <= entry.market_fill_percent <= 100:
        raise AuctionError(_l("The share of market bids to satisfy is from 0 to 100 %."), "market_fill_percent")
    try:
        rules.check_issuable(entry.quantity, auction.issuable_quantity)
    except rules.AuctionRuleBroken as error:
        raise broken(error, "quantity") from error
    result = _allocate(auction, entry.cutoff_price, entry.quantity, entry.market_fill_percent)
    if result.placed_quantity == 0:
        raise AuctionError(_l("No bid is satisfied at this cut-off price."), "cutoff_price")
    auction.status, auction.satisfied = AuctionStatus.DECIDED, True
    auction.cutoff_price, auction.decided_quantity = entry.cutoff_price, entry.quantity
    auction.market_fill_percent, auction.decision_reason = entry.market_fill_percent, None


def _refuse(session, auction: Auction, entry: DecisionEntry, now: datetime) -> None:
    reason = (entry.reason or "").strip()
    if not reason:
        raise AuctionError(_l("A refusal must state its reason."), "reason")
    auction.status, auction.satisfied = AuctionStatus.FAILED, False
    auction.failure_reason, auction.decision_reason = "refused_by_initiator", reason
    publish_notice(session, auction, NoticeKind.FAILED, now, reason)


def _allocate(auction: Auction, cutoff: Decimal, quantity: int, market_fill_percent: Decimal) -> allocation.Allocation:
    decision = allocation.Decision(cutoff, quantity, market_fill_percent / 100)
    try:
        return allocation.allocate(to_domain(active_bids(auction)), decision,
                                   allocation.Pricing(auction.pricing), auction.higher_is_better)
    except allocation.VolumeBelowBetterDemand as error:
        raise AuctionError(_l("Bids better than this cut-off already ask for more than the volume; "
                              "choose a better cut-off or a larger volume."), "cutoff_price") from error
    except allocation.AllocationError as error:
        raise AuctionError(_l("These figures do not allocate: check the cut-off and the volume."),
                           "cutoff_price") from error


def decided_allocation(auction: Auction) -> allocation.Allocation:
    """The allocation is recomputed from the stored decision: it is deterministic."""
    return _allocate(auction, auction.cutoff_price, auction.decided_quantity, auction.market_fill_percent)


# --- deals and settlement (App.7 §8–9) --------------------------------------------------------------

def form_deals(session, auction: Auction, now: datetime) -> list[Deal]:
    """One deal per satisfied bid (GKO: not before the decision time)."""
    require_status(auction, AuctionStatus.DECIDED)
    if now < auction.decision_at:
        raise AuctionError(_l("App.7 §8: deals are formed from %(time)s.", time=almaty_datetime(auction.decision_at)))
    deals = _deals(auction, decided_allocation(auction).fills, now)

    def formed():
        session.add_all(deals)
        auction.status, auction.deals_formed_at = AuctionStatus.DEALS_FORMED, now
        return {"deals": len(deals)}
    lifecycle.changed(session, AUCTION, auction, "form_deals", formed)
    return deals


def _deals(auction: Auction, fills, now: datetime) -> list[Deal]:
    """The security's conventions are built once for all the fills: yield, accrued interest, money."""
    bond, of_yield, money = bond_of(auction), yield_of(auction), money_of(auction)
    accrued = accrued_interest(bond, auction.payment_date) if bond else Decimal(0)
    return [Deal(number=f"{auction.number}-{index:04d}", auction_id=auction.id, bid_id=fill.bid_id,
                 organisation_id=fill.participant_id, quantity=fill.quantity, price=fill.price,
                 yield_pct=of_yield(fill.price) if of_yield else None,
                 accrued_interest=accrued.quantize(Decimal("0.00000001"), ROUND_HALF_UP),
                 amount=money(fill.price, fill.quantity), settlement_date=auction.payment_date,
                 status=DealStatus.FORMED, created_at=now)
            for index, fill in enumerate(fills, start=1)]


def money_required(auction: Auction) -> list[dict]:
    """SPEC §2.8. Securities column: each participant's deals. GKO column: every accepted bid of
    the dealer as if all were satisfied (market bids at the decided weighted average price)."""
    needs: dict[int, dict] = {}
    for org_id, organisation, amount in _obligations(auction):
        row = needs.setdefault(org_id, {"organisation": organisation, "amount": Decimal(0)})
        row["amount"] += amount
    return sorted(needs.values(), key=lambda row: row["organisation"].name)


def _obligations(auction: Auction):
    if not auction.is_gko:
        return [(deal.organisation_id, deal.organisation, deal.amount) for deal in auction.deals]
    price_of_market = decided_allocation(auction).weighted_average_price or auction.cutoff_price
    money = money_of(auction)
    return [(bid.organisation_id, bid.organisation, money(bid.price or price_of_market, bid.quantity))
            for bid in active_bids(auction)]


def settle(session, auction: Auction, short_organisation_ids: set[int], now: datetime) -> Auction:
    """The depository rejects all deals of a participant short of money; the rest settle and the
    results notice is published on the settlement day."""
    require_status(auction, AuctionStatus.DEALS_FORMED)
    if almaty_date(now) < auction.payment_date:
        raise AuctionError(_l("Settlement is on %(day)s.", day=auction.payment_date.strftime("%d.%m.%Y")))

    def settled():
        for deal in auction.deals:
            deal.status = DealStatus.REJECTED if deal.organisation_id in short_organisation_ids else DealStatus.SETTLED
        auction.status, auction.settled_at = AuctionStatus.SETTLED, now
        publish_notice(session, auction, NoticeKind.RESULTS, now)
        return {"rejected_organisations": sorted(short_organisation_ids)}
    return lifecycle.changed(session, AUCTION, auction, "settle", settled)


