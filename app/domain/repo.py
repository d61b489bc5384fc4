"""Repo arithmetic of the secondary market, pure.

Sources: SPEC §4 "Repo"; seed 004 Chapter 2 §§28–32, Appendix 5 and Appendix 6 §5.

Units. The seed's prices (Ptk, Poa, Pod, Pok, Pog, P_max) are "in the settlement currency": the
money value of one security (lot). Desk prices are quoted per security in % of face value for
bonds and in tenge for shares, so every function that turns a price into money takes
`unit_value`, the money worth of one price unit of one security: face / 100 for a bond quoted in
% of face (`percent_of_face(face)`), 1 (the default) for a share. One security at price P is
worth P × unit_value. Amounts (S, L, So, Sc, I, Σ) are money; quantities K are whole securities;
rates r are % a year; discounts Disc are fractions (Decimal("0.15") for 15 %).

Rounding. The seed rounds only sums, "to hundredths of the currency": we round them half up,
once, from the exact value. It never rounds the opening price P = Ptk × (1 − Disc), so P is kept
exact (≤ 6 places for a 4-place Ptk and a 2-place-percent Disc) and K and So come from it.
Quantities use exact rational arithmetic, so floor/ceil are never fooled by a rounded quotient.
"""
import calendar
import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Context, Decimal
from enum import StrEnum
from fractions import Fraction

# App.2 "Авторепо без ЦК" Z0/Zcn, n = 1, 2, 3, 7, 14, 30; App.1 lists other sets for
# some CCP modes, so check_auto_term takes the mode's set.
REPO_TERMS = (1, 2, 3, 7, 14, 30)
ONE = Decimal(1)
CENT = Decimal("0.01")
EXACT = Context(prec=400)


class RepoKind(StrEnum):
    AUTO = "auto"      # §22.2 continuous double auction, rate as the price
    DIRECT = "direct"  # §22.1 negotiated (direct) deals


class RepoRuleBroken(ValueError):
    """`code` is a stable rule code; `values` fill the user-facing message."""

    def __init__(self, code: str, **values):
        super().__init__(code)
        self.code = code
        self.values = values


def _exact(value) -> Fraction:
    if isinstance(value, float):
        raise TypeError("repo money, prices and rates are Decimal, never float")
    return Fraction(value)


def _positive(name: str, value) -> Fraction:
    exact = _exact(value)
    if exact <= 0:
        raise RepoRuleBroken(f"repo_{name}_not_positive", **{name: value})
    return exact


