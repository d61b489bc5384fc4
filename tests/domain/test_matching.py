"""The order book (SPEC §4): price-time priority in integer ticks and lots, pure.

A fill is (maker_id, taker_id, price_ticks, lots).  The property tests drive the book and a
small reference model (a list of resting orders sorted by price, then arrival) with the same
random calls and demand identical fills and identical resting orders.
"""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.matching import BUY, SELL, OrderBook


def book_of(*orders):
    """Rest limit orders (id, side, price, lots) in the order given; none may cross."""
    book = OrderBook()
    for order_id, side, price, lots in orders:
        assert book.add_limit(order_id, side, price, lots) == ()
    return book


# -- price-time priority ---------------------------------------------------------------------

ASKS = [(1, SELL, 101, 5), (2, SELL, 100, 3), (3, SELL, 100, 4), (4, SELL, 102, 2)]
BIDS = [(1, BUY, 99, 5), (2, BUY, 100, 3), (3, BUY, 100, 4), (4, BUY, 98, 2)]


@pytest.mark.parametrize("resting, taker, expected", [
    # best price first; at one price, first come first served; each at its own price
    (ASKS, (9, BUY, 102, 14), [(2, 9, 100, 3), (3, 9, 100, 4), (1, 9, 101, 5), (4, 9, 102, 2)]),
    (BIDS, (9, SELL, 98, 14), [(2, 9, 100, 3), (3, 9, 100, 4), (1, 9, 99, 5), (4, 9, 98, 2)]),
    # the limit stops the sweep
    (ASKS, (9, BUY, 100, 20), [(2, 9, 100, 3), (3, 9, 100, 4)]),
    (BIDS, (9, SELL, 100, 20), [(2, 9, 100, 3), (3, 9, 100, 4)]),
    # a partial fill of the second order at the level
    (ASKS, (9, BUY, 101, 5), [(2, 9, 100, 3), (3, 9, 100, 2)]),
    # no cross: nothing trades
    (ASKS, (9, BUY, 99, 5), []),
    (BIDS, (9, SELL, 101, 5), []),
    # a taker far through the book still trades at the makers' prices
    (ASKS, (9, BUY, 500, 3), [(2, 9, 100, 3)]),
    (BIDS, (9, SELL, 1, 3), [(2, 9, 100, 3)]),
])
def test_limit_order_takes_by_price_then_time_at_resting_price(resting, taker, expected):
    book = book_of(*resting)
    assert list(book.add_limit(*taker)) == expected


@pytest.mark.parametrize("taker, rests", [
    ((9, BUY, 102, 14), None),            # fully filled: nothing rests
    ((9, BUY, 100, 20), (9, BUY, 100, 13)),
    ((9, BUY, 99, 5), (9, BUY, 99, 5)),
])
def test_only_the_unfilled_remainder_rests(taker, rests):
    book = book_of(*ASKS)
    book.add_limit(*taker)
    mine = [o for o in book.live_orders() if o[0] == 9]
    assert mine == ([rests] if rests else [])
    assert book.remaining(9) == (rests[3] if rests else 0)


def test_partial_fill_leaves_the_maker_first_in_its_queue():
    book = book_of((1, SELL, 100, 10), (2, SELL, 100, 10))
    assert book.add_limit(7, BUY, 100, 4) == [(1, 7, 100, 4)]
    assert book.remaining(1) == 6
    assert book.add_limit(8, BUY, 100, 8) == [(1, 8, 100, 6), (2, 8, 100, 2)]
    assert book.live_orders() == [(2, SELL, 100, 8)]


# -- market orders: fill and kill -------------------------------------------------------------

@pytest.mark.parametrize("side, lots, expected", [
    (BUY, 4, [(2, 9, 100, 3), (3, 9, 100, 1)]),
    (BUY, 100, [(2, 9, 100, 3), (3, 9, 100, 4), (1, 9, 101, 5), (4, 9, 102, 2)]),
    (SELL, 100, []),                                   # no bids: nothing at all
])
def test_market_order_fills_what_there_is_and_never_rests(side, lots, expected):
    book = book_of(*ASKS)
    assert list(book.add_market(9, side, lots)) == expected
    assert book.remaining(9) == 0
    assert all(o[0] != 9 for o in book.live_orders())
    assert book.cancel(9) is False


def test_market_order_on_an_empty_book_leaves_it_empty():
    book = OrderBook()
    assert list(book.add_market(1, BUY, 5)) == []
    assert book.live_orders() == [] and book.best(BUY) is None and book.best(SELL) is None


# -- cancel, reduce, reading ------------------------------------------------------------------

