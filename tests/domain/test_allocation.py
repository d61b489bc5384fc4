"""Allocation at a cut-off price: hand-checked examples, then properties over random bids."""
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.allocation import (
    Allocation,
    AllocationError,
    Bid,
    BidKind,
    Decision,
    DuplicateBid,
    Fill,
    InvalidCutoffPrice,
    LimitBidWithoutPrice,
    MarketFillOutOfRange,
    NonPositiveQuantity,
    NonPositiveVolume,
    Pricing,
    UnknownBidKind,
    VolumeBelowBetterDemand,
    allocate,
)

D = Decimal
LIMIT, MARKET = BidKind.LIMIT, BidKind.MARKET


def limit(bid_id, price, quantity, priority=None, participant=None):
    return Bid(bid_id, participant or bid_id, LIMIT, D(price), quantity, bid_id if priority is None else priority)


def market(bid_id, quantity, priority=None, participant=None):
    return Bid(bid_id, participant or bid_id, MARKET, None, quantity, bid_id if priority is None else priority)


# Better 100.00×10 and 99.50×30; 10 at the cut-off 99.00 (5, 3, 2); 98.00 is worse.
BOOK = [limit(1, "100.00", 10), limit(2, "99.50", 30), limit(3, "99.00", 5), limit(4, "99.00", 3),
        limit(5, "99.00", 2), limit(6, "98.00", 100)]


def quantities(allocation: Allocation) -> dict[int, int]:
    return {fill.bid_id: fill.quantity for fill in allocation.fills}


def test_pro_rata_at_the_cutoff_goes_by_largest_remainder():
    # 7 left for 10 at 99.00: exact 3.5, 2.1, 1.4 → floors 3, 2, 1 and the unit left to the .5
    result = allocate(BOOK, Decision(D("99.00"), 47))
    assert quantities(result) == {1: 10, 2: 30, 3: 4, 4: 2, 5: 1}
    assert result.placed_quantity == result.limit_quantity == 47
    assert result.market_quantity == 0
    assert result.pro_rata_ratio == D("0.700000")
    # (1000 + 2985 + 693) / 47 = 99.53191…
    assert result.weighted_average_price == D("99.5319")
    assert [fill.price for fill in result.fills] == [D("100.00"), D("99.50"), D("99.00"), D("99.00"), D("99.00")]


def test_uniform_pricing_puts_every_fill_at_the_cutoff():
    result = allocate(BOOK, Decision(D("99.00"), 47), Pricing.UNIFORM)
    assert quantities(result) == {1: 10, 2: 30, 3: 4, 4: 2, 5: 1}
    assert {fill.price for fill in result.fills} == {D("99.00")}
    assert result.weighted_average_price == D("99.0000")


def test_market_bids_get_their_rate_pro_rata_at_the_weighted_average_price():
    # 10 market at rate 0.75 → 7 in all: exact 2.8 and 4.2 → 3 and 4; 54 − 40 − 7 = 7 left at 99.00
    bids = BOOK + [market(7, 4), market(8, 6)]
    result = allocate(bids, Decision(D("99.00"), 54, D("0.75")))
    assert quantities(result) == {1: 10, 2: 30, 3: 4, 4: 2, 5: 1, 7: 3, 8: 4}
    assert result.market_quantity == 7 and result.limit_quantity == 47 and result.placed_quantity == 54
    assert [fill.price for fill in result.fills[-2:]] == [D("99.5319")] * 2
    assert [fill.bid_id for fill in result.fills] == [1, 2, 3, 4, 5, 7, 8]


def test_market_bids_under_uniform_pricing_take_the_cutoff():
    result = allocate(BOOK + [market(7, 4)], Decision(D("99.50"), 44), Pricing.UNIFORM)
    assert result.fills[-1] == Fill(7, 7, 4, D("99.50"))
    assert quantities(result) == {1: 10, 2: 30, 7: 4}


