"""Prices, yields, accrued interest and amounts (SPEC §7), pure: no app, no database.

Expected values were worked out by hand (or with an independent float formula) and are
written as literals; the SPEC's two examples come first.
"""
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.domain.yields import (
    MAX_YIELD,
    MIN_YIELD,
    Bond,
    BondKind,
    BondTermsError,
    PriceOutOfRange,
    QuantityError,
    SettlementAfterMaturity,
    TimeBase,
    YieldError,
    YieldOutOfRange,
    accrued_interest,
    add_months,
    days_30_360,
    money_amount,
    previous_coupon_date,
    price_from_yield,
    quote,
    regular_coupon_dates,
    year_fraction,
    yield_from_price,
)

D = date.fromisoformat
N = Decimal
STEP = N("0.0001")
SPEC_BILL = Bond(BondKind.DISCOUNT, N(1000), D("2028-05-15"))
SPEC_BOND = Bond(BondKind.COUPON, N(1000), D("2029-09-01"), N(12), 1,
                 (D("2026-09-01"), D("2027-09-01"), D("2028-09-01"), D("2029-09-01")))
# 10 % semi-annual, 15 January and 15 July.
SEMI = Bond(BondKind.COUPON, N(1000), D("2028-07-15"), N(10), 2,
            (D("2027-01-15"), D("2027-07-15"), D("2028-01-15"), D("2028-07-15")))
# 8 % quarterly, 20 February, May, August, November.
QUARTERLY = Bond(BondKind.COUPON, N(1000), D("2027-11-20"), N(8), 4,
                 (D("2027-02-20"), D("2027-05-20"), D("2027-08-20"), D("2027-11-20")))


def close(actual: Decimal, expected: Decimal) -> bool:
    """Equal to 20 places: the module computes with more digits than the test's context."""
    return abs(actual - expected) < N("1e-20")


def bill(maturity: str, time_base: TimeBase | None = None) -> Bond:
    return Bond(BondKind.DISCOUNT, N(1000), D(maturity), time_base=time_base)


def test_spec_discount_example():
    assert price_from_yield(SPEC_BILL, D("2027-11-15"), N("15.0000")) == N("93.0542")


def test_spec_discount_example_back():
    """SPEC's closed form gives 14.99992 → 14.9999 for 93.0542: near maturity one price step
    (0.0001) spans about two yield steps, and 14.9999 and 15.0000 both price to 93.0542."""
    assert yield_from_price(SPEC_BILL, D("2027-11-15"), N("93.0542")) == N("14.9999")
    assert price_from_yield(SPEC_BILL, D("2027-11-15"), N("14.9999")) == N("93.0542")


def test_spec_coupon_example():
    settlement = D("2027-03-10")
    assert accrued_interest(SPEC_BOND, settlement).quantize(STEP) == N("6.3000")
    assert price_from_yield(SPEC_BOND, settlement, N("14.0000")) == N("95.8472")
    assert yield_from_price(SPEC_BOND, settlement, N("95.8472")) == N("14.0000")


def test_spec_coupon_example_amount():
    result = quote(SPEC_BOND, D("2027-03-10"), 10, yield_pct=N("14"))
    assert (result.price, result.yield_pct, result.accrued_interest, result.amount) == (
        N("95.8472"), N("14.0000"), N("6.3000"), N("10214.72"))


@pytest.mark.parametrize("start, end, expected", [
    ("2027-11-15", "2028-05-15", N(47) / 365 + N(135) / 366),  # the SPEC's bill: two years touched
    ("2027-01-01", "2028-01-01", N(1)),
    ("2028-01-01", "2028-12-31", N(365) / 366),  # a leap year
    ("2028-02-28", "2028-03-01", N(2) / 366),  # across 29 February
    ("2027-12-31", "2029-01-01", N(1) / 365 + 1),
    ("2027-05-05", "2027-05-05", N(0)),
])
def test_act_act_isda_year_fraction(start, end, expected):
    assert close(year_fraction(TimeBase.ACT_ACT, D(start), D(end)), expected)
    assert close(year_fraction(TimeBase.ACT_ACT, D(end), D(start)), -expected)


