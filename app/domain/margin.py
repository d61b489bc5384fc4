"""Margin lending (seed 003, SPEC §4 "Margin rules"), pure: a client's figures, the pre-trade
and withdrawal checks, and the forced close-out plan.

The seed names the figures but gives no formula for M0; the margin issue fixes it:

    S    = Σ Q_i·P_i + Σ m_c·FX_c
    M0   = Σ |Q_i|·P_i·D_i + Σ_{c ≠ KZT} max(0, −m_c)·FX_c·D_c
    Mx   = M0 / 2,   NPR1 = S − M0,   NPR2 = S − Mx

Q_i is the client's signed planned position in securities (negative: a short), P_i its
valuation price in KZT, D_i its discount rate — the long rate for a long, the short rate for a
short; m_c the signed planned money in currency c (negative: a money loan), FX_c the broker's
rate (KZT: 1) and D_c the currency's own rate. Rates are percent: Decimal("25") is 25 %.

Exact: every figure is computed in a 100-digit context that traps Inexact, so nothing is
rounded here (M0 / 2 and rate / 100 are exact for finite decimals); the caller rounds to
display. Prices and rates are inputs: `valuation_price` picks a price, the broker's table
gives the rates (one `RateTable` per client category).

Money legs are KZT. An order and a close-out trade move the client's KZT money by quantity ×
price. Valuation prices are already in KZT, and crediting a foreign instrument's proceeds to
its own currency would make a sale's relief depend on that currency's loan (piecewise, and
the broker converts anyway), so the domain keeps one money leg; a foreign-currency loan enters
through the portfolio's money rows and `check_withdrawal`.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Context, Decimal, Inexact, localcontext
from enum import IntEnum
from fractions import Fraction
from math import ceil

from app.domain.calendar import ALMATY, BusinessCalendar, almaty_date

KZT = "KZT"
BUY, SELL = "buy", "sell"
ZERO = Decimal(0)
HUNDRED = Decimal(100)
T_PLUS_FLOOR = Decimal(25)   # seed 003: the lowest rate of a marginal T+ instrument
EXACT = Context(prec=100, traps=[Inexact])


class MarginRuleBroken(ValueError):
    """`code` names the broken rule; `details` fill in its message."""

    def __init__(self, code: str, /, **details):
        super().__init__(code)
        self.code, self.details = code, details


class Standing(IntEnum):
    """What monitoring reacts to (seed 003): below M0 the broker may e-mail S, M0 and Mx;
    below Mx it sends a notice and closes out."""
    OK = 0
    NPR1_NEGATIVE = 1
    NPR2_NEGATIVE = 2


def standing_of(s: Decimal, m0: Decimal) -> Standing:
    """NPR2 < 0 ⇔ 2S < M0 and NPR1 < 0 ⇔ S < M0, compared without dividing."""
    if s + s < m0:
        return Standing.NPR2_NEGATIVE
    return Standing.NPR1_NEGATIVE if s < m0 else Standing.OK


# -- rates ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rate:
    """An instrument's discount rates in percent; only a marginal instrument may be shorted."""
    long: Decimal
    short: Decimal = HUNDRED
    marginal: bool = True
    shortable: bool = False


OUTSIDE_LIST = Rate(long=HUNDRED, short=HUNDRED, marginal=False, shortable=False)


@dataclass(frozen=True)
class RateTable:
    """The broker's rates for one client category; an instrument it does not list is outside
    the marginal list, a currency it does not list counts at 100 %."""
    instruments: Mapping[Hashable, Rate] = field(default_factory=dict)
    currencies: Mapping[str, Decimal] = field(default_factory=dict)

    def of(self, instrument: Hashable) -> Rate:
        return self.instruments.get(instrument, OUTSIDE_LIST)

    def of_currency(self, currency: str) -> Decimal:
        return ZERO if currency == KZT else self.currencies.get(currency, HUNDRED)