@pytest.mark.parametrize("at_cutoff, left, expected", [
    # equal remainders: the earlier time priority wins
    ([(10, 3), (11, 1), (12, 2)], 2, {11: 1, 12: 1}),
    # same time priority too: the lower bid id wins
    ([(10, 1), (11, 1), (12, 1)], 1, {10: 1}),
    # a larger remainder beats an earlier time: 7 × 4/9 = 3.11, 2 × 4/9 = 0.89
    ([(20, 1), (21, 2)], 4, {20: 3, 21: 1}),
])
def test_ties_between_remainders_go_by_time_then_bid_id(at_cutoff, left, expected):
    sizes = {10: 1, 11: 1, 12: 1, 20: 7, 21: 2}
    bids = [limit(bid_id, "99.00", sizes[bid_id], priority) for bid_id, priority in at_cutoff]
    assert quantities(allocate(bids, Decision(D("99.00"), left))) == expected


def test_purchase_side_lower_price_is_better():
    bids = [limit(1, "97.0", 10), limit(2, "97.5", 10), limit(3, "98.0", 10), limit(4, "98.0", 10),
            limit(5, "99.0", 10)]
    result = allocate(bids, Decision(D("98.0"), 25), higher_is_better=False)
    # 5 left for 20 at 98.0: 2.5 each → the earlier bid takes the odd unit
    assert quantities(result) == {1: 10, 2: 10, 3: 3, 4: 2}
    assert [fill.bid_id for fill in result.fills] == [1, 2, 3, 4]
    assert result.weighted_average_price == D("97.4000")  # 2435 / 25


def test_demand_running_out_places_less_than_the_volume():
    result = allocate(BOOK, Decision(D("98.00"), 1000))
    assert result.placed_quantity == 150
    assert result.pro_rata_ratio == D("1.000000")


def test_a_cutoff_nobody_bid_has_no_pro_rata_ratio():
    result = allocate(BOOK, Decision(D("99.25"), 40))
    assert quantities(result) == {1: 10, 2: 30}
    assert result.pro_rata_ratio is None


def test_market_bids_with_no_limit_fill_take_the_cutoff():
    result = allocate(BOOK + [market(7, 4)], Decision(D("101.00"), 4))
    assert result.fills == (Fill(7, 7, 4, D("101.00")),)
    assert result.weighted_average_price is None


def test_zero_market_rate_fills_no_market_bid():
    result = allocate(BOOK + [market(7, 4)], Decision(D("99.50"), 40, D(0)))
    assert quantities(result) == {1: 10, 2: 30}


@pytest.mark.parametrize("bids, decision, error, message", [
    (BOOK, Decision(D("99.00"), 0), NonPositiveVolume, "volume must be positive"),
    (BOOK, Decision(D("99.00"), -5), NonPositiveVolume, "volume must be positive"),
    (BOOK, Decision(D("99.00"), 47, D("1.5")), MarketFillOutOfRange, "between 0 and 1"),
    (BOOK, Decision(D("99.00"), 47, D("-0.1")), MarketFillOutOfRange, "between 0 and 1"),
    (BOOK, Decision(None, 47), InvalidCutoffPrice, "finite decimal"),
    (BOOK, Decision(D("NaN"), 47), InvalidCutoffPrice, "finite decimal"),
    (BOOK, Decision(D("99.00"), 39), VolumeBelowBetterDemand, "cut-off price is too low"),
    (BOOK + [market(7, 10)], Decision(D("99.00"), 45), VolumeBelowBetterDemand, "below the 50"),
    (BOOK + [Bid(7, 7, LIMIT, None, 5, 7)], Decision(D("99.00"), 47), LimitBidWithoutPrice, "price"),
    (BOOK + [limit(7, "99.00", 0)], Decision(D("99.00"), 47), NonPositiveQuantity, "at least one"),
    (BOOK + [market(7, -1)], Decision(D("99.00"), 47), NonPositiveQuantity, "at least one"),
    (BOOK + [limit(1, "99.00", 1)], Decision(D("99.00"), 47), DuplicateBid, "unique"),
    (BOOK + [Bid(7, 7, "stop", D(1), 1, 7)], Decision(D("99.00"), 47), UnknownBidKind, "limit or a market"),
])
def test_impossible_allocations_raise_domain_errors(bids, decision, error, message):
    with pytest.raises(error, match=message) as caught:
        allocate(bids, decision)
    assert isinstance(caught.value, AllocationError) and isinstance(caught.value, ValueError)


def test_volume_below_better_demand_on_the_purchase_side_says_too_high():
    with pytest.raises(VolumeBelowBetterDemand, match="too high"):
        allocate(BOOK, Decision(D("99.50"), 10), higher_is_better=False)


# --- properties ---------------------------------------------------------------------------