@pytest.mark.parametrize("order_id", [42, 1, 2])
def test_cancel_of_unknown_filled_or_cancelled_ids_returns_false(order_id):
    book = book_of((1, SELL, 100, 3), (2, SELL, 101, 3))
    book.add_limit(9, BUY, 100, 3)            # fills order 1
    book.cancel(2)
    assert book.cancel(order_id) is False


def test_cancel_removes_the_order_from_matching():
    book = book_of((1, SELL, 100, 3), (2, SELL, 100, 3))
    assert book.cancel(1) is True
    assert book.add_limit(9, BUY, 100, 5) == [(2, 9, 100, 3)]
    assert book.live_orders() == [(9, BUY, 100, 2)]


def test_reduce_keeps_priority_but_cancel_and_add_loses_it():
    kept = book_of((1, SELL, 100, 5), (2, SELL, 100, 5))
    assert kept.reduce(1, 2) is True
    assert kept.add_limit(9, BUY, 100, 3) == [(1, 9, 100, 2), (2, 9, 100, 1)]

    lost = book_of((1, SELL, 100, 5), (2, SELL, 100, 5))
    assert lost.cancel(1) is True
    lost.add_limit(1, SELL, 100, 2)           # an amend that is not a plain decrease
    assert lost.add_limit(9, BUY, 100, 3) == [(2, 9, 100, 3)]


@pytest.mark.parametrize("lots", [0, -1, 5, 6])
def test_reduce_only_decreases(lots):
    book = book_of((1, SELL, 100, 5))
    assert book.reduce(1, lots) is False
    assert book.remaining(1) == 5


def test_reduce_of_unknown_or_cancelled_order_fails():
    book = book_of((1, SELL, 100, 5))
    book.cancel(1)
    assert book.reduce(1, 2) is False
    assert book.reduce(77, 2) is False


def test_depth_best_and_live_orders_skip_cancelled_orders():
    book = book_of((1, BUY, 99, 5), (2, BUY, 100, 3), (3, BUY, 100, 4), (4, BUY, 101, 1),
                   (5, SELL, 103, 2), (6, SELL, 102, 7), (7, SELL, 104, 1))
    book.cancel(4)                            # the whole best bid level
    book.cancel(3)
    book.cancel(6)                            # the whole best ask level
    assert book.best(BUY) == 100 and book.best(SELL) == 103
    assert book.depth(BUY) == [(100, 3, 1), (99, 5, 1)]
    assert book.depth(SELL) == [(103, 2, 1), (104, 1, 1)]
    assert book.depth(SELL, levels=1) == [(103, 2, 1)]
    assert book.live_orders() == [(2, BUY, 100, 3), (1, BUY, 99, 5),
                                  (5, SELL, 103, 2), (7, SELL, 104, 1)]


def test_depth_counts_orders_and_sums_lots_per_level():
    book = book_of((1, SELL, 100, 3), (2, SELL, 100, 4), (3, SELL, 101, 1))
    book.add_limit(9, BUY, 100, 1)
    assert book.depth(SELL) == [(100, 6, 2), (101, 1, 1)]


def test_an_order_resting_on_a_level_emptied_by_cancels_is_found():
    book = book_of((1, SELL, 100, 3))
    book.cancel(1)
    book.add_limit(2, SELL, 100, 4)
    assert book.add_limit(9, BUY, 100, 10) == [(2, 9, 100, 4)]
    assert book.live_orders() == [(9, BUY, 100, 6)]


def test_restore_from_live_orders_gives_an_identical_book():
    book = book_of((1, BUY, 99, 5), (2, BUY, 100, 3), (3, BUY, 100, 4),
                   (4, SELL, 102, 2), (5, SELL, 101, 6), (6, SELL, 101, 1))
    book.cancel(3)
    book.reduce(5, 4)
    copy = OrderBook.restore(book.live_orders())
    assert copy.live_orders() == book.live_orders()
    for b in (book, copy):
        assert b.add_limit(20, BUY, 102, 6) == [(5, 20, 101, 4), (6, 20, 101, 1), (4, 20, 102, 1)]
        assert list(b.add_market(21, SELL, 6)) == [(2, 21, 100, 3), (1, 21, 99, 3)]
    assert copy.live_orders() == book.live_orders()


# -- against a reference model ----------------------------------------------------------------

