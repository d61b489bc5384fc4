"""Margin lending (seed 003, the margin issue's formula), pure: figures, checks, close-out and
the risk book. Figures are worked by hand in the comments; the properties compare against an
oracle below that recomputes S and M0 from the formula in exact fractions."""
from datetime import timedelta
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.margin import (BUY, KZT, SELL, MarginRuleBroken, Money, Order, Portfolio,
                               Position, Rate, RateTable, Standing, after_orders,
                               check_currency_rate, check_order, check_rate, check_withdrawal,
                               close_out_plan, figures, valuation_price)
from app.domain.margin_book import Crossing, RiskBook

# The worked example: A long 25 %; B long 25 %, short 30 %.
RATES = RateTable({"A": Rate(D(25)), "B": Rate(D(25), D(30), shortable=True)}, {"USD": D(20)})
EXAMPLE = Portfolio((Position("A", 1000, D(1000)), Position("B", -200, D(2500))),
                    (Money(KZT, D(-100_000)),))


def test_the_worked_example():
    result = figures(EXAMPLE, RATES)
    assert result.s == D(400_000)          # 1 000 000 − 500 000 − 100 000
    assert result.m0 == D(400_000)         # 1 000 000 × 25 % + 500 000 × 30 %
    assert result.mx == D(200_000)
    assert result.npr1 == D(0)
    assert result.npr2 == D(200_000)
    a, b = result.positions
    assert (a.value, a.rate, a.margin) == (D(1_000_000), D(25), D(250_000))
    assert (b.value, b.rate, b.margin) == (D(-500_000), D(30), D(150_000))
    assert result.money[0].margin == 0     # a KZT loan carries no margin of its own
    assert result.standing is Standing.OK


def test_buying_100_a_more_in_the_worked_example_is_refused_with_its_npr1():
    verdict = check_order(EXAMPLE, [], Order("A", BUY, 100, D(1000)), RATES)
    assert not verdict.accepted and verdict.reason == "npr1_below_zero"
    assert verdict.after.m0 == D(425_000)  # + 100 000 × 25 %
    assert verdict.npr1_after == D(-25_000)


def test_active_orders_count_as_executed():
    # a sale of 100 A at 1 000 waits in the book: M0 − 25 000, so the buy of 100 A now fits
    active = [Order("A", SELL, 100, D(1000))]
    verdict = check_order(EXAMPLE, active, Order("A", BUY, 100, D(1000)), RATES)
    assert verdict.accepted and verdict.npr1_after == 0


def test_a_buy_above_the_valuation_price_costs_the_difference():
    # 10 A at a limit of 1 100, valued at 1 000: S − 1 000, M0 + 2 500
    rich = Portfolio(EXAMPLE.positions, (Money(KZT, D(0)),))
    verdict = check_order(rich, [], Order("A", BUY, 10, D(1100)), RATES)
    assert verdict.npr1_after == D(100_000) - D(1_000) - D(2_500)


def test_orders_move_quantities_and_kzt_money_and_a_new_instrument_takes_the_order_price():
    after = after_orders(EXAMPLE, [Order("B", BUY, 50, D(2400)), Order("C", BUY, 3, D(10))])
    assert [(p.instrument, p.quantity, p.price) for p in after.positions] == [
        ("A", 1000, D(1000)), ("B", -150, D(2500)), ("C", 3, D(10))]
    assert after.money == (Money(KZT, D(-100_000) - D(120_000) - D(30)),)
    assert after_orders(Portfolio(), [Order("A", SELL, 1, D(5))]).money == (Money(KZT, D(5)),)


def test_foreign_currency_loans_carry_their_own_rate_and_deposits_none():
    portfolio = Portfolio((), (Money("USD", D(-100), D("500.5")), Money("EUR", D(10), D(550))))
    usd, eur = figures(portfolio, RATES).money
    assert (usd.value, usd.rate, usd.margin) == (D(-50_050), D(20), D(10_010))
    assert (eur.rate, eur.margin) == (D(100), D(0))  # not in the table: 100 %, but no loan