@pytest.mark.parametrize("start, end, days", [
    ("2026-09-01", "2027-03-10", 189),  # the SPEC's bond
    ("2027-01-31", "2027-03-31", 60),  # d1 31 → 30, then d2 31 → 30
    ("2027-01-30", "2027-03-31", 60),  # d1 30: d2 31 → 30
    ("2027-01-29", "2027-03-31", 62),  # d1 29: d2 stays 31
    ("2027-02-28", "2027-03-31", 33),  # no February rule: 28 February is not day 30
    ("2028-02-29", "2028-08-31", 182),
    ("2027-08-31", "2028-02-29", 179),
    ("2027-03-10", "2027-03-10", 0),
    ("2027-08-30", "2027-08-31", 0),  # 31 counts as 30 after a 30th
])
def test_30_360_day_count(start, end, days):
    assert days_30_360(D(start), D(end)) == days
    assert close(year_fraction(TimeBase.THIRTY_360, D(start), D(end)), N(days) / 360)


@pytest.mark.parametrize("day, months, expected", [
    ("2027-08-31", -6, "2027-02-28"),
    ("2028-08-31", -6, "2028-02-29"),
    ("2027-09-01", -12, "2026-09-01"),
    ("2027-01-15", -3, "2026-10-15"),
    ("2027-11-30", 3, "2028-02-29"),
])
def test_add_months_keeps_the_day_or_the_month_end(day, months, expected):
    assert add_months(D(day), months) == D(expected)


def prices_back(bond: Bond, settlement: date, price: Decimal) -> bool:
    """The yield found for a price gives that price again (on a short bond several 4-decimal
    yields share one price, so the yield itself may differ from the one the price came from)."""
    return price_from_yield(bond, settlement, yield_from_price(bond, settlement, price)) == price


@pytest.mark.parametrize("maturity, settlement, yield_pct, price", [
    ("2029-01-01", "2028-01-01", "10.0000", "90.9091"),  # t = 366/366
    ("2028-03-01", "2027-12-01", "12.0000", "97.1002"),  # t = 31/365 + 60/366
    ("2027-06-01", "2027-05-31", "0.0000", "100.0000"),
])
def test_bill_prices(maturity, settlement, yield_pct, price):
    bond = bill(maturity)
    assert price_from_yield(bond, D(settlement), N(yield_pct)) == N(price)
    assert prices_back(bond, D(settlement), N(price))
    assert accrued_interest(bond, D(settlement)) == 0


def test_bill_yield_is_the_closed_form_rounded_half_up():
    # (100 / 90.9091 − 1) / 1 × 100 = 9.99998900…
    assert yield_from_price(bill("2029-01-01"), D("2028-01-01"), N("90.9091")) == N("10.0000")
    # (100 / 97.1002 − 1) / (31/365 + 60/366) × 100 = 12.000034…
    assert yield_from_price(bill("2028-03-01"), D("2027-12-01"), N("97.1002")) == N("12.0000")
    # (100 / 97.1000 − 1) / (31/365 + 60/366) × 100 = 12.000886…
    assert yield_from_price(bill("2028-03-01"), D("2027-12-01"), N("97.1000")) == N("12.0009")


def test_bill_with_no_time_counted_has_no_yield():
    bond = bill("2027-01-31", TimeBase.THIRTY_360)  # 30 → 31 counts 0 days
    assert price_from_yield(bond, D("2027-01-30"), N(10)) == N("100.0000")
    with pytest.raises(PriceOutOfRange) as caught:
        yield_from_price(bond, D("2027-01-30"), N(100))
    assert caught.value.reason == "no_yield"


def test_bill_on_30_360_when_the_terms_say_so():
    assert price_from_yield(bill("2027-07-31", TimeBase.THIRTY_360), D("2027-01-31"), N(10)) == N("95.2381")


@pytest.mark.parametrize("bond, settlement, accrued, yield_pct, price", [
    (SEMI, "2027-04-15", "2.5000", "10.0000", "99.9695"),
    (SEMI, "2027-04-15", "2.5000", "12.0000", "97.7043"),
    (SEMI, "2027-01-15", "0.0000", "10.0000", "100.0000"),  # on a coupon date at yield = coupon: par
    (SEMI, "2027-07-15", "0.0000", "10.0000", "100.0000"),  # that day's coupon is not in the price
    (QUARTERLY, "2027-03-05", "0.3333", "9.0000", "99.3181"),
    (SPEC_BOND, "2026-09-01", "0.0000", "12.0000", "100.0000"),
])
def test_coupon_bond_prices(bond, settlement, accrued, yield_pct, price):
    assert accrued_interest(bond, D(settlement)).quantize(STEP) == N(accrued)
    assert price_from_yield(bond, D(settlement), N(yield_pct)) == N(price)
    assert prices_back(bond, D(settlement), N(price))