def _whole(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise RepoRuleBroken(f"repo_{name}_not_positive", **{name: value})
    return value


def _cents(value: Fraction) -> Decimal:
    """Half up (away from zero) to 0.01, straight from the exact value: no double rounding."""
    cents = math.floor(abs(value) * 100 + Fraction(1, 2))
    return Decimal(-cents if value < 0 else cents).scaleb(-2).quantize(CENT)


def percent_of_face(face_value: Decimal) -> Decimal:
    """`unit_value` of a bond quoted in % of face: one price point is worth face / 100."""
    return Decimal(face_value).scaleb(-2)


def year_basis(day: date) -> int:
    """T of §31.7/§32.9: "the actual number of days in the calendar year (365 or 366)".

    The seed does not say which year when a repo spans 31 December; we take the year of the
    OPENING date, so a repo's T is fixed when it opens (and the early-close income uses it too).
    """
    return 366 if calendar.isleap(day.year) else 365


def check_discount(discount: Decimal | None) -> None:
    """Disc is a fraction in [0, 1): a discount of 100 % or more leaves no opening price."""
    if discount is not None and not 0 <= _exact(discount) < 1:
        raise RepoRuleBroken("repo_discount_out_of_range", discount=discount)


def opening_discount(kind: RepoKind, with_ccp: bool, agreed: Decimal | None,
                     app5: Decimal | None) -> Decimal | None:
    """Which Disc applies (§31.1–2, §32.1–2, App.6 §3): automatic repo with CCP none
    (P = Ptk); direct repo the parties' `agreed` one (None for clearing participation
    certificates, §29.1); automatic repo without CCP the App.5 one (`repo_discount`)."""
    if kind == RepoKind.DIRECT:
        return agreed
    return None if with_ccp else app5


def opening_price(settlement_price: Decimal, discount: Decimal | None) -> Decimal:
    """§31.1–2, §32.1–2: P = Ptk, or Ptk × (1 − Disc); exact, as the seed gives no rounding."""
    _positive("price", settlement_price)
    check_discount(discount)
    if discount is None:
        return Decimal(settlement_price)
    return EXACT.multiply(Decimal(settlement_price), EXACT.subtract(ONE, Decimal(discount)))


def _security_value(price: Decimal, unit_value: Decimal) -> Fraction:
    return _positive("price", price) * _positive("unit_value", unit_value)


def single_quantity(amount: Decimal, price: Decimal, unit_value: Decimal = ONE) -> int:
    """§31.3–4: K = floor(S / P); S is the planned opening sum the parties state (the money the
    repo buyer lends), P × unit_value the money value of one security. 0 when S < one security."""
    return math.floor(_positive("amount", amount) / _security_value(price, unit_value))


def basket_quantity(lot_amount: Decimal, price: Decimal, lots: int, with_ccp: bool,
                    unit_value: Decimal = ONE) -> int:
    """§32.3–4: K = ceil(L / P) × Q with CCP, floor(L / P) × Q without; L is the lot size in
    money, Q the number of lots in the order, P the opening price of the basket security."""
    per_lot = _positive("lot_amount", lot_amount) / _security_value(price, unit_value)
    return (math.ceil(per_lot) if with_ccp else math.floor(per_lot)) * _whole("lots", lots)


def basket_order_sum(lot_amount: Decimal, lots: int, max_price: Decimal, discount: Decimal | None,
                     unit_value: Decimal = ONE) -> Decimal:
    """§32.5–6, the repo buyer's order sum: Σ = N × L + P_max × N with CCP (discount None),
    Σ = N × L + P_max × (1 − Disc) × N without; P_max is the settlement price of the dearest
    basket security. The seed does not round Σ; we round it half up to 0.01 like the sums of
    §32.7–8."""
    check_discount(discount)
    kept = 1 - _exact(discount or 0)
    n = _whole("lots", lots)
    value = _security_value(max_price, unit_value)
    return _cents(n * _positive("lot_amount", lot_amount) + value * kept * n)


def opening_sum(price: Decimal, quantity: int, unit_value: Decimal = ONE) -> Decimal:
    """§31.5–6, §32.7–8: So = P × K to 0.01 (half up), P × unit_value being the money value of
    one security — pass `percent_of_face(face)` for a bond quoted in % of face."""
    return _cents(_security_value(price, unit_value) * _whole("quantity", quantity))


def _check_days(days: int, year_days: int) -> None:
    _whole("days", days)
    if year_days not in (365, 366):
        raise ValueError(f"a year has 365 or 366 days, not {year_days}")


def closing_sum(open_sum: Decimal, rate_percent: Decimal, days: int, year_days: int) -> Decimal:
    """§31.7, §32.9: Sc = So × (1 + r × n / (100 × T)) to 0.01 (half up); n calendar days."""
    _check_days(days, year_days)
    growth = 1 + _exact(rate_percent) * days / (100 * year_days)
    return _cents(_positive("open_sum", open_sum) * growth)


def repo_income(open_sum: Decimal, rate_percent: Decimal, days: int, year_days: int) -> Decimal:
    """I of §31.8, "the income on the repo computed on the day of early execution". The seed
    gives no formula; we read it as §31.7's income for the days actually held:
    I = So × r × m / (100 × T) to 0.01 (half up), m = early closing date − opening date."""
    _check_days(days, year_days)
    return _cents(_positive("open_sum", open_sum) * _exact(rate_percent) * days / (100 * year_days))


def early_close_sum(open_sum: Decimal, interest: Decimal) -> Decimal:
    """§31.8: Scn = So + I (both already in whole tiyn)."""
    return _cents(_positive("open_sum", open_sum) + _exact(interest))


@dataclass(frozen=True)
class RepoLegs:
    """Both legs of a single-security repo, formed together (§30.4)."""
    quantity: int
    open_price: Decimal
    open_sum: Decimal
    close_sum: Decimal
    open_date: date
    close_date: date


def repo_legs(settlement_price: Decimal, discount: Decimal | None, amount: Decimal,
              rate_percent: Decimal, open_date: date, term_days: int,
              unit_value: Decimal = ONE) -> RepoLegs:
    """§31: P from Ptk and Disc, K = floor(S / P), So = P × K, Sc at r for n = term_days and T of
    the opening year. The closing date is open_date + term_days calendar days (§29.1, §30.2
    define the term as calendar days between the dates); the seed does not move a closing date
    that falls on a non-business day, so neither do we — a service may refuse such a term."""
    _whole("term", term_days)
    price = opening_price(settlement_price, discount)
    quantity = single_quantity(amount, price, unit_value)
    if quantity == 0:
        raise RepoRuleBroken("repo_amount_below_one_security", amount=amount, price=price)
    open_sum = opening_sum(price, quantity, unit_value)
    close_sum = closing_sum(open_sum, rate_percent, term_days, year_basis(open_date))
    return RepoLegs(quantity, price, open_sum, close_sum, open_date,
                    open_date + timedelta(days=term_days))


def check_auto_term(days: int, terms: tuple[int, ...] = REPO_TERMS) -> None:
    """§30.2: an automatic repo runs for one of the mode's standard terms (App.1/App.2)."""
    if isinstance(days, bool) or days not in terms:
        raise RepoRuleBroken("repo_term_not_standard", days=days, terms=terms)


def check_direct_term(days: int, longest: int) -> None:
    """§29.1: the parties agree the term; the mode caps it (App.2 without CCP: 1 ≤ n ≤ 90;
    App.1 direct repo with CCP: 1 ≤ n ≤ 30)."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= longest:
        raise RepoRuleBroken("repo_term_out_of_range", days=days, longest=longest)


def check_no_redemption(open_date: date, close_date: date, redemption_dates) -> None:
    """§28: no repo on a security that is (partly) redeemed during the term. We read "during
    the term" as from the opening date to the closing date, both included."""
    inside = sorted(day for day in redemption_dates if open_date <= day <= close_date)
    if inside:
        raise RepoRuleBroken("repo_redemption_in_term", redemption_date=inside[0])


def check_early_close(kind: RepoKind, opened_on: date, closes_on: date, today: date,
                      both_agree: bool, new_closes_on: date | None = None) -> None:
    """App.6 §5 "Change of the closing date": never an extension, for any repo; no early close of
    an automatic repo; a direct repo closes early only when both parties confirm, on a trading
    day that is neither the opening nor the closing day. The closing leg moves to the current
    date (`new_closes_on` defaults to today); a later new date must still precede the original.
    Whether `today` is a trading day is the caller's check (it needs the calendar)."""
    RepoKind(kind)
    new_closes_on = today if new_closes_on is None else new_closes_on
    if new_closes_on > closes_on:
        raise RepoRuleBroken("repo_no_extension", closes_on=closes_on)
    if kind == RepoKind.AUTO:
        raise RepoRuleBroken("repo_auto_no_early_close")
    if today in (opened_on, closes_on):
        raise RepoRuleBroken("repo_early_close_same_day", day=today)
    if not opened_on < today < closes_on:
        raise RepoRuleBroken("repo_early_close_outside_term",
                             opened_on=opened_on, closes_on=closes_on)
    if not today <= new_closes_on < closes_on:
        raise RepoRuleBroken("repo_early_close_date_invalid", new_closes_on=new_closes_on)
    if not both_agree:
        raise RepoRuleBroken("repo_early_close_needs_both")


class SecurityClass(StrEnum):
    """The rows of App.5 (seed 004 lines 526–560), in order."""
    GS_DISCOUNT_KZT = "gs_discount_kzt"              # 1 tenge discount GS of MinFin / NBK
    GS_FIXED_COUPON_KZT = "gs_fixed_coupon_kzt"      # 2 tenge non-indexed fixed-coupon GS
    GS_FX = "gs_fx"                                  # 3 GS in foreign currency or FX-indexed
    GS_INDEXED_COUPON_KZT = "gs_indexed_coupon_kzt"  # 4 coupon indexed to inflation / TONIA
    IFI_AA = "ifi_aa"                                # 5 IFI debt, issuer rated ≥ AA
    IFI_AA_MINUS_TO_BBB_MINUS = "ifi_aa_minus_to_bbb_minus"  # 6 IFI debt, AA- … BBB-
    IFI_KZ_SHARE_30 = "ifi_kz_share_30"              # 7 IFI with a Kazakh capital share ≥ 30 %
    NBK_OWNED_BBB = "nbk_owned_bbb"                  # 8 issuer ≥ BBB, 100 % owned by the NBK
    EQUITY = "equity"                                # 9 shares, fund units, depositary receipts


def _add_years(day: date, years: int) -> date:
    """Same day `years` later; 29 February becomes 28 February in a common year."""
    year = day.year + years
    if (day.month, day.day) == (2, 29) and not calendar.isleap(year):
        return date(year, 2, 28)
    return day.replace(year=year)


@dataclass(frozen=True)
class _Band:
    """A discount for a remaining life up to `days` (inclusive) or `years` (inclusive unless
    `inclusive` is False); neither bound means "any remaining life"."""
    percent: int
    days: int | None = None
    years: int | None = None
    inclusive: bool = True

    def covers(self, valued_on: date, matures_on: date) -> bool:
        if self.days is not None:
            return (matures_on - valued_on).days <= self.days
        if self.years is None:
            return True
        limit = _add_years(valued_on, self.years)
        return matures_on <= limit if self.inclusive else matures_on < limit


# "не более трех лет – 3 %; от трех лет и более – 5 %": exactly three years matches both
# clauses; "не более" comes first and includes it, so it takes 3 %.
_UP_TO_3Y = (_Band(3, years=3), _Band(5))
# "не более 360 дней – 10 %; 361 день и более – 15 %"
_UP_TO_360D = (_Band(10, days=360), _Band(15))
# "до года – 5 %; от одного года до трех лет – 10 %; от трех и более лет – 20 %": half-open.
_1Y_3Y = (_Band(5, years=1, inclusive=False), _Band(10, years=3, inclusive=False), _Band(20))
APP5_BANDS = {
    SecurityClass.GS_DISCOUNT_KZT: (_Band(3),),
    SecurityClass.GS_FIXED_COUPON_KZT: _UP_TO_3Y,
    SecurityClass.GS_FX: _UP_TO_360D,
    SecurityClass.GS_INDEXED_COUPON_KZT: _UP_TO_360D,
    SecurityClass.IFI_AA: _UP_TO_3Y,
    SecurityClass.IFI_AA_MINUS_TO_BBB_MINUS: _1Y_3Y,
    SecurityClass.IFI_KZ_SHARE_30: _1Y_3Y,
    SecurityClass.NBK_OWNED_BBB: _1Y_3Y,
    SecurityClass.EQUITY: (_Band(30),),
}


def repo_discount(security_class: SecurityClass, valued_on: date,
                  matures_on: date | None = None) -> Decimal:
    """App.5: the discount of an automatic repo as a fraction, by the row of the security and
    its remaining life "from the valuation date" to maturity (not needed for rows 1 and 9)."""
    bands = APP5_BANDS[SecurityClass(security_class)]
    if len(bands) == 1:
        return Decimal(bands[0].percent).scaleb(-2)
    if matures_on is None:
        raise RepoRuleBroken("repo_maturity_required", security_class=security_class)
    if matures_on < valued_on:
        raise RepoRuleBroken("repo_security_matured", matures_on=matures_on)
    band = next(band for band in bands if band.covers(valued_on, matures_on))
    return Decimal(band.percent).scaleb(-2)