@pytest.mark.parametrize("rate, t_plus, code", [
    (Rate(D("24.99")), True, "rate_below_floor"),
    (Rate(D(30), D(20), shortable=True), True, "rate_below_floor"),
    (Rate(D(-1)), False, "rate_out_of_range"),
    (Rate(D(101)), False, "rate_out_of_range"),
    (Rate(D(50), marginal=False), False, "outside_list_is_100_and_not_shortable"),
    (Rate(D(100), shortable=True, marginal=False), False, "outside_list_is_100_and_not_shortable"),
])
def test_a_rate_entry_that_breaks_the_rules_is_refused(rate, t_plus, code):
    with pytest.raises(MarginRuleBroken) as refused:
        check_rate(rate, t_plus=t_plus)
    assert refused.value.code == code


@pytest.mark.parametrize("rate, t_plus", [
    (Rate(D(25)), True),                              # the floor itself
    (Rate(D(25), D(20)), True),                       # a short rate that never applies
    (Rate(D(10), D(15), shortable=True), False),      # the floor binds only T+ instruments
    (Rate(D(100), D(100), marginal=False), True),
])
def test_a_rate_entry_within_the_rules_is_kept(rate, t_plus):
    assert check_rate(rate, t_plus=t_plus) is rate


def test_kzt_has_no_rate_and_fx_one():
    with pytest.raises(MarginRuleBroken, match="kzt_has_no_rate"):
        check_currency_rate(KZT, D(10))
    with pytest.raises(MarginRuleBroken, match="bad_fx"):
        Money(KZT, D(1), D(2))
    assert check_currency_rate("USD", D(25)) == D(25)


@pytest.mark.parametrize("sell, accepted, reason", [
    (100, True, None),                   # all of it: no short
    (150, False, "not_shortable"),       # 50 short of an instrument that may not be shorted
])
def test_a_short_of_a_non_shortable_instrument_is_refused_whatever_npr1(sell, accepted, reason):
    rich = Portfolio((Position("A", 100, D(1000)),), (Money(KZT, D(10_000_000)),))
    verdict = check_order(rich, [], Order("A", SELL, sell, D(1000)), RATES)
    assert (verdict.accepted, verdict.reason) == (accepted, reason)
    assert verdict.npr1_after > 0


def test_an_instrument_outside_the_list_counts_at_100_and_may_not_be_shorted():
    portfolio = Portfolio((Position("Z", 10, D(50)),), (Money(KZT, D(1_000)),))
    assert figures(portfolio, RATES).positions[0].margin == D(500)
    assert check_order(portfolio, [], Order("Z", SELL, 11, D(50)), RATES).reason == "not_shortable"


def test_a_stale_price_counts_at_100_percent_on_either_side():
    portfolio = Portfolio((Position("A", 10, D(1000), stale=True), Position("B", -10, D(100), stale=True)))
    a, b = figures(portfolio, RATES).positions
    assert (a.rate, a.margin, b.rate, b.margin) == (D(100), D(10_000), D(100), D(1_000))


HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@pytest.mark.parametrize("inputs, price, source, stale", [
    ((D(10), D(9), D(8), 5 * DAY, DAY), D(10), "trade", False),
    ((None, D(9), D(8), 5 * DAY, DAY), D(9), "reference", False),
    ((None, None, D(8), HOUR, DAY), D(8), "quote", False),
    ((None, None, D(8), 2 * DAY, DAY), D(8), "quote", True),
    ((None, None, D(8), None, DAY), D(8), "quote", True),   # a quote of unknown age
])
def test_the_valuation_price_and_its_stale_flag(inputs, price, source, stale):
    result = valuation_price(*inputs)
    assert (result.price, result.source, result.stale) == (price, source, stale)


def test_an_old_reference_is_stale_and_no_price_at_all_is_refused():
    assert valuation_price(None, D(9), None, None, DAY, reference_age=3 * DAY).stale
    with pytest.raises(MarginRuleBroken, match="no_price"):
        valuation_price(None, None, None, None, DAY)


def test_a_withdrawal_may_take_npr1_to_zero_and_not_a_tiyn_below():
    rich = Portfolio(EXAMPLE.positions, (Money(KZT, D(50_000)),))
    free = figures(rich, RATES).npr1
    assert free == D(150_000)              # S = 550 000, M0 = 400 000; KZT carries no margin
    assert check_withdrawal(rich, [], KZT, free, RATES).accepted
    refused = check_withdrawal(rich, [], KZT, free + D("0.01"), RATES)
    assert (refused.accepted, refused.reason, refused.npr1_after) == (False, "npr1_below_zero", D("-0.01"))


