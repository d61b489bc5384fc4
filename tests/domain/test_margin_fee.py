"""The margin fee (issue 13, item 7), pure: what it is charged on, its rounding, and its
properties — never negative, zero without a debt or a short, linear in the rates."""
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.margin import KZT, MarginRuleBroken, Money, Portfolio, Position
from app.domain.margin_fee import FeeBase, daily_fee, exact_fee, fee_base

SETTINGS = settings(max_examples=300, deadline=None)


def test_the_base_is_the_money_debt_and_the_lent_value_in_tenge():
    """KZT −100,000 and USD −100 at 470 owe 147,000; 200 B short at 2,500 is 500,000 lent; the
    long and the USD held elsewhere add nothing."""
    portfolio = Portfolio((Position("A", 1000, D(1000)), Position("B", -200, D(2500))),
                          (Money(KZT, D(-100_000)), Money("USD", D(-100), D(470)), Money("EUR", D(50), D(510))))
    assert fee_base(portfolio) == FeeBase(D(147_000), D(500_000))


def test_the_fee_of_a_known_day():
    """0.05 % a day on 147,000 is 73.50; 0.07 % on 500,000 is 350.00."""
    assert daily_fee(FeeBase(D(147_000), D(500_000)), D("0.05"), D("0.07")) == D("423.50")


@pytest.mark.parametrize("debt, fee", [("10.01", "0.01"), ("9.99", "0.00"), ("30", "0.02"), ("50", "0.03")])
def test_the_sum_is_rounded_half_up_to_the_tiyn(debt, fee):
    """At 0.05 % a day: 10.01 owes 0.0050050 (up to 0.01), 30 owes 0.015 (half: up), 50 owes 0.025."""
    assert daily_fee(FeeBase(D(debt), D(0)), D("0.05"), D(0)) == D(fee)


def test_a_negative_rate_is_refused():
    with pytest.raises(MarginRuleBroken):
        daily_fee(FeeBase(D(1), D(1)), D("-0.01"), D(0))


amounts = st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
prices = st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False)
fxs = st.decimals(min_value=D("0.0001"), max_value=10**4, places=4, allow_nan=False, allow_infinity=False)
rates = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False)
positions = st.builds(Position, st.sampled_from("ABCDE"), st.integers(-10**6, 10**6), prices)
money = st.one_of(st.builds(Money, st.just(KZT), amounts),
                  st.builds(Money, st.sampled_from(("USD", "EUR")), amounts, fxs))
portfolios = st.builds(Portfolio, st.lists(positions, max_size=5).map(tuple), st.lists(money, max_size=3).map(tuple))


@SETTINGS
@given(portfolios, rates, rates)
def test_the_fee_is_never_negative(portfolio, money_rate, securities_rate):
    assert daily_fee(fee_base(portfolio), money_rate, securities_rate) >= 0


@SETTINGS
@given(portfolios, rates, rates)
def test_no_debt_and_no_short_means_no_fee(portfolio, money_rate, securities_rate):
    held = Portfolio(tuple(p for p in portfolio.positions if p.quantity >= 0),
                     tuple(m for m in portfolio.money if m.amount >= 0))
    assert not fee_base(held).owes
    assert daily_fee(fee_base(held), money_rate, securities_rate) == 0


@SETTINGS
@given(portfolios, rates, rates, st.integers(0, 50))
def test_the_fee_is_linear_in_the_rates(portfolio, money_rate, securities_rate, factor):
    """Exactly before rounding; the rounded fees differ by at most the two roundings."""
    base = fee_base(portfolio)
    scaled = exact_fee(base, money_rate * factor, securities_rate * factor)
    assert scaled == exact_fee(base, money_rate, securities_rate) * factor
    gap = abs(daily_fee(base, money_rate * factor, securities_rate * factor)
              - daily_fee(base, money_rate, securities_rate) * factor)
    assert gap <= D("0.005") * (1 + factor)


@SETTINGS
@given(portfolios, rates, rates)
def test_each_rate_charges_only_its_own_base(portfolio, money_rate, securities_rate):
    base = fee_base(portfolio)
    assert exact_fee(base, money_rate, securities_rate) == (exact_fee(FeeBase(base.money_debt, D(0)), money_rate, D(0))
                                                            + exact_fee(FeeBase(D(0), base.lent_value), D(0),
                                                                        securities_rate))