@pytest.mark.parametrize("bond, settlement, price, yield_pct", [
    (SEMI, "2027-04-15", "97.7043", "12.0000"),
    (SPEC_BOND, "2026-09-01", "100.0000", "12.0000"),
    # 0.7 years: 8.9999 and 9.0000 both price to 99.3181; 8.9999's unrounded price is nearer.
    (QUARTERLY, "2027-03-05", "99.3181", "8.9999"),
])
def test_coupon_yield_is_the_one_whose_price_is_nearest(bond, settlement, price, yield_pct):
    assert yield_from_price(bond, D(settlement), N(price)) == N(yield_pct)


def test_before_the_first_coupon_the_period_starts_one_period_earlier():
    bond = Bond(BondKind.COUPON, N(1000), D("2028-09-01"), N(12), 1, (D("2027-09-01"), D("2028-09-01")))
    assert previous_coupon_date(bond, D("2027-03-10")) == D("2026-09-01")
    assert accrued_interest(bond, D("2027-03-10")) == N("6.3")
    semi = Bond(BondKind.COUPON, N(1000), D("2028-08-31"), N(10), 2, (D("2027-08-31"), D("2028-02-29"), D("2028-08-31")))
    assert previous_coupon_date(semi, D("2027-05-01")) == D("2027-02-28")


def test_settlement_before_the_first_period_is_refused():
    bond = Bond(BondKind.COUPON, N(1000), D("2028-09-01"), N(12), 1, (D("2027-09-01"), D("2028-09-01")))
    with pytest.raises(YieldError) as caught:
        price_from_yield(bond, D("2026-08-31"), N(12))
    assert (caught.value.field, caught.value.reason) == ("settlement_date", "settlement_before_first_period")


def test_accrued_interest_is_unrounded():
    bond = Bond(BondKind.COUPON, N(1000), D("2029-09-01"), N(12), 1, (D("2028-09-01"), D("2029-09-01")))
    assert close(accrued_interest(bond, D("2028-09-11")), N(12) * 10 / 360)
    assert accrued_interest(bond, D("2028-09-11")) != N("0.3333")


@pytest.mark.parametrize("quantity, face, price, accrued, amount", [
    (10, "1000", "95.8472", "6.3", "10214.72"),
    (3, "1000", "93.0542", "0", "2791.63"),
    (1, "1", "0.5000", "0", "0.01"),  # exactly half a tiyn rounds up
    (1000, "1000", "95.8472", N(12) * 10 / 360, "961805.33"),  # AI unrounded inside: not 961805.30
])
def test_money_amount(quantity, face, price, accrued, amount):
    assert money_amount(quantity, N(face), N(price), N(accrued)) == N(amount)


@pytest.mark.parametrize("quantity", [0, -5, True])
def test_money_amount_needs_a_positive_whole_quantity(quantity):
    with pytest.raises(QuantityError) as caught:
        money_amount(quantity, N(1000), N(100), N(0))
    assert caught.value.field == "quantity"


def coupon_terms(**changes) -> dict:
    terms = {"kind": BondKind.COUPON, "face_value": N(1000), "maturity_date": D("2029-09-01"),
             "coupon_rate": N(12), "coupon_frequency": 1,
             "coupon_dates": (D("2027-09-01"), D("2028-09-01"), D("2029-09-01"))}
    return {**terms, **changes}


@pytest.mark.parametrize("changes, field, reason", [
    ({"kind": "perpetual"}, "kind", "unknown_kind"),
    ({"face_value": N(0)}, "face_value", "face_value_not_positive"),
    ({"time_base": "actual/365"}, "time_base", "unknown_time_base"),
    ({"coupon_rate": N(0)}, "coupon_rate", "coupon_rate_range"),
    ({"coupon_rate": N("100.01")}, "coupon_rate", "coupon_rate_range"),
    ({"coupon_frequency": 3}, "coupon_frequency", "unknown_frequency"),
    ({"coupon_dates": ()}, "coupon_dates", "coupon_dates_missing"),
    ({"coupon_dates": (D("2028-09-01"), D("2027-09-01"), D("2029-09-01"))}, "coupon_dates", "coupon_dates_not_sorted"),
    ({"coupon_dates": (D("2027-09-01"), D("2027-09-01"), D("2029-09-01"))}, "coupon_dates", "coupon_dates_not_sorted"),
    ({"coupon_dates": (D("2027-09-01"), D("2028-09-01"))}, "coupon_dates", "maturity_not_last_coupon"),
    ({"coupon_dates": (D("2027-09-01"), D("2028-09-01"), D("2029-09-01"), D("2030-09-01"))},
     "coupon_dates", "maturity_not_last_coupon"),
    ({"maturity_date": D("2229-09-01"), "coupon_dates": (D("2229-09-01"),)}, "maturity_date", "date_out_of_range"),
    ({"kind": BondKind.DISCOUNT}, "coupon_rate", "coupon_on_discount"),
    ({"kind": BondKind.DISCOUNT, "coupon_rate": N(0), "coupon_frequency": 0}, "coupon_dates", "coupon_on_discount"),
])
def test_bond_terms_are_checked(changes, field, reason):
    with pytest.raises(BondTermsError) as caught:
        Bond(**coupon_terms(**changes))
    assert (caught.value.field, caught.value.reason) == (field, reason)
    assert isinstance(caught.value, ValueError)