def test_withdrawing_foreign_money_into_a_loan_adds_its_margin():
    # 10 USD at 500 withdrawn from 0: S − 5 000, M0 + 1 000 (20 %)
    portfolio = Portfolio((), (Money(KZT, D(6_000)), Money("USD", D(0), D(500))))
    assert check_withdrawal(portfolio, [], "USD", D(10), RATES).npr1_after == D(0)
    with pytest.raises(MarginRuleBroken, match="unknown_currency"):
        check_withdrawal(portfolio, [], "EUR", D(1), RATES)


def test_figures_are_exact_far_beyond_28_digits():
    position = Position("A", 10**15, D("1234567.8901234567"))
    portfolio = Portfolio((position,), (Money(KZT, D("-0.0000000001")),))
    result = figures(portfolio, RateTable({"A": Rate(D("33.33"))}))
    assert Fraction(result.m0) == 10**15 * Fraction("1234567.8901234567") * Fraction("0.3333")
    assert Fraction(result.npr2) == Fraction(result.s) - Fraction(result.m0) / 2


# -- close-out --------------------------------------------------------------------------------

def test_close_out_buys_back_the_dearer_short_first_then_sells_the_minimum():
    # S = 200 000, M0 = 400 000: buying back all B gives 150 000 (30 %), 50 000 are left,
    # each A sold gives 250 (25 %): 200 A
    poor = Portfolio(EXAMPLE.positions, (Money(KZT, D(-300_000)),))
    plan = close_out_plan(poor, RATES)
    assert [(o.instrument, o.side, o.quantity, o.lots) for o in plan] == [("B", BUY, 200, 200),
                                                                          ("A", SELL, 200, 200)]
    assert figures(after_orders(poor, plan), RATES).npr1 == 0


def test_close_out_rounds_up_to_whole_lots_and_never_past_the_position():
    # 50 000 short: 200 A would do; lots of 150 → 2 lots = 300 A
    portfolio = Portfolio((Position("A", 1000, D(1000), lot=150),), (Money(KZT, D(-800_000)),))
    plan = close_out_plan(portfolio, RATES)
    assert [(o.quantity, o.lots) for o in plan] == [(300, 2)]
    # 550 000 short: all 1 000 A give 250 000, so all of them, the fourth lot of 300 an odd one
    deep = Portfolio((Position("A", 1000, D(1000), lot=300),), (Money(KZT, D(-1_300_000)),))
    assert [(o.quantity, o.lots) for o in close_out_plan(deep, RATES)] == [(1000, 4)]


def test_the_broker_may_choose_the_order():
    poor = Portfolio(EXAMPLE.positions, (Money(KZT, D(-300_000)),))
    plan = close_out_plan(poor, RATES, order_key=lambda row: row.instrument)
    # A first: 200 000 short at 250 per A sold is 800 A, and B stays
    assert [(o.instrument, o.quantity) for o in plan] == [("A", 800)]


# -- the oracle and strategies ----------------------------------------------------------------

def oracle(portfolio: Portfolio, rates: RateTable) -> tuple[Fraction, Fraction]:
    """S and M0 straight from the issue's formula, in fractions."""
    s = m0 = Fraction(0)
    for p in portfolio.positions:
        rate = rates.of(p.instrument)
        d = 100 if p.stale else (rate.long if p.quantity > 0 else rate.short)
        s += p.quantity * Fraction(p.price)
        m0 += abs(p.quantity) * Fraction(p.price) * Fraction(d) / 100
    for m in portfolio.money:
        s += Fraction(m.amount) * Fraction(m.fx)
        if m.currency != KZT and m.amount < 0:
            m0 += -Fraction(m.amount) * Fraction(m.fx) * Fraction(rates.of_currency(m.currency)) / 100
    return s, m0


KEYS = ("A", "B", "C", "D")
percent = st.integers(0, 10_000).map(lambda n: D(n).scaleb(-2))
price = st.integers(1, 10_000_000).map(lambda n: D(n).scaleb(-2))
amount = st.integers(-10**10, 10**10).map(lambda n: D(n).scaleb(-2))
fx = st.integers(100, 60_000).map(lambda n: D(n).scaleb(-2))
LEVERAGE = (D(0), D("0.5"), D("0.7"), D("0.9"), D(1))


@st.composite
def rate_tables(draw) -> RateTable:
    rates = {key: Rate(draw(percent), draw(percent), shortable=draw(st.booleans()))
             for key in KEYS if draw(st.booleans())}
    return RateTable(rates, {"USD": draw(percent)})