def check_rate(rate: Rate, *, t_plus: bool) -> Rate:
    """The broker's entry for one instrument, refused if it breaks seed 003's rules."""
    for value in (rate.long, rate.short):
        if not ZERO <= value <= HUNDRED:
            raise MarginRuleBroken("rate_out_of_range", rate=value)
    if not rate.marginal:
        if rate.long != HUNDRED or rate.short != HUNDRED or rate.shortable:
            raise MarginRuleBroken("outside_list_is_100_and_not_shortable")
        return rate
    lowest = min(rate.long, rate.short) if rate.shortable else rate.long
    if t_plus and lowest < T_PLUS_FLOOR:
        raise MarginRuleBroken("rate_below_floor", rate=lowest, floor=T_PLUS_FLOOR)
    return rate


def check_currency_rate(currency: str, rate: Decimal) -> Decimal:
    if currency == KZT:
        raise MarginRuleBroken("kzt_has_no_rate")
    if not ZERO <= rate <= HUNDRED:
        raise MarginRuleBroken("rate_out_of_range", rate=rate)
    return rate


def applied_rate(rate: Rate, quantity: int, stale: bool) -> Decimal:
    """A stale price counts at 100 %, whatever the side."""
    if stale:
        return HUNDRED
    return rate.long if quantity >= 0 else rate.short


# -- valuation prices -------------------------------------------------------------------------

@dataclass(frozen=True)
class Valuation:
    price: Decimal
    source: str          # trade | reference | quote
    stale: bool


def valuation_price(last_trade_today: Decimal | None, reference: Decimal | None,
                    last_quote: Decimal | None, quote_age: timedelta | None, max_age: timedelta,
                    *, reference_age: timedelta | None = None) -> Valuation:
    """The margin issue: today's last trade on the instrument's venue, else the previous close
    (or reference price), else the last loaded quote. A price older than `max_age` (or a quote
    of unknown age) is stale; pass `reference_age` when a reference may be old."""
    if last_trade_today is not None:
        return Valuation(last_trade_today, "trade", False)
    if reference is not None:
        return Valuation(reference, "reference", reference_age is not None and reference_age > max_age)
    if last_quote is not None:
        return Valuation(last_quote, "quote", quote_age is None or quote_age > max_age)
    raise MarginRuleBroken("no_price")


# -- the portfolio and its figures ------------------------------------------------------------

@dataclass(frozen=True)
class Position:
    instrument: Hashable
    quantity: int                 # securities, signed: negative is a short
    price: Decimal                # valuation price in KZT
    lot: int = 1
    stale: bool = False


@dataclass(frozen=True)
class Money:
    currency: str
    amount: Decimal               # signed: negative is a money loan
    fx: Decimal = Decimal(1)      # KZT per unit, from the broker's rate table

    def __post_init__(self):
        if self.fx <= 0 or (self.currency == KZT and self.fx != 1):
            raise MarginRuleBroken("bad_fx", currency=self.currency, fx=self.fx)


@dataclass(frozen=True)
class Portfolio:
    """A client's planned positions: one row per instrument and per currency."""
    positions: tuple[Position, ...] = ()
    money: tuple[Money, ...] = ()


@dataclass(frozen=True)
class PositionRow:
    """One line of the Risks page: the position's value, the rate applied and its margin."""
    instrument: Hashable
    quantity: int
    price: Decimal
    value: Decimal
    rate: Decimal
    margin: Decimal
    stale: bool


@dataclass(frozen=True)
class MoneyRow:
    currency: str
    amount: Decimal
    fx: Decimal
    value: Decimal
    rate: Decimal                 # KZT: 0, it has no rate
    margin: Decimal               # only a loan carries margin


@dataclass(frozen=True)
class Figures:
    s: Decimal
    m0: Decimal
    mx: Decimal
    npr1: Decimal
    npr2: Decimal
    positions: tuple[PositionRow, ...]
    money: tuple[MoneyRow, ...]

    @property
    def standing(self) -> Standing:
        return standing_of(self.s, self.m0)


def position_row(position: Position, rates: RateTable) -> PositionRow:
    rate = applied_rate(rates.of(position.instrument), position.quantity, position.stale)
    value = position.quantity * position.price
    margin = abs(position.quantity) * position.price * rate / HUNDRED
    return PositionRow(position.instrument, position.quantity, position.price, value, rate,
                       margin, position.stale)


