"""Subscription and public offering rules (App.8) as pure functions.

Investors are recognised by IIN/BIN across member firms: one person bidding through two brokers
is one investor for the private-placement limit and for the failure rule.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from app.domain.calendar import BusinessCalendar, almaty_instant

FILING_DAYS = 2                              # App.8 §1: ≥ 2 business days before the bid period
PRIVATE_MINIMUM_BID = Decimal("100000")      # App.8 §6: KZT
PRIVATE_INVESTOR_LIMIT = 50
PUBLIC_MIN_PARTICIPANTS = 2
PUBLIC_MIN_INVESTORS = 50


class OfferingRuleBroken(Exception):
    def __init__(self, rule: str, **values):
        super().__init__(rule)
        self.rule = rule
        self.values = values


def end_of_day(day: date) -> datetime:
    return almaty_instant(day + timedelta(days=1), time(0, 0))


def filing_deadline(calendar: BusinessCalendar, period_start: date) -> datetime:
    return end_of_day(calendar.business_days_before(period_start, FILING_DAYS))


def check_filing(calendar: BusinessCalendar, period_start: date, period_end: date, filed_at: datetime) -> None:
    if not calendar.is_trading_day(period_start):
        raise OfferingRuleBroken("not_a_trading_day", day=period_start)
    if period_end < period_start:
        raise OfferingRuleBroken("period_order")
    deadline = filing_deadline(calendar, period_start)
    if filed_at >= deadline:
        raise OfferingRuleBroken("filing_late", deadline=deadline)


def announcement_deadline(calendar: BusinessCalendar, consent_on: date) -> datetime:
    """App.8 §4: the announcement by the next business day after the consent."""
    return end_of_day(calendar.next_business_day(consent_on))


@dataclass(frozen=True)
class InvestorBid:
    """An active bid as the limits see it."""
    bid_id: int
    participant_id: int
    investor_iin: str
    qualified: bool
    amount: Decimal


def distinct_investors(bids) -> set[str]:
    return {bid.investor_iin for bid in bids}


def check_private_bid(amount: Decimal, qualified: bool) -> None:
    """App.8 §6: a private placement takes bids of at least 100,000 KZT from qualified investors."""
    if amount < PRIVATE_MINIMUM_BID:
        raise OfferingRuleBroken("private_minimum", minimum=PRIVATE_MINIMUM_BID)
    if not qualified:
        raise OfferingRuleBroken("private_qualified_only")


def check_investor_limit(existing: list[InvestorBid], new_investor_iin: str) -> None:
    """At most 50 distinct investors, counted by IIN/BIN across all member firms."""
    investors = distinct_investors(existing)
    if new_investor_iin not in investors and len(investors) >= PRIVATE_INVESTOR_LIMIT:
        raise OfferingRuleBroken("private_investor_limit", limit=PRIVATE_INVESTOR_LIMIT)


def failure_reason(bids: list[InvestorBid], is_public_offering: bool) -> str | None:
    """App.8 §6: a subscription fails without a bid; a public offering when bids came from fewer
    than 2 participants and fewer than 50 investors."""
    if not bids:
        return "no_bids"
    participants = {bid.participant_id for bid in bids}
    if is_public_offering and len(participants) < PUBLIC_MIN_PARTICIPANTS \
            and len(distinct_investors(bids)) < PUBLIC_MIN_INVESTORS:
        return "too_few_participants_and_investors"
    return None


@dataclass(frozen=True)
class AcceptedBid:
    bid_id: int
    participant_id: int
    investor_iin: str
    price: Decimal | None
    quantity: int
    is_primary_dealer: bool = False


@dataclass(frozen=True)
class Satisfaction:
    row_number: int
    bid_id: int
    price: Decimal | None
    quantity: int


@dataclass(frozen=True)
class Problem:
    row_number: int | None
    rule: str
    values: dict


def check_satisfied_register(accepted: dict[int, AcceptedBid], rows: list[Satisfaction], price_min: Decimal,
                             price_max: Decimal, is_private: bool, is_gko: bool,
                             offered: int | None = None) -> list[Problem]:
    """App.8 §9: every problem, with its row, before anything is stored."""
    problems: list[Problem] = []
    seen: set[int] = set()
    for row in rows:
        if row.bid_id in seen:
            problems.append(Problem(row.row_number, "duplicate_bid", {"bid": row.bid_id}))
        seen.add(row.bid_id)
        problems.extend(_row_problems(accepted.get(row.bid_id), row, price_min, price_max))
    satisfied = [row for row in rows if row.quantity > 0 and row.bid_id in accepted]
    total = sum(row.quantity for row in satisfied)
    if offered is not None and total > offered:
        problems.append(Problem(None, "above_offered", {"total": total, "offered": offered}))
    if is_private:
        investors = {accepted[row.bid_id].investor_iin for row in satisfied}
        if len(investors) > PRIVATE_INVESTOR_LIMIT:
            problems.append(Problem(None, "private_investor_limit", {"limit": PRIVATE_INVESTOR_LIMIT}))
    if is_gko:
        problems.extend(_unequal_dealers(accepted, rows))
    return problems


def _row_problems(bid: AcceptedBid | None, row: Satisfaction, price_min: Decimal, price_max: Decimal) -> list[Problem]:
    if bid is None:
        return [Problem(row.row_number, "unknown_bid", {"bid": row.bid_id})]
    problems = []
    if row.quantity < 0:
        problems.append(Problem(row.row_number, "negative_quantity", {}))
    if row.quantity > bid.quantity:
        problems.append(Problem(row.row_number, "above_bid", {"bid": bid.bid_id, "quantity": bid.quantity}))
    if row.quantity > 0:
        if row.price is None or not price_min <= row.price <= price_max:
            problems.append(Problem(row.row_number, "price_outside_terms",
                                    {"price": row.price, "low": price_min, "high": price_max}))
        elif bid.price is not None and row.price > bid.price:
            problems.append(Problem(row.row_number, "above_bid_price", {"price": bid.price}))
    return problems


def _unequal_dealers(accepted: dict[int, AcceptedBid], rows: list[Satisfaction]) -> list[Problem]:
    """The Ministry treats primary dealers equally: bids at one price are satisfied at one ratio
    (to within one security of rounding) and at one price."""
    by_price: dict[Decimal | None, list[tuple[Satisfaction, AcceptedBid]]] = {}
    for row in rows:
        bid = accepted.get(row.bid_id)
        if bid is not None:
            by_price.setdefault(bid.price, []).append((row, bid))
    problems = []
    for price, pairs in by_price.items():
        problems.extend(_unequal_level(price, pairs))
    return problems


def _unequal_level(price, pairs) -> list[Problem]:
    if len(pairs) < 2:
        return []
    ratios = [Decimal(row.quantity) / bid.quantity for row, bid in pairs]
    tolerance = max(Decimal(1) / bid.quantity for _, bid in pairs)
    prices = {row.price for row, _ in pairs if row.quantity > 0}
    if max(ratios) - min(ratios) <= tolerance and len(prices) <= 1:
        return []
    return [Problem(row.row_number, "unequal_dealers", {"price": price}) for row, _ in pairs]