def test_default_time_bases_follow_the_spec():
    assert SPEC_BILL.day_count == TimeBase.ACT_ACT
    assert SPEC_BOND.day_count == TimeBase.THIRTY_360
    assert Bond(**coupon_terms(time_base=TimeBase.ACT_ACT)).day_count == TimeBase.ACT_ACT


@pytest.mark.parametrize("settlement", ["2029-09-01", "2030-01-01"])
def test_settlement_must_come_before_maturity(settlement):
    for calculate in (lambda: accrued_interest(SPEC_BOND, D(settlement)),
                      lambda: price_from_yield(SPEC_BOND, D(settlement), N(10)),
                      lambda: yield_from_price(bill("2029-09-01"), D(settlement), N(99))):
        with pytest.raises(SettlementAfterMaturity) as caught:
            calculate()
        assert caught.value.field == "settlement_date"


@pytest.mark.parametrize("bond, price, reason", [
    (SPEC_BOND, N(0), "price_not_positive"),
    (SPEC_BILL, N("-1"), "price_not_positive"),
    (SPEC_BILL, N(1_000_000), "price_too_high"),
    (Bond(BondKind.DISCOUNT, N(1), D("2027-03-11")), N(50), "price_too_low"),  # 36 500 % for one day
    (Bond(BondKind.COUPON, N(1), D("2027-03-11"), N(1), 1, (D("2027-03-11"),)), N(50), "price_too_low"),
    (Bond(BondKind.COUPON, N(1), D("2027-03-11"), N(1), 1, (D("2027-03-11"),)), N(150), "price_too_high"),
])
def test_price_must_be_positive(bond, price, reason):
    with pytest.raises(PriceOutOfRange) as caught:
        yield_from_price(bond, D("2027-03-10"), price)
    assert (caught.value.field, caught.value.reason) == ("price", reason)


@pytest.mark.parametrize("bond, yield_pct, reason", [
    (SPEC_BOND, N("-99.0001"), "yield_too_low"),
    (Bond(BondKind.COUPON, N(1000), D("2057-09-01"), N(12), 1, regular_coupon_dates(D("2057-09-01"), 1, D("2027-01-01"))),
     N("-98"), "yield_too_low"),  # a price of a million % and more
    (bill("2029-03-10"), N("-60"), "yield_too_low"),  # 1 − 0.6 × 2 < 0
    (SPEC_BILL, N(-1000), "yield_too_low"),
    (SPEC_BOND, N("10000.0001"), "yield_too_high"),
])
def test_yield_out_of_range(bond, yield_pct, reason):
    with pytest.raises(YieldOutOfRange) as caught:
        price_from_yield(bond, D("2027-03-10"), yield_pct)
    assert (caught.value.field, caught.value.reason) == ("yield", reason)


@pytest.mark.parametrize("price, yield_pct", [(None, None), (N(95), N(14))])
def test_quote_needs_exactly_one_of_price_and_yield(price, yield_pct):
    with pytest.raises(YieldError) as caught:
        quote(SPEC_BOND, D("2027-03-10"), 1, price=price, yield_pct=yield_pct)
    assert caught.value.reason == "price_or_yield"


def test_negative_yield_above_the_undiscounted_flows():
    settlement = D("2027-03-10")
    yield_pct = yield_from_price(SPEC_BOND, settlement, N("130"))
    assert yield_pct < 0
    price = price_from_yield(SPEC_BOND, settlement, yield_pct)
    # 2.5 years out, one yield step moves the price by more than 0.0001.
    assert abs(price - 130) <= abs(price_from_yield(SPEC_BOND, settlement, yield_pct + STEP) - price) / 2