GRID = [D("98.00"), D("98.50"), D("99.00"), D("99.5"), D("100.00")]


@st.composite
def bid_lists(draw, min_size=0):
    specs = draw(st.lists(st.tuples(st.booleans(), st.sampled_from(GRID), st.integers(1, 40),
                                    st.integers(0, 8), st.integers(1, 5),
                                    st.sampled_from(["bank", "pension_fund", "individual"])),
                          min_size=min_size, max_size=25))
    return [Bid(index, participant, MARKET if is_market and index % 3 == 0 else LIMIT,
                None if is_market and index % 3 == 0 else price, quantity, priority, investor)
            for index, (is_market, price, quantity, priority, participant, investor) in enumerate(specs, 1)]


decisions = st.builds(Decision, st.sampled_from(GRID + [D("99.25")]), st.integers(1, 600),
                      st.sampled_from([D(0), D("0.33"), D("0.5"), D(1)]))
sides = st.booleans()
pricings = st.sampled_from(list(Pricing))


def better_than(price, cutoff, higher_is_better):
    return price > cutoff if higher_is_better else price < cutoff


def demand(bids, decision, higher_is_better):
    """(better, market given, at the cut-off) computed straight from the rules."""
    better = sum(b.quantity for b in bids if b.kind == LIMIT
                 and better_than(b.price, decision.cutoff_price, higher_is_better))
    market_total = sum(b.quantity for b in bids if b.kind == MARKET)
    given = int(Fraction(market_total) * Fraction(decision.market_fill))
    at = sum(b.quantity for b in bids if b.kind == LIMIT and b.price == decision.cutoff_price)
    return better, given, at


@settings(max_examples=200, deadline=None)
@given(bid_lists(), decisions, pricings, sides)
def test_fills_respect_the_cutoff_sizes_and_the_total(bids, decision, pricing, higher_is_better):
    better, given, at = demand(bids, decision, higher_is_better)
    if decision.volume < better + given:
        with pytest.raises(VolumeBelowBetterDemand):
            allocate(bids, decision, pricing, higher_is_better)
        return
    result = allocate(bids, decision, pricing, higher_is_better)
    by_id = {bid.bid_id: bid for bid in bids}
    filled = quantities(result)
    for fill in result.fills:
        bid = by_id[fill.bid_id]
        assert 0 < fill.quantity <= bid.quantity
        if bid.kind == LIMIT:
            assert not better_than(decision.cutoff_price, bid.price, higher_is_better)  # nothing worse
            if better_than(bid.price, decision.cutoff_price, higher_is_better):
                assert fill.quantity == bid.quantity
    assert sum(filled.values()) == result.placed_quantity == min(decision.volume, better + given + at)
    assert result.market_quantity == given


@settings(max_examples=200, deadline=None)
@given(bid_lists(), decisions, sides)
def test_pro_rata_fills_stay_within_one_of_the_exact_share(bids, decision, higher_is_better):
    better, given, at = demand(bids, decision, higher_is_better)
    if decision.volume < better + given:
        return
    filled = quantities(allocate(bids, decision, higher_is_better=higher_is_better))
    left = min(decision.volume - better - given, at)
    market_total = sum(b.quantity for b in bids if b.kind == MARKET)
    for bid in bids:
        if bid.kind == LIMIT and bid.price == decision.cutoff_price:
            assert abs(filled.get(bid.bid_id, 0) - Fraction(bid.quantity * left, at)) < 1
        elif bid.kind == MARKET:
            assert abs(filled.get(bid.bid_id, 0) - Fraction(bid.quantity * given, market_total)) < 1


@settings(max_examples=200, deadline=None)
@given(bid_lists(), decisions, pricings, sides, st.randoms(use_true_random=False))
def test_the_order_of_the_bids_does_not_matter(bids, decision, pricing, higher_is_better, rng):
    shuffled = list(bids)
    rng.shuffle(shuffled)
    try:
        expected = allocate(bids, decision, pricing, higher_is_better)
    except VolumeBelowBetterDemand:
        with pytest.raises(VolumeBelowBetterDemand):
            allocate(shuffled, decision, pricing, higher_is_better)
        return
    assert allocate(shuffled, decision, pricing, higher_is_better) == expected
    assert all(isinstance(fill.price, Decimal) for fill in expected.fills)
