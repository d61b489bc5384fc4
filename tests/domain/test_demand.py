"""Summary register, demand figures and the what-if explorer."""
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.allocation import (
    Bid,
    BidKind,
    Decision,
    LimitBidWithoutPrice,
    Pricing,
    VolumeBelowBetterDemand,
    allocate,
)
from app.domain.demand import (
    NO_SPREAD,
    DemandFigures,
    Level,
    NonPositiveDeclaredQuantity,
    Scenario,
    Spread,
    curve_points,
    demand_figures,
    explore,
    price_levels,
)
from tests.domain.test_allocation import BOOK, bid_lists, limit, market, pricings, sides

D = Decimal
YIELDS = {D("100.00"): D("10.0000"), D("99.50"): D("10.5000"), D("99.00"): D("11.0000"), D("98.00"): D("12.0000")}


def money_at_face_1000(price, quantity):
    """Money the way the exchange counts it: per bid, rounded to the tiyn."""
    return (price * quantity * 1000 / 100).quantize(D("0.01"), ROUND_HALF_UP)


def unit_at_face_1000(price):
    """What explore() is given: tenge per security, exact; it rounds each fill itself."""
    return Fraction(price) * 10


def unit_at_odd_face(price):
    """A unit with a long fraction, as accrued interest gives: each fill's rounding matters."""
    return (Fraction(price) + Fraction(1, 3)) * 7


def money_at_odd_face(price, quantity):
    with localcontext() as context:
        context.prec = 100
        return (quantity * (price + D(1) / 3) * 7).quantize(D("0.01"), ROUND_HALF_UP)


MONEY = {None: None, unit_at_face_1000: money_at_face_1000, unit_at_odd_face: money_at_odd_face}


def test_price_levels_group_limit_bids_best_first():
    levels = price_levels(BOOK + [market(7, 4)], declared_quantity=40, yield_of=YIELDS.get)
    assert levels == [
        Level(D("100.00"), D("10.0000"), 1, 10, 10, D("25.00")),
        Level(D("99.50"), D("10.5000"), 1, 30, 40, D("100.00")),
        Level(D("99.00"), D("11.0000"), 3, 10, 50, D("125.00")),
        Level(D("98.00"), D("12.0000"), 1, 100, 150, D("375.00")),
    ]
    assert curve_points(levels) == [(D("100.00"), 10), (D("99.50"), 40), (D("99.00"), 50), (D("98.00"), 150)]


def test_price_levels_on_the_purchase_side_start_at_the_lowest_price():
    levels = price_levels([limit(1, "98.0", 3), limit(2, "97.0", 2), limit(3, "98.00", 1)], 6,
                          higher_is_better=False)
    assert [(level.price, level.bid_count, level.cumulative_quantity) for level in levels] == [
        (D("97.0"), 1, 2), (D("98.0"), 2, 6)]
    assert levels[-1].cumulative_percent == D("100.00") and levels[0].yield_pct is None


def test_demand_figures_count_all_and_active_bids():
    everyone = [
        Bid(1, 1, BidKind.LIMIT, D("100.00"), 10, 1, "bank"),
        Bid(2, 1, BidKind.LIMIT, D("99.00"), 30, 2, "bank"),
        Bid(3, 2, BidKind.LIMIT, D("98.00"), 20, 3, "individual"),
        Bid(4, 3, BidKind.MARKET, None, 5, 4, "pension_fund"),
        Bid(5, 4, BidKind.LIMIT, D("95.00"), 50, 5, "individual"),  # withdrawn
    ]
    figures = demand_figures(everyone, everyone[:4], declared_quantity=80, yield_of=YIELDS.get)
    assert figures == DemandFigures(
        participants=3, bids_all=5, limit_bids_all=4, market_bids_all=1,
        bids_active=4, limit_bids_active=3, market_bids_active=1,
        limit_quantity_active=60, market_quantity_active=5,
        demand_to_supply=D("0.8125"),
        # (1000 + 2970 + 1960 + 4750) / 110 = 97.0909…
        prices_all=Spread(D("95.00"), D("100.00"), D("97.0909")),
        # (1000 + 2970 + 1960) / 60 = 98.8333…
        prices_active=Spread(D("98.00"), D("100.00"), D("98.8333")),
        # (100 + 330 + 240) / 60 = 11.1666…
        yields_active=Spread(D("10.0000"), D("12.0000"), D("11.1667")),
        # 40, 20, 5 of 65
        investor_shares={"bank": D("61.54"), "individual": D("30.77"), "pension_fund": D("7.69")},
    )


def test_demand_figures_without_bids_or_yields():
    figures = demand_figures([], [], declared_quantity=10)
    assert (figures.prices_all, figures.yields_active, figures.investor_shares) == (NO_SPREAD, NO_SPREAD, {})
    assert figures.demand_to_supply == D("0.0000") and figures.participants == 0
    partial = demand_figures(BOOK, BOOK, 10, yield_of={D("100.00"): D(10)}.get)
    assert partial.yields_active == NO_SPREAD  # a price without a yield: no average to claim


@pytest.mark.parametrize("call", [
    lambda: price_levels(BOOK, 0),
    lambda: demand_figures(BOOK, BOOK, -1),
    lambda: explore(BOOK, 0, 10),
])
def test_a_declared_quantity_must_be_positive(call):
    with pytest.raises(NonPositiveDeclaredQuantity, match="declared quantity must be positive"):
        call()


def test_levels_refuse_a_limit_bid_without_price():
    with pytest.raises(LimitBidWithoutPrice):
        price_levels([Bid(1, 1, BidKind.LIMIT, None, 5, 1)], 10)