def test_regular_coupon_dates_count_back_from_maturity():
    assert regular_coupon_dates(D("2028-08-31"), 2, D("2027-03-01")) == (
        D("2027-08-31"), D("2028-02-29"), D("2028-08-31"))
    assert regular_coupon_dates(D("2029-09-01"), 1, D("2027-09-01")) == (D("2028-09-01"), D("2029-09-01"))


def test_long_monthly_bond_solves():
    maturity = D("2056-06-15")
    bond = Bond(BondKind.COUPON, N(1000), maturity, N("7.5"), 12, regular_coupon_dates(maturity, 12, D("2026-01-01")))
    settlement = D("2026-03-03")
    for price in (N("0.0100"), N("80.1234"), N("180.1234")):
        found = yield_from_price(bond, settlement, price)
        assert abs(price_from_yield(bond, settlement, found) - price) <= N("0.01")


# Properties. Regular schedules on days 1–28: the SPEC's 30/360 has no February rule, so a
# schedule on the 29th–31st can accrue a day or two more than C/f (see the 30/360 table).
yields = st.integers(min_value=-50_000, max_value=400_000).map(lambda steps: N(steps) * STEP)
settlements = st.dates(min_value=D("2020-01-01"), max_value=D("2040-12-31"))


@st.composite
def bills(draw):
    settlement = draw(settlements)
    maturity = settlement + timedelta(days=draw(st.integers(min_value=1, max_value=3660)))
    time_base = draw(st.sampled_from([None, TimeBase.THIRTY_360]))
    bond = Bond(BondKind.DISCOUNT, N(1000), maturity, time_base=time_base)
    assume(year_fraction(bond.day_count, settlement, maturity) > 0)  # else no yield (tested above)
    return bond, settlement


@st.composite
def coupon_bonds(draw):
    settlement = draw(settlements)
    frequency = draw(st.sampled_from([1, 2, 4, 12]))
    # The first coupon falls within one period after settlement, as for a bond in issue.
    first = settlement.replace(day=draw(st.integers(min_value=1, max_value=28)))
    if first <= settlement:
        first = add_months(first, 12 // frequency)
    count = draw(st.integers(min_value=1, max_value=8 * frequency))
    dates = tuple(add_months(first, index * 12 // frequency) for index in range(count))
    rate = N(draw(st.integers(min_value=1, max_value=300_000))) * STEP
    return Bond(BondKind.COUPON, N(1000), dates[-1], rate, frequency, dates), settlement


any_bond = st.one_of(bills(), coupon_bonds())


@settings(deadline=None)
@given(any_bond, yields)
def test_yield_price_yield_round_trip(bond_and_settlement, yield_pct):
    """Back to the same yield, or to one within a step, or to one with the very same price
    (a short bond's price moves less than 0.0001 per yield step)."""
    bond, settlement = bond_and_settlement
    price = price_from_yield(bond, settlement, yield_pct)
    found = yield_from_price(bond, settlement, price)
    assert abs(found - yield_pct) <= STEP or price_from_yield(bond, settlement, found) == price


@settings(deadline=None)
@given(any_bond, st.integers(min_value=500_000, max_value=1_500_000).map(lambda steps: N(steps) * STEP))
def test_price_yield_price_round_trip(bond_and_settlement, price):
    """Back to the same price, or within what one yield step moves it (a long bond)."""
    bond, settlement = bond_and_settlement
    try:
        found = yield_from_price(bond, settlement, price)
    except PriceOutOfRange as error:  # a price far from par a few days before maturity
        if error.reason == "price_too_low":
            assert price_from_yield(bond, settlement, MAX_YIELD) >= price
        else:
            assert (error.reason, price_from_yield(bond, settlement, MIN_YIELD) <= price) == ("price_too_high", True)
        return
    again = price_from_yield(bond, settlement, found)
    one_step = abs(price_from_yield(bond, settlement, found + STEP) - again)
    assert abs(again - price) <= max(STEP, one_step)


@settings(deadline=None)
@given(any_bond, yields, yields)
def test_price_falls_as_yield_rises(bond_and_settlement, first, second):
    bond, settlement = bond_and_settlement
    low, high = sorted((first, second))
    assert price_from_yield(bond, settlement, low) >= price_from_yield(bond, settlement, high)


@given(coupon_bonds())
def test_accrued_interest_stays_within_one_coupon(bond_and_settlement):
    bond, settlement = bond_and_settlement
    # The bound exactly: rate / frequency in a 28-digit context rounds below the 40-digit result.
    assert 0 <= Fraction(accrued_interest(bond, settlement)) <= Fraction(bond.coupon_rate) / bond.coupon_frequency