@st.composite
def portfolios(draw, keys=KEYS) -> Portfolio:
    """Some positions, and KZT money that borrows 0–100 % of their value, so that NPR1 falls
    on either side of 0 about as often."""
    positions = tuple(Position(key, draw(st.integers(-1_000, 3_000)), draw(price),
                               lot=draw(st.sampled_from((1, 7, 10, 100))),
                               stale=draw(st.integers(0, 9)) == 0)
                      for key in keys if draw(st.booleans()))
    borrowed = sum(p.quantity * p.price for p in positions) * draw(st.sampled_from(LEVERAGE))
    money = [Money(KZT, draw(amount) - borrowed)]
    if draw(st.booleans()):
        money.append(Money("USD", draw(amount) / 1000, draw(fx)))
    return Portfolio(positions, tuple(money))


orders = st.builds(Order, st.sampled_from(KEYS), st.sampled_from((BUY, SELL)),
                   st.integers(1, 3_000), price)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(portfolios(), rate_tables())
def test_figures_follow_the_formula(portfolio, rates):
    result = figures(portfolio, rates)
    s, m0 = oracle(portfolio, rates)
    assert (Fraction(result.s), Fraction(result.m0)) == (s, m0)
    assert (Fraction(result.npr1), Fraction(result.npr2)) == (s - m0, s - m0 / 2)


@SETTINGS
@given(portfolios(), st.lists(orders, max_size=4), orders, rate_tables())
def test_an_order_is_refused_exactly_when_npr1_after_is_below_zero(portfolio, active, new, rates):
    verdict = check_order(portfolio, active, new, rates)
    after = after_orders(portfolio, [*active, new])
    s, m0 = oracle(after, rates)
    assert Fraction(verdict.npr1_after) == s - m0
    short_refused = (new.side == SELL and not rates.of(new.instrument).shortable
                     and sum(p.quantity for p in after.positions if p.instrument == new.instrument) < 0)
    assert verdict.accepted == (not short_refused and s - m0 >= 0)
    assert verdict.reason == ("not_shortable" if short_refused else
                              None if s - m0 >= 0 else "npr1_below_zero")


@SETTINGS
@given(portfolios(), st.lists(orders, max_size=3), st.sampled_from((KZT, "USD")),
       price, rate_tables())
def test_a_withdrawal_is_refused_exactly_when_npr1_after_is_below_zero(portfolio, active, currency,
                                                                       amount, rates):
    if currency not in {m.currency for m in portfolio.money}:
        currency = KZT
    verdict = check_withdrawal(portfolio, active, currency, amount, rates)
    after = after_orders(portfolio, active)
    after = Portfolio(after.positions, tuple(Money(m.currency, m.amount - amount, m.fx)
                                             if m.currency == currency else m for m in after.money))
    s, m0 = oracle(after, rates)
    assert verdict.accepted == (s - m0 >= 0)
    assert Fraction(verdict.npr1_after) == s - m0


def npr1(portfolio: Portfolio, rates: RateTable) -> Fraction:
    s, m0 = oracle(portfolio, rates)
    return s - m0


