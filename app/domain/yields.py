"""Prices, yields, accrued interest and money amounts (SPEC §7).

Units: prices are clean prices in % of face value (4 decimals), yields are % per annum
(4 decimals), accrued interest is per 100 of face value, amounts are tenge (2 decimals).
The settlement date — not the trade date — starts every period.

- Discount bills: simple yield over the time base's year fraction (ACT/ACT-ISDA by default),
  `P = 100 / (1 + y/100 × t)`.
- Coupon bonds: `P = Σ CF_i / (1 + y/f)^(f × t_i) − AI` over the remaining nominal coupon
  dates, `t_i` the year fraction from settlement to the coupon date (30/360 by default),
  `CF_i = C/f` (+100 at maturity), `AI = C × t(previous nominal coupon date, settlement)`.

All arithmetic runs in a local decimal context of `PRECISION` digits; results are rounded
half up only at the end, so nothing depends on the caller's context.
"""
from calendar import isleap, monthrange
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from fractions import Fraction
from functools import wraps

from app.domain.allocation import round_half_up

PRECISION = 40
FOUR_PLACES = Decimal("0.0001")
HUNDRED = Decimal(100)
FREQUENCIES = (1, 2, 4, 12)
MAX_COUPON_RATE = HUNDRED
# Dates outside these years are typing errors; the bound also keeps month arithmetic valid.
FIRST_YEAR, LAST_YEAR = 1900, 2200
# Far beyond any real issue; the bounds keep every number within the context's precision.
MIN_YIELD, MAX_YIELD = Decimal(-99), Decimal(10_000)
MAX_PRICE = Decimal(1_000_000)
# Newton's method below converges quadratically; these bound it whatever the input.
SOLVER_TOLERANCE = Decimal("1e-24")
SOLVER_STEPS = 200


class TimeBase(StrEnum):
    ACT_ACT = "act_act"
    THIRTY_360 = "30_360"


class BondKind(StrEnum):
    DISCOUNT = "discount"
    COUPON = "coupon"


DEFAULT_TIME_BASE = {BondKind.DISCOUNT: TimeBase.ACT_ACT, BondKind.COUPON: TimeBase.THIRTY_360}


class YieldError(ValueError):
    """Bad input to a calculation. `field` names the input at fault (the API's field names),
    `reason` is a stable code the web layer translates, `message` is English for logs."""

    def __init__(self, field: str, message: str, reason: str = "invalid") -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.reason = reason


class BondTermsError(YieldError):
    """The bond's terms contradict each other or the SPEC's conventions."""


class SettlementAfterMaturity(YieldError):
    def __init__(self, settlement: date, maturity: date) -> None:
        super().__init__("settlement_date", f"settlement {settlement} is not before maturity {maturity}",
                         "settlement_not_before_maturity")


class PriceOutOfRange(YieldError):
    def __init__(self, message: str, reason: str) -> None:
        super().__init__("price", message, reason)


class YieldOutOfRange(YieldError):
    def __init__(self, message: str, reason: str) -> None:
        super().__init__("yield", message, reason)


class QuantityError(YieldError):
    def __init__(self) -> None:
        super().__init__("quantity", "quantity must be a whole number of at least 1", "quantity_not_positive")


def precise(function):
    """Run `function` in a fresh decimal context of PRECISION digits."""

    @wraps(function)
    def run(*args, **kwargs):
        with localcontext(prec=PRECISION, rounding=ROUND_HALF_UP):
            return function(*args, **kwargs)

    return run


@dataclass(frozen=True)
class Bond:
    """Terms of one issue. `coupon_rate` is % p.a.; `coupon_dates` are every nominal
    (unadjusted) coupon date, maturity included; `time_base` None means the SPEC default."""

    kind: BondKind
    face_value: Decimal
    maturity_date: date
    coupon_rate: Decimal = Decimal(0)
    coupon_frequency: int = 0
    coupon_dates: tuple[date, ...] = ()
    time_base: TimeBase | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "coupon_dates", tuple(self.coupon_dates))
        check_bond(self)

    @property
    def day_count(self) -> TimeBase:
        return self.time_base or DEFAULT_TIME_BASE[self.kind]