def money_row(money: Money, rates: RateTable) -> MoneyRow:
    rate = rates.of_currency(money.currency)
    value = money.amount * money.fx
    margin = -value * rate / HUNDRED if value < 0 else ZERO
    return MoneyRow(money.currency, money.amount, money.fx, value, rate, margin)


def figures(portfolio: Portfolio, rates: RateTable) -> Figures:
    with localcontext(EXACT):
        rows = tuple(position_row(item, rates) for item in portfolio.positions)
        cash = tuple(money_row(item, rates) for item in portfolio.money)
        s = sum((row.value for row in (*rows, *cash)), ZERO)
        m0 = sum((row.margin for row in (*rows, *cash)), ZERO)
        mx = m0 / 2
        return Figures(s, m0, mx, s - m0, s - mx, rows, cash)


# -- orders and the pre-trade check -----------------------------------------------------------

@dataclass(frozen=True)
class Order:
    """An order as if executed at `price` (KZT per security): a limit order at its limit; a
    market order at the far side of the corridor (a buy at its upper bound, a sell at its
    lower), which the caller passes, so the check assumes the worst fill the market allows."""
    instrument: Hashable
    side: str
    quantity: int                 # securities, not lots
    price: Decimal

    def __post_init__(self):
        if self.side not in (BUY, SELL) or self.quantity <= 0 or not self.price > 0:
            raise MarginRuleBroken("bad_order", side=self.side, quantity=self.quantity)

    @property
    def signed(self) -> int:
        return self.quantity if self.side == BUY else -self.quantity


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    reason: str | None            # npr1_below_zero | not_shortable
    npr1_after: Decimal
    after: Figures


def with_money(money: tuple[Money, ...], currency: str, change: Decimal) -> tuple[Money, ...]:
    """`money` with `change` added to `currency`'s row (a KZT row appears if there is none)."""
    if any(row.currency == currency for row in money):
        return tuple(replace(row, amount=row.amount + change) if row.currency == currency else row
                     for row in money)
    if currency != KZT:
        raise MarginRuleBroken("unknown_currency", currency=currency)
    return (*money, Money(KZT, change))


def after_orders(portfolio: Portfolio, orders: Iterable[Order | CloseOut]) -> Portfolio:
    """The portfolio as if every order had executed at its price, money leg in KZT. An
    instrument the client does not hold is valued at the order's price: a caller that knows
    its valuation price passes a zero position carrying it."""
    positions = {item.instrument: item for item in portfolio.positions}
    paid = ZERO
    with localcontext(EXACT):
        for order in orders:
            held = positions.get(order.instrument) or Position(order.instrument, 0, order.price)
            positions[order.instrument] = replace(held, quantity=held.quantity + order.signed)
            paid += order.signed * order.price
        if not paid:   # no KZT row appears for money that did not move
            return replace(portfolio, positions=tuple(positions.values()))
        return Portfolio(tuple(positions.values()), with_money(portfolio.money, KZT, -paid))


def quantity_of(portfolio: Portfolio, instrument: Hashable) -> int:
    return sum(item.quantity for item in portfolio.positions if item.instrument == instrument)


def check_order(portfolio: Portfolio, active_orders: Iterable[Order], new_order: Order,
                rates: RateTable) -> Verdict:
    """Seed 003: an order that would make NPR1 < 0, counting every active order as executed
    too, is refused; so is a sell into a short of an instrument that may not be shorted."""
    after = after_orders(portfolio, [*active_orders, new_order])
    result = figures(after, rates)
    if (new_order.side == SELL and quantity_of(after, new_order.instrument) < 0
            and not rates.of(new_order.instrument).shortable):
        return Verdict(False, "not_shortable", result.npr1, result)
    return verdict(result)