@SETTINGS
@given(portfolios(), rate_tables())
def test_the_close_out_plan_is_minimal_and_stays_within_the_positions(portfolio, rates):
    plan = close_out_plan(portfolio, rates)
    if npr1(portfolio, rates) >= 0:
        assert plan == []
        return
    held = {p.instrument: p for p in portfolio.positions}
    assert len({o.instrument for o in plan}) == len(plan)
    for order in plan:
        position = held[order.instrument]
        assert order.side == (SELL if position.quantity > 0 else BUY)
        assert 0 < order.quantity <= abs(position.quantity)
        assert order.lots == -(-order.quantity // position.lot)
        assert order.price == position.price
    for order in plan[:-1]:                   # only the last order may stop short of all
        assert order.quantity == abs(held[order.instrument].quantity)
    final = after_orders(portfolio, plan)
    left = [p for p in final.positions if p.quantity and figures(Portfolio((p,)), rates).m0]
    assert npr1(final, rates) >= 0 or left == []
    if plan:
        last = plan[-1]
        lot = held[last.instrument].lot
        fewer = [] if last.lots == 1 else [Order(last.instrument, last.side,
                                                  min((last.lots - 1) * lot, last.quantity), last.price)]
        assert npr1(after_orders(portfolio, [*plan[:-1], *fewer]), rates) < 0


# -- the risk book ----------------------------------------------------------------------------

def test_the_book_reports_each_crossing_once():
    book = RiskBook(RATES, {"A": D(1000), "B": D(2500)})
    assert book.put("c1", {"A": 1000, "B": -200}, {KZT: D(-100_000)}) == []   # NPR1 = 0
    # A to 990: S − 10 000, M0 − 2 500 → NPR1 = −7 500, NPR2 = 191 250
    assert book.move_price("A", D(990)) == [Crossing("c1", Standing.OK, Standing.NPR1_NEGATIVE)]
    assert book.move_price("A", D(980)) == []                                  # still below M0
    # A to 700: S = 100 000, M0 = 325 000, Mx = 162 500
    assert book.move_price("A", D(700)) == [Crossing("c1", Standing.NPR1_NEGATIVE,
                                                     Standing.NPR2_NEGATIVE)]
    assert book.move_price("A", D(1100)) == [Crossing("c1", Standing.NPR2_NEGATIVE, Standing.OK)]
    assert book.totals("c1") == (D(500_000), D(425_000))
    # stale, A counts at 100 %: M0 = 1 100 000 + 150 000 > 2S = 1 000 000
    assert book.move_price("A", D(1100), stale=True) == [Crossing("c1", Standing.OK,
                                                                  Standing.NPR2_NEGATIVE)]
    assert book.totals("c1") == (D(500_000), D(1_250_000))


def test_only_the_holders_are_touched_by_a_move():
    book = RiskBook(RATES, {"A": D(1000), "B": D(2500)})
    book.put("a", {"A": 10}, {})
    book.put("b", {"B": 10}, {})
    book.move_price("A", D(2000))
    assert book.totals("b") == (D(25_000), D(6_250))
    assert book.holders("A") == book.holders("B") == 1


moves = st.lists(st.tuples(st.sampled_from(KEYS), price, st.integers(0, 4).map(lambda n: n == 0)),
                 max_size=12)
holdings = st.dictionaries(st.sampled_from(KEYS), st.integers(-3_000, 3_000), max_size=4)
client_money = st.fixed_dictionaries({KZT: amount}, optional={"USD": amount})


@SETTINGS
@given(rate_tables(), st.lists(st.tuples(holdings, client_money), min_size=1, max_size=6), moves)
def test_incremental_revaluation_equals_the_full_one_and_the_formula(rates, clients, steps):
    prices = {key: D(100) for key in KEYS}
    book = RiskBook(rates, prices, fx={"USD": D("480.25")})
    for c, (quantities, money) in enumerate(clients):
        book.put(c, quantities, money)
    standing = {c: book.standing(c) for c in range(len(clients))}
    for key, new_price, stale in steps:
        crossings = book.move_price(key, new_price, stale=stale)
        for crossing in crossings:
            assert crossing.before is standing[crossing.client] is not crossing.after
            standing[crossing.client] = crossing.after
        for c in range(len(clients)):
            s, m0 = oracle(book.portfolio(c), rates)
            assert tuple(map(Fraction, book.totals(c))) == (s, m0)
            assert book.standing(c) is standing[c] is figures(book.portfolio(c), rates).standing
    incremental = [book.totals(c) for c in range(len(clients))]
    assert book.revalue() == []
    assert [book.totals(c) for c in range(len(clients))] == incremental


def test_a_full_revaluation_with_new_tables_reports_the_crossings():
    book = RiskBook(RATES, {"A": D(1000)}, fx={"USD": D(500)})
    book.put("x", {"A": 100}, {"USD": D(-100)})     # S = 50 000, M0 = 25 000 + 10 000
    assert book.standing("x") is Standing.OK
    crossings = book.revalue(fx={"USD": D(900)})     # S = 10 000, M0 = 43 000
    assert crossings == [Crossing("x", Standing.OK, Standing.NPR2_NEGATIVE)]
    assert book.totals("x") == (D(10_000), D(43_000))


def test_a_book_refuses_an_instrument_without_price_or_an_unknown_currency():
    book = RiskBook(RATES, {"A": D(1000)})
    with pytest.raises(MarginRuleBroken, match="no_price"):
        book.put("x", {"B": 1}, {})
    with pytest.raises(MarginRuleBroken, match="unknown_currency"):
        book.put("x", {"A": 1}, {"EUR": D(1)})