def check_bond(bond: Bond) -> None:
    if bond.kind not in tuple(BondKind):
        raise BondTermsError("kind", f"unknown kind {bond.kind!r}", "unknown_kind")
    if bond.time_base is not None and bond.time_base not in tuple(TimeBase):
        raise BondTermsError("time_base", f"unknown time base {bond.time_base!r}", "unknown_time_base")
    if not bond.face_value > 0:
        raise BondTermsError("face_value", "face value must be positive", "face_value_not_positive")
    for name, day in (("maturity_date", bond.maturity_date), *(("coupon_dates", day) for day in bond.coupon_dates)):
        _check_year(name, day)
    if bond.kind == BondKind.DISCOUNT:
        _check_no_coupon(bond)
    else:
        _check_coupon(bond)


def _check_year(field: str, day: date) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise BondTermsError(field, f"{day} is not within {FIRST_YEAR}–{LAST_YEAR}", "date_out_of_range")


def _check_no_coupon(bond: Bond) -> None:
    for name, given in (("coupon_rate", bond.coupon_rate), ("coupon_frequency", bond.coupon_frequency),
                        ("coupon_dates", bond.coupon_dates)):
        if given:
            raise BondTermsError(name, "a discount bill has no coupon", "coupon_on_discount")


def _check_coupon(bond: Bond) -> None:
    if not 0 < bond.coupon_rate <= MAX_COUPON_RATE:
        raise BondTermsError("coupon_rate", "coupon rate must be above 0 and at most 100 %", "coupon_rate_range")
    if bond.coupon_frequency not in FREQUENCIES:
        raise BondTermsError("coupon_frequency", "coupons per year must be 1, 2, 4 or 12", "unknown_frequency")
    dates = bond.coupon_dates
    if not dates:
        raise BondTermsError("coupon_dates", "a coupon bond needs its coupon dates", "coupon_dates_missing")
    if any(later <= earlier for earlier, later in zip(dates, dates[1:])):
        raise BondTermsError("coupon_dates", "coupon dates must be in increasing order, each once",
                             "coupon_dates_not_sorted")
    if dates[-1] != bond.maturity_date:
        raise BondTermsError("coupon_dates", "the last coupon date must be the maturity date",
                             "maturity_not_last_coupon")


def days_30_360(start: date, end: date) -> int:
    """SPEC §7: d1 = min(d1, 30); d2 = 30 if d2 = 31 and d1 = 30. No February rule."""
    first = min(start.day, 30)
    last = 30 if end.day == 31 and first == 30 else end.day
    return 360 * (end.year - start.year) + 30 * (end.month - start.month) + last - first