class ReferenceBook:
    """Obviously correct and slow: a list of [price, arrival, id, side, lots]."""

    def __init__(self):
        self.resting, self.arrival = [], 0

    def _opposite(self, side):
        others = [o for o in self.resting if o[3] != side]
        if side == BUY:
            return sorted(others, key=lambda o: (o[0], o[1]))
        return sorted(others, key=lambda o: (-o[0], o[1]))

    def _take(self, order_id, side, limit, lots):
        fills = []
        for maker in self._opposite(side):
            if not lots or (limit is not None and (maker[0] > limit if side == BUY
                                                   else maker[0] < limit)):
                break
            traded = min(lots, maker[4])
            fills.append((maker[2], order_id, maker[0], traded))
            maker[4] -= traded
            lots -= traded
        self.resting = [o for o in self.resting if o[4]]
        return fills, lots

    def add_limit(self, order_id, side, price, lots):
        fills, left = self._take(order_id, side, price, lots)
        if left:
            self.arrival += 1
            self.resting.append([price, self.arrival, order_id, side, left])
        return fills

    def add_market(self, order_id, side, lots):
        return self._take(order_id, side, None, lots)[0]

    def cancel(self, order_id):
        before = len(self.resting)
        self.resting = [o for o in self.resting if o[2] != order_id]
        return len(self.resting) < before

    def reduce(self, order_id, lots):
        for order in self.resting:
            if order[2] == order_id and 0 < lots < order[4]:
                order[4] = lots
                return True
        return False

    def live_orders(self):
        bids = sorted((o for o in self.resting if o[3] == BUY), key=lambda o: (-o[0], o[1]))
        asks = sorted((o for o in self.resting if o[3] == SELL), key=lambda o: (o[0], o[1]))
        return [(o[2], o[3], o[0], o[4]) for o in bids + asks]


ACTIONS = st.lists(st.one_of(
    st.tuples(st.just("limit"), st.sampled_from([BUY, SELL]), st.integers(95, 105),
              st.integers(1, 8)),
    st.tuples(st.just("market"), st.sampled_from([BUY, SELL]), st.integers(1, 20)),
    st.tuples(st.just("cancel"), st.integers(0, 60)),
    st.tuples(st.just("reduce"), st.integers(0, 60), st.integers(-1, 8)),
), max_size=60)


def run_both(actions):
    book, model = OrderBook(), ReferenceBook()
    next_id, all_fills, sizes = 1, [], {}
    for action in actions:
        kind = action[0]
        if kind in ("limit", "market"):
            order_id, next_id = next_id, next_id + 1
            if kind == "limit":
                _, side, price, lots = action
                got, want = book.add_limit(order_id, side, price, lots), \
                    model.add_limit(order_id, side, price, lots)
            else:
                _, side, lots = action
                got, want = book.add_market(order_id, side, lots), \
                    model.add_market(order_id, side, lots)
            sizes[order_id] = lots
            assert list(got) == want
            all_fills.extend(got)
        elif kind == "cancel":
            assert book.cancel(action[1]) == model.cancel(action[1])
        else:
            assert book.reduce(action[1], action[2]) == model.reduce(action[1], action[2])
        assert book.live_orders() == model.live_orders()
    return book, all_fills, sizes


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ACTIONS)
def test_book_matches_the_reference_model(actions):
    book, _fills, _sizes = run_both(actions)
    bids = [o for o in book.live_orders() if o[1] == BUY]
    asks = [o for o in book.live_orders() if o[1] == SELL]
    if bids and asks:                          # a resting book is never crossed
        assert max(o[2] for o in bids) < min(o[2] for o in asks)
    assert book.best(BUY) == (bids[0][2] if bids else None)
    assert book.best(SELL) == (asks[0][2] if asks else None)


@settings(max_examples=100, deadline=None)
@given(ACTIONS)
def test_fills_conserve_lots(actions):
    book, fills, sizes = run_both(actions)
    taken, made = {}, {}
    for maker, taker, _price, lots in fills:
        assert lots > 0 and maker != taker
        taken[taker] = taken.get(taker, 0) + lots
        made[maker] = made.get(maker, 0) + lots
    # every lot bought is a lot sold: per order, what traded never exceeds its size
    assert sum(taken.values()) == sum(made.values())
    for order_id, size in sizes.items():
        assert taken.get(order_id, 0) + made.get(order_id, 0) + book.remaining(order_id) <= size


@settings(max_examples=60, deadline=None)
@given(ACTIONS, ACTIONS)
def test_restored_book_behaves_identically(before, after):
    book, _fills, _sizes = run_both(before)
    copy = OrderBook.restore(book.live_orders())
    next_id = 1000
    for action in after:
        if action[0] == "limit":
            assert book.add_limit(next_id, *action[1:]) == copy.add_limit(next_id, *action[1:])
            next_id += 1
        elif action[0] == "market":
            assert book.add_market(next_id, *action[1:]) == copy.add_market(next_id, *action[1:])
            next_id += 1
        elif action[0] == "cancel":
            assert book.cancel(action[1]) == copy.cancel(action[1])
        else:
            assert book.reduce(*action[1:]) == copy.reduce(*action[1:])
    assert book.live_orders() == copy.live_orders()