def test_explore_lists_each_candidate_cutoff_best_first():
    # volume 47, 4 market at rate 1: better + market must stay within 47
    scenarios = explore(BOOK + [market(7, 4)], declared_quantity=40, volume=47, yield_of=YIELDS.get)
    assert [s.cutoff_price for s in scenarios] == [D("100.00"), D("99.50"), D("99.00"), D("98.00")]
    top, second, third, last = scenarios
    # 100.00: 10 + 4 market; the level is filled in full, demand runs out
    assert (top.placed_quantity, top.percent_of_plan, top.pro_rata_ratio) == (14, D("35.00"), D("1.000000"))
    assert top.money_raised == D("1400.00")  # 100 × 10 + 100 × 4 (market at the average)
    # 99.50: 43 left for 30 at the level → all of it
    assert (second.placed_quantity, second.weighted_average_price, second.satisfied_bids) == (44, D("99.6250"), 3)
    assert second.weighted_average_yield == D("10.3750")  # (100 + 315) / 40
    # 99.00: 3 left for 10 → 1.5, 0.9, 0.6 → floors 1, 0, 0; the two units to .9 and .6
    assert third == Scenario(
        cutoff_price=D("99.00"), yield_at_cutoff=D("11.0000"), placed_quantity=47, percent_of_plan=D("117.50"),
        weighted_average_price=D("99.5814"),  # (1000 + 2985 + 297) / 43 = 99.58139…
        weighted_average_yield=D("10.4186"),  # (100 + 315 + 33) / 43 = 10.41860…
        pro_rata_ratio=D("0.300000"), satisfied_bids=6, satisfied_bidders=6,
        money_raised=D("4680.3256"),  # 4282 + 4 × 99.5814
        feasible=True, problem=None)
    # 98.00: 10 + 30 + 10 + 4 = 54 > 47 → refused
    assert (last.feasible, last.problem, last.placed_quantity) == (False, "volume_below_better_demand", 0)


def test_explore_under_uniform_pricing_prices_everything_at_the_cutoff():
    scenarios = explore(BOOK, declared_quantity=40, volume=40, pricing=Pricing.UNIFORM,
                        unit_money_of=unit_at_face_1000)
    second = scenarios[1]
    assert (second.cutoff_price, second.weighted_average_price) == (D("99.50"), D("99.5000"))
    assert second.placed_quantity == 40
    assert second.money_raised == D("39800.00")  # 40 × 1000 × 99.50 / 100
    assert second.weighted_average_yield is None  # no yield_of


def test_explore_asks_each_yield_once_per_level():
    asked = []

    def yield_of(price):
        asked.append(price)
        return YIELDS[price]

    explore(BOOK, 40, 47, yield_of=yield_of)
    assert asked == [D("100.00"), D("99.50"), D("99.00"), D("98.00")]


# --- explore agrees with allocate, candidate by candidate ------------------------------

def some_yield(price):
    return None if price == D("99.5") else (D(200) - price * 2).quantize(D("0.0001"))


def rounded(value, places):
    return value.quantize(D(1).scaleb(-places), ROUND_HALF_UP)


def expected_scenario(bids, scenario, declared, volume, market_fill, pricing, higher_is_better, yield_of, money_of):
    """The scenario rebuilt from allocate()'s fills."""
    decision = Decision(scenario.cutoff_price, volume, market_fill)
    try:
        result = allocate(bids, decision, pricing, higher_is_better)
    except VolumeBelowBetterDemand:
        return None
    kinds = {bid.bid_id: bid.kind for bid in bids}
    limit_fills = [fill for fill in result.fills if kinds[fill.bid_id] == BidKind.LIMIT]
    with localcontext() as context:
        context.prec = 100
        money = sum((money_of or (lambda p, q: p * q))(fill.price, fill.quantity) for fill in result.fills)
        yields = [yield_of(fill.price) for fill in limit_fills] if yield_of else [None]
        average_yield = None
        if limit_fills and None not in yields:
            average_yield = rounded(sum(y * f.quantity for y, f in zip(yields, limit_fills)) / result.limit_quantity, 4)
        percent_of_plan = rounded(D(result.placed_quantity) * 100 / declared, 2)
    return Scenario(
        cutoff_price=scenario.cutoff_price,
        yield_at_cutoff=yield_of(scenario.cutoff_price) if yield_of else None,
        placed_quantity=result.placed_quantity, percent_of_plan=percent_of_plan,
        weighted_average_price=result.weighted_average_price, weighted_average_yield=average_yield,
        pro_rata_ratio=result.pro_rata_ratio, satisfied_bids=len(result.fills),
        satisfied_bidders=len({fill.participant_id for fill in result.fills}),
        money_raised=D(money), feasible=True, problem=None)


@settings(max_examples=200, deadline=None)
@given(bid_lists(), st.integers(1, 400), st.integers(1, 600), st.sampled_from([D(0), D("0.33"), D(1)]),
       pricings, sides, st.sampled_from([None, some_yield]), st.sampled_from(list(MONEY)))
def test_explore_matches_allocate_for_every_candidate(bids, declared, volume, market_fill, pricing,
                                                       higher_is_better, yield_of, unit_money_of):
    scenarios = explore(bids, declared, volume, market_fill, pricing, higher_is_better, yield_of, unit_money_of)
    money_of = MONEY[unit_money_of]
    limit_prices = {bid.price for bid in bids if bid.kind == BidKind.LIMIT}
    assert len(scenarios) == len(limit_prices)
    ordered = sorted(limit_prices, reverse=higher_is_better)
    assert [s.cutoff_price for s in scenarios] == ordered
    for scenario in scenarios:
        expected = expected_scenario(bids, scenario, declared, volume, market_fill, pricing, higher_is_better,
                                     yield_of, money_of)
        if expected is None:
            assert (scenario.feasible, scenario.problem) == (False, "volume_below_better_demand")
        else:
            assert scenario == expected