@precise
def year_fraction(time_base: TimeBase, start: date, end: date) -> Decimal:
    """ACT/ACT-ISDA: each calendar year touched by [start, end) contributes its days over
    365 or 366. 30/360: days_30_360 / 360. Negative when end is before start."""
    if end < start:
        return -year_fraction(time_base, end, start)
    if time_base == TimeBase.THIRTY_360:
        return Decimal(days_30_360(start, end)) / 360
    total = Decimal(0)
    for year in range(start.year, end.year + 1):
        first = max(start, date(year, 1, 1))
        last = end if year == end.year else date(year + 1, 1, 1)
        total += Decimal((last - first).days) / (366 if isleap(year) else 365)
    return total


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), at the month's end when that month is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def regular_coupon_dates(maturity: date, frequency: int, after: date) -> tuple[date, ...]:
    """A regular schedule counted back from maturity: the nominal coupon dates after `after`."""
    if frequency not in FREQUENCIES:
        raise BondTermsError("coupon_frequency", "coupons per year must be 1, 2, 4 or 12", "unknown_frequency")
    dates, step = [], 0
    while (day := add_months(maturity, -step * 12 // frequency)) > after:
        dates.append(day)
        step += 1
    return tuple(reversed(dates))


def previous_coupon_date(bond: Bond, settlement: date) -> date:
    """The last nominal coupon date on or before settlement; before the first coupon date,
    one regular period (12/f months) before it."""
    paid = [day for day in bond.coupon_dates if day <= settlement]
    return paid[-1] if paid else add_months(bond.coupon_dates[0], -12 // bond.coupon_frequency)


def _check_settlement(bond: Bond, settlement: date) -> None:
    if settlement.year < FIRST_YEAR:
        raise YieldError("settlement_date", f"{settlement} is before {FIRST_YEAR}", "date_out_of_range")
    if settlement >= bond.maturity_date:
        raise SettlementAfterMaturity(settlement, bond.maturity_date)


@precise
def accrued_interest(bond: Bond, settlement: date) -> Decimal:
    """Per 100 face, unrounded: C × t(previous nominal coupon date, settlement); 0 for bills."""
    _check_settlement(bond, settlement)
    if bond.kind == BondKind.DISCOUNT:
        return Decimal(0)
    start = previous_coupon_date(bond, settlement)
    if start > settlement:
        raise YieldError("settlement_date", f"settlement {settlement} is before the first coupon period starts "
                         f"({start})", "settlement_before_first_period")
    return bond.coupon_rate * year_fraction(bond.day_count, start, settlement)


@dataclass(frozen=True)
class _Flows:
    """Remaining cash flows per 100 face, each with its exponent f × t_i in coupon periods."""

    amounts: tuple[Decimal, ...]
    periods: tuple[Decimal, ...]
    frequency: int

    def value(self, log_growth: Decimal) -> Decimal:
        """Σ CF_i × e^(−periods_i × ln(1 + y/f)), per 100 face."""
        return self.value_and_slope(log_growth)[0]

    def value_and_slope(self, log_growth: Decimal) -> tuple[Decimal, Decimal]:
        value = slope = Decimal(0)
        for cash, period in zip(self.amounts, self.periods):
            discounted = cash * (-period * log_growth).exp()
            value += discounted
            slope -= period * discounted
        return value, slope


def _flows(bond: Bond, settlement: date) -> _Flows:
    coupon = bond.coupon_rate / bond.coupon_frequency
    remaining = [day for day in bond.coupon_dates if day > settlement]
    amounts = tuple(coupon + (HUNDRED if day == bond.maturity_date else 0) for day in remaining)
    periods = tuple(bond.coupon_frequency * year_fraction(bond.day_count, settlement, day) for day in remaining)
    return _Flows(amounts, periods, bond.coupon_frequency)


def _log_growth(flows: _Flows, yield_pct: Decimal) -> Decimal:
    growth = 1 + yield_pct / HUNDRED / flows.frequency
    if growth <= 0:
        raise YieldOutOfRange(f"yield must be above {-HUNDRED * flows.frequency} %", "yield_too_low")
    return growth.ln()


def _discount_years(bond: Bond, settlement: date) -> Decimal:
    return year_fraction(bond.day_count, settlement, bond.maturity_date)


def _unrounded_price(bond: Bond, settlement: date, yield_pct: Decimal) -> Decimal:
    if bond.kind == BondKind.DISCOUNT:
        growth = 1 + yield_pct / HUNDRED * _discount_years(bond, settlement)
        if growth <= 0:
            raise YieldOutOfRange("yield too low for this term", "yield_too_low")
        return HUNDRED / growth
    flows = _flows(bond, settlement)
    return flows.value(_log_growth(flows, yield_pct)) - accrued_interest(bond, settlement)


@precise
def price_from_yield(bond: Bond, settlement: date, yield_pct: Decimal) -> Decimal:
    """Clean price in % of face, 4 decimals half up."""
    _check_settlement(bond, settlement)
    yield_pct = Decimal(yield_pct)
    _check_yield(yield_pct, YieldOutOfRange, ("yield_too_low", "yield_too_high"))
    price = _unrounded_price(bond, settlement, yield_pct)
    if price >= MAX_PRICE:
        raise YieldOutOfRange(f"at this yield the price would be {MAX_PRICE} or more", "yield_too_low")
    if price < FOUR_PLACES / 2:
        raise YieldOutOfRange("at this yield the clean price would not be positive", "yield_too_high")
    return price.quantize(FOUR_PLACES, ROUND_HALF_UP)


def _check_yield(yield_pct: Decimal, error: type[YieldError], reasons: tuple[str, str]) -> None:
    """Yields outside MIN_YIELD..MAX_YIELD are refused (a yield found from a price there
    means the price was too high or too low)."""
    if yield_pct < MIN_YIELD:
        raise error(f"the yield would be below {MIN_YIELD} %", reasons[0])
    if yield_pct > MAX_YIELD:
        raise error(f"the yield would be above {MAX_YIELD} %", reasons[1])


@precise
def yield_from_price(bond: Bond, settlement: date, price: Decimal) -> Decimal:
    """Yield in % p.a., 4 decimals. Bills: SPEC's closed form, half up. Coupon bonds: the
    4-decimal yield whose unrounded price is nearest the given price (the lower one on a tie)."""
    _check_settlement(bond, settlement)
    price = Decimal(price)
    if price <= 0:
        raise PriceOutOfRange("price must be positive", "price_not_positive")
    if price >= MAX_PRICE:
        raise PriceOutOfRange(f"price must be below {MAX_PRICE}", "price_too_high")
    if bond.kind == BondKind.DISCOUNT:
        return _bill_yield(bond, settlement, price)
    flows, accrued = _flows(bond, settlement), accrued_interest(bond, settlement)
    exact = _solve(flows, price + accrued)
    _check_yield(exact, PriceOutOfRange, ("price_too_high", "price_too_low"))
    low = exact.quantize(FOUR_PLACES, ROUND_FLOOR)
    candidates = [step for step in (low, low + FOUR_PLACES) if MIN_YIELD <= step <= MAX_YIELD]
    return min(candidates, key=lambda step: (abs(flows.value(_log_growth(flows, step)) - accrued - price), step))


def _bill_yield(bond: Bond, settlement: date, price: Decimal) -> Decimal:
    """SPEC §7: yield = (100 / P − 1) / t × 100."""
    years = _discount_years(bond, settlement)
    if years <= 0:
        raise PriceOutOfRange("no yield: no time is counted to maturity", "no_yield")
    exact = (HUNDRED / price - 1) / years * HUNDRED
    _check_yield(exact, PriceOutOfRange, ("price_too_high", "price_too_low"))
    return exact.quantize(FOUR_PLACES, ROUND_HALF_UP)


def _solve(flows: _Flows, target: Decimal) -> Decimal:
    """The exact yield at which the flows are worth `target` (a dirty price).

    Solved for x = ln(1 + y/f): the value Σ CF e^(−p x) is decreasing and convex in x, so
    Newton's method started left of the root climbs to it without overshooting."""
    longest = max(flows.periods)
    if longest <= 0:
        raise PriceOutOfRange("no yield: the last payment is due at settlement", "no_yield")
    # Left of the root: at 0 when the flows are worth at least the target undiscounted,
    # otherwise where the final payment alone is worth the target.
    x = Decimal(0) if flows.value(Decimal(0)) >= target else -(target / flows.amounts[-1]).ln() / longest
    for _step in range(SOLVER_STEPS):
        value, slope = flows.value_and_slope(x)
        step = (value - target) / slope
        x -= step
        if abs(step) < SOLVER_TOLERANCE:
            break
    return (x.exp() - 1) * HUNDRED * flows.frequency


def unit_money(face_value: Decimal, clean_price: Decimal, accrued: Decimal) -> Fraction:
    """Tenge per security, exact: face × (clean price + AI) / 100."""
    return Fraction(face_value) * (Fraction(clean_price) + Fraction(accrued)) / 100


def money_amount(quantity: int, face_value: Decimal, clean_price: Decimal, accrued: Decimal) -> Decimal:
    """Tenge: quantity × face × (clean price + AI) / 100, to the tiyn half up; AI unrounded."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise QuantityError()
    return round_half_up(quantity * unit_money(face_value, clean_price, accrued), 2)


@dataclass(frozen=True)
class Quote:
    """What the calculator shows: price and yield 4 dp, AI per 100 face 4 dp, amount in tenge."""

    price: Decimal
    yield_pct: Decimal
    accrued_interest: Decimal
    amount: Decimal


@precise
def quote(bond: Bond, settlement: date, quantity: int, *, price: Decimal | None = None,
          yield_pct: Decimal | None = None) -> Quote:
    """From exactly one of price or yield, the other, the accrued interest and the amount."""
    if (price is None) == (yield_pct is None):
        raise YieldError("price", "give either the price or the yield", "price_or_yield")
    if price is None:
        price = price_from_yield(bond, settlement, yield_pct)
    else:
        yield_pct = yield_from_price(bond, settlement, price)
    accrued = accrued_interest(bond, settlement)
    amount = money_amount(quantity, bond.face_value, price, accrued)
    return Quote(Decimal(price).quantize(FOUR_PLACES, ROUND_HALF_UP),
                 Decimal(yield_pct).quantize(FOUR_PLACES, ROUND_HALF_UP),
                 accrued.quantize(FOUR_PLACES, ROUND_HALF_UP), amount)