def check_withdrawal(portfolio: Portfolio, active_orders: Iterable[Order], currency: str,
                     amount: Decimal, rates: RateTable) -> Verdict:
    """A withdrawal may not take NPR1 (active orders counted as executed) below 0."""
    if not amount > 0:
        raise MarginRuleBroken("bad_amount", amount=amount)
    after = after_orders(portfolio, active_orders)
    with localcontext(EXACT):
        after = replace(after, money=with_money(after.money, currency, -amount))
    return verdict(figures(after, rates))


def verdict(result: Figures) -> Verdict:
    accepted = result.npr1 >= 0
    return Verdict(accepted, None if accepted else "npr1_below_zero", result.npr1, result)


# -- forced close-out -------------------------------------------------------------------------

@dataclass(frozen=True)
class CloseOut:
    """One market order of the plan; `price` is the valuation price the plan assumed."""
    instrument: Hashable
    side: str
    quantity: int
    lots: int
    price: Decimal

    @property
    def signed(self) -> int:
        return self.quantity if self.side == BUY else -self.quantity


def highest_rate_first(row: PositionRow) -> tuple:
    """The default broker's order: the highest rate first, then the largest value."""
    return (-row.rate, -abs(row.value))


def close_out_plan(portfolio: Portfolio, rates: RateTable,
                   order_key: Callable[[PositionRow], object] = highest_rate_first) -> list[CloseOut]:
    """Seed 003: sell (buy back, for a short) at market, position by position in the broker's
    order, the minimum quantity rounded up to whole lots that restores NPR1 ≥ 0 — or as much as
    the positions allow. Trading q at the valuation price P leaves S unchanged and lowers M0 by
    q·P·D, so NPR1 rises by q·P·D; a position whose rate is 0 cannot help and is skipped."""
    plan: list[CloseOut] = []
    current = portfolio
    for row in sorted(figures(portfolio, rates).positions, key=order_key):
        shortfall = -figures(current, rates).npr1
        if shortfall <= 0:
            break
        if row.margin:
            trade = minimal_trade(current, row, shortfall, rates)
            plan.append(trade)
            current = after_orders(current, [trade])
    return plan


def minimal_trade(portfolio: Portfolio, row: PositionRow, shortfall: Decimal,
                  rates: RateTable) -> CloseOut:
    """The fewest lots of `row` that cover `shortfall`, all of it if they cannot: the closed
    form ceil(shortfall / (P·D)) rounded up to lots, then checked by recomputing NPR1."""
    lot = next(item.lot for item in portfolio.positions if item.instrument == row.instrument)
    held = abs(row.quantity)
    side = SELL if row.quantity > 0 else BUY
    relief = Fraction(row.price) * Fraction(row.rate) / 100      # NPR1 gained per security
    most = ceil(Fraction(held, lot))

    def trade(lots: int) -> CloseOut:
        return CloseOut(row.instrument, side, min(lots * lot, held), lots, row.price)

    def covers(lots: int) -> bool:
        return figures(after_orders(portfolio, [trade(lots)]), rates).npr1 >= 0

    lots = min(-(-ceil(Fraction(shortfall) / relief) // lot), most)
    while lots < most and not covers(lots):
        lots += 1
    while lots > 1 and covers(lots - 1):
        lots -= 1
    return trade(lots)


# -- margin calls -----------------------------------------------------------------------------

CALL_CUTOFF = time(17, 0)    # seed 003: 17:00 Astana time (the desk's Asia/Almaty)


def margin_call_deadline(calendar: BusinessCalendar, at: datetime, same_day: bool = False) -> datetime:
    """Seed 003: a margin call is met by 17:00 of the next business day, or of the same day when
    the broker demands it (at once, when that hour has passed)."""
    day = almaty_date(at)
    if same_day:
        return max(datetime.combine(day, CALL_CUTOFF, tzinfo=ALMATY), at)
    return datetime.combine(calendar.next_business_day(day), CALL_CUTOFF, tzinfo=ALMATY)


def debt_due_on(calendar: BusinessCalendar, demanded_at: datetime) -> date:
    """Seed 003: a shortfall left after the forced sales is paid by the end of the business day
    after the broker's demand."""
    return calendar.next_business_day(almaty_date(demanded_at))
