"""The secondary market folded from journaled events (SPEC §4, App.6 §1), pure.

Figures are worked by hand in the comments: the equity trades in lots of 10 at a price step of
0.01, so 1 lot at 100.00 costs 1 000.00.
"""
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.ledger import Ledger
from app.domain.market import Market, MarketRefusal
from app.domain.matching import BUY, SELL

D0 = date(2026, 3, 10)
T0, T2 = "K/T0", "K/T2"
EQUITY = {"asset": "KZTK", "currency": "KZT", "lot_size": 10, "price_step": "0.01",
          "face_value": None}
# A bond whose accrued interest makes amounts round: 1 000 × (100.5 + 0.123456) / 100 per unit.
BOND = {"asset": "BOND", "currency": "KZT", "lot_size": 1, "price_step": "0.0001",
        "face_value": "1000", "accrued": "0.123456"}


def day(n: int) -> str:
    return (D0 + timedelta(days=n)).isoformat()


@dataclass
class Desk:
    """A market and the journal that built it."""
    market: Market = field(default_factory=Market)
    events: list = field(default_factory=list)

    def __call__(self, kind: str, **fields):
        event = json.loads(json.dumps({"kind": kind, **fields}))   # journal rows are JSON
        self.events.append(event)
        return self.market.apply(len(self.events), event)

    def open(self, n: int):
        return self("open_day", day=day(n), dates={"T0": day(n), "T2": day(n + 2)})

    def next_day(self, n: int):
        self("close", day=day(n - 1))
        return self.open(n)

    def order(self, order_id, account, side, ticks, lots, book=T0, type="limit", **extra):
        return self("order", id=order_id, book=book, account=account, side=side, type=type,
                    ticks=ticks, lots=lots, **extra)

    def ledger(self, account, asset="KZT") -> Ledger:
        return self.market.ledgers[(account, asset)]

    def positions(self, account, asset="KZT"):
        ledger, today = self.ledger(account, asset), self.market.today
        return (ledger.current, ledger.planned(today), ledger.settlement(today),
                ledger.planned_ahead(today))

    def live(self, book=T0):
        return self.market.books[book].engine.live_orders()


def dump(market: Market) -> str:
    return json.dumps(market.to_snapshot(), sort_keys=True)


def desk_with(balances, terms=EQUITY) -> Desk:
    desk = Desk()
    desk.open(0)
    desk("terms", book=T0, code="T0", terms=terms)
    desk("terms", book=T2, code="T2", terms=terms)
    for account, asset, amount in balances:
        desk("balance", account=account, asset=asset, amount=amount)
    return desk


# -- a full trading cycle -------------------------------------------------------------------

def full_cycle() -> Desk:
    """Buyers 1 and 3, seller 2; every figure is checked in `test_full_cycle`."""
    desk = desk_with([(1, "KZT", "100000.00"), (2, "KZTK", "1000"), (3, "KZT", "50000.00")])
    desk.order(101, 1, "buy", 10000, 5)                   # blocks 5 000.00
    desk.order(102, 3, "buy", 10000, 2)                   # blocks 2 000.00
    desk.order(103, 2, "sell", 9900, 6)                   # takes 101 then 1 lot of 102
    desk.order(104, 2, "sell", 10100, 10, book=T2, expires_on=day(3))
    desk.order(105, 1, "buy", 10150, 4, book=T2)          # 4 lots at the resting 101.00
    desk.next_day(1)
    desk.next_day(2)                                      # the T+2 date of D0's deals
    desk("settle", day=day(2))
    desk.next_day(3)
    desk("close", day=day(3))
    return desk


def test_full_cycle():
    desk = Desk()
    cycle = full_cycle()
    for event in cycle.events[:8]:                        # up to and with order 102
        desk(**event)
    assert desk.positions(1) == (D("100000.00"), D("95000.00"), D("95000.00"), [])

    effects = desk(**cycle.events[8])                     # order 103 sells 6 lots at 99.00
    assert [(t.trade_id, t.buy_order, t.sell_order, t.ticks, t.lots, t.units, t.amount,
             t.status) for t in effects.trades] == [
        (1, 101, 103, 10000, 5, 50, D("5000.00"), "settled"),   # at the resting price
        (2, 102, 103, 10000, 1, 10, D("1000.00"), "settled")]
    assert {o: effects.orders[o].status for o in effects.orders} == {
        101: "filled", 102: "partial", 103: "filled"}
    assert desk.positions(1) == (D("95000.00"), D("95000.00"), D("95000.00"), [])
    assert desk.positions(3) == (D("49000.00"), D("48000.00"), D("48000.00"), [])
    assert desk.ledger(2).current == D("6000.00")
    assert desk.ledger(2, "KZTK").current == 940 and desk.ledger(1, "KZTK").current == 50
    assert desk.live() == [(102, BUY, 10000, 1)]

    desk(**cycle.events[9])                              # 104: dated T2 sell, 100 units
    effects = desk(**cycle.events[10])                    # 105 buys 4 lots of it
    (trade,) = effects.trades
    assert (trade.ticks, trade.units, trade.amount, trade.status, trade.settles_on) == (
        10100, 40, D("4040.00"), "pending", D0 + timedelta(days=2))
    t2 = D0 + timedelta(days=2)
    # the deal is due on T+2: today's positions are untouched, planned T+2 is 95 000 − 4 040
    assert desk.positions(1) == (D("95000.00"), D("95000.00"), D("95000.00"),
                                 [(t2, D("90960.00"))])
    assert desk.positions(2, "KZTK") == (940, 940, 940, [(t2, 840)])     # 940 − 40 − 60 blocked
    assert desk.live(T2) == [(104, SELL, 10100, 6)]

    effects = desk(**cycle.events[11])                    # close D0
    assert {o: effects.orders[o].status for o in effects.orders} == {102: "expired"}
    assert set(desk.market.orders) == {104}
    assert desk.positions(3) == (D("49000.00"), D("49000.00"), D("49000.00"), [])
    assert desk.live() == []

    desk(**cycle.events[12])                              # open D1: 104 moves to D3
    t3 = D0 + timedelta(days=3)
    assert desk.market.orders[104].settles_on == t3
    assert desk.ledger(2, "KZTK").blocked == {t3: 60}
    assert desk.ledger(1).incoming == D("95000.00") and desk.ledger(1).moved == 0
    desk(**cycle.events[13])                              # close D1: 104 lives to D3
    desk(**cycle.events[14])                              # open D2, the settlement day
    assert desk.positions(1) == (D("95000.00"), D("95000.00"), D("90960.00"), [])

    effects = desk(**cycle.events[15])                    # settle D2
    assert [(t.trade_id, t.status) for t in effects.trades] == [(3, "settled")]
    assert desk.market.pending == {}
    assert desk.positions(1) == (D("90960.00"), D("90960.00"), D("90960.00"), [])
    assert desk.ledger(1, "KZTK").current == 90
    assert desk.ledger(2).current == D("10040.00")
    assert desk.positions(2, "KZTK") == (900, 900, 900, [(D0 + timedelta(days=4), 840)])

    for event in cycle.events[16:]:
        desk(**event)
    assert desk.market.orders == {}                       # 104 expired at D3's close
    assert all(not ledger.blocked for ledger in desk.market.ledgers.values())
    assert dump(desk.market) == dump(cycle.market)


def test_open_day_leaves_no_block_at_a_past_date():
    desk = desk_with([(1, "KZT", "10000.00")], terms=BOND)
    desk.order(1, 1, "buy", 1005000, 3, expires_on=day(5))
    desk.order(2, 1, "buy", 1004000, 2, book=T2, expires_on=day(5))
    blocked_before = sum(desk.ledger(1).blocked.values())
    desk.next_day(1)
    assert desk.ledger(1).blocked == {
        D0 + timedelta(days=1): desk.market.books[T0].terms.amount(1005000, 3),
        D0 + timedelta(days=3): desk.market.books[T2].terms.amount(1004000, 2)}
    assert sum(desk.ledger(1).blocked.values()) == blocked_before


# -- settlement without a CCP: DVP deal by deal ---------------------------------------------

def two_t2_deals() -> Desk:
    """Buyer 1 owes 3 000.00 (deal 1) and then 1 000.00 (deal 2) on D2."""
    desk = desk_with([(1, "KZT", "5000.00"), (2, "KZTK", "100")])
    desk.order(1, 2, "sell", 10000, 3, book=T2)
    desk.order(2, 1, "buy", 10000, 3, book=T2)
    desk.order(3, 2, "sell", 10000, 1, book=T2)
    desk.order(4, 1, "buy", 10000, 1, book=T2)
    desk.next_day(1)
    desk.next_day(2)
    return desk


def test_dvp_runs_in_order_of_registration_and_a_short_deal_fails():
    desk = two_t2_deals()
    desk("balance", account=1, asset="KZT", amount="3500.00")   # reloaded lower on D2
    effects = desk("settle", day=day(2))
    assert [(t.trade_id, t.status) for t in effects.trades] == [(1, "settled"), (2, "failed")]
    assert list(desk.market.pending) == [2]
    # deal 1 moved; deal 2 is neither due nor moved any more
    assert desk.positions(1) == (D("500.00"), D("500.00"), D("500.00"), [])
    assert desk.ledger(1, "KZTK").current == 30
    assert desk.positions(2) == (D("3000.00"), D("3000.00"), D("3000.00"), [])
    assert desk.ledger(2, "KZTK").current == 70 and desk.ledger(2, "KZTK").due == {}


def test_a_failed_deal_settles_on_retry_once_the_money_is_there():
    desk = two_t2_deals()
    desk("balance", account=1, asset="KZT", amount="3500.00")
    desk("settle", day=day(2))
    (trade,) = desk("settle_retry", trade=2).trades
    assert trade.status == "failed" and list(desk.market.pending) == [2]
    desk("balance", account=1, asset="KZT", amount="4500.00")   # current 4 500 − 3 000
    (trade,) = desk("settle_retry", trade=2).trades
    assert trade.status == "settled" and desk.market.pending == {}
    assert desk.ledger(1).current == D("500.00") and desk.ledger(1, "KZTK").current == 40
    assert desk.ledger(2).current == D("4000.00") and desk.ledger(2, "KZTK").current == 60


def test_a_failed_deal_can_be_cancelled():
    desk = two_t2_deals()
    desk("balance", account=2, asset="KZTK", amount="35")       # the seller is short instead
    effects = desk("settle", day=day(2))
    assert [(t.trade_id, t.status) for t in effects.trades] == [(1, "settled"), (2, "failed")]
    (trade,) = desk("settle_cancel", trade=2).trades
    assert trade.status == "cancelled" and desk.market.pending == {}
    assert desk.ledger(1).current == D("2000.00") and desk.ledger(2, "KZTK").current == 5


def test_deals_not_yet_due_are_left_alone():
    desk = two_t2_deals()
    assert desk("settle", day=day(1)).trades == []
    assert len(desk.market.pending) == 2


# -- direct deals ---------------------------------------------------------------------------

def test_direct_offer_blocks_until_accepted_and_trades_at_its_price():
    desk = desk_with([(1, "KZT", "10000.00"), (2, "KZTK", "100")])
    effects = desk("direct", id=201, book=T0, account=2, side="sell", ticks=10050, lots=5,
                   counterparty=7)
    assert effects.orders[201].status == "offered"
    assert desk.ledger(2, "KZTK").blocked == {D0: 50}
    assert desk.live() == []                              # not in the book
    effects = desk("direct_accept", id=202, offer=201, account=1)
    (trade,) = effects.trades
    assert (trade.kind, trade.buy_order, trade.sell_order, trade.buyer, trade.seller,
            trade.units, trade.amount, trade.status) == (
        "direct", 202, 201, 1, 2, 50, D("5025.00"), "settled")
    assert effects.orders[201].status == effects.orders[202].status == "filled"
    assert desk.market.orders == {}
    assert desk.ledger(2, "KZTK").blocked == {} and desk.ledger(1).blocked == {}
    assert desk.ledger(1).current == D("4975.00") and desk.ledger(2).current == D("5025.00")


def test_direct_offer_on_t2_settles_later():
    desk = desk_with([(1, "KZT", "10000.00"), (2, "KZTK", "100")])
    desk("direct", id=1, book=T2, account=1, side="buy", ticks=10000, lots=2, counterparty=8)
    assert desk.ledger(1).blocked == {D0 + timedelta(days=2): D("2000.00")}
    (trade,) = desk("direct_accept", id=2, offer=1, account=2).trades
    assert (trade.buyer, trade.seller, trade.status) == (1, 2, "pending")
    assert desk.ledger(1).due == {D0 + timedelta(days=2): D("-2000.00")}
    assert desk.ledger(1).blocked == {}


@pytest.mark.parametrize("answer, status", [
    ({"kind": "direct_reject", "offer": 1}, "rejected"),
    ({"kind": "close", "day": day(0)}, "expired"),
])
def test_a_rejected_or_unanswered_offer_releases_its_block(answer, status):
    desk = desk_with([(2, "KZTK", "100")])
    desk("direct", id=1, book=T0, account=2, side="sell", ticks=10000, lots=2, counterparty=7)
    effects = desk(**answer)
    assert effects.orders[1].status == status
    assert desk.market.orders == {} and desk.ledger(2, "KZTK").blocked == {}


# -- amendments -----------------------------------------------------------------------------

def two_bids() -> Desk:
    desk = desk_with([(1, "KZT", "10000.00"), (3, "KZT", "10000.00"), (2, "KZTK", "1000")])
    desk.order(1, 1, "buy", 10000, 5)
    desk.order(2, 3, "buy", 10000, 5)
    return desk


def test_a_decrease_keeps_priority_and_releases_block():
    desk = two_bids()
    effects = desk("amend", id=1, ticks=10000, lots=2)
    assert set(effects.orders) == {1} and effects.trades == []
    order = desk.market.orders[1]
    assert (order.lots, order.remaining, order.filled) == (2, 2, 0)   # the quantity shrinks too
    assert desk.ledger(1).blocked == {D0: D("2000.00")}
    assert desk.live() == [(1, BUY, 10000, 2), (2, BUY, 10000, 5)]
    fills = desk.order(3, 2, "sell", 10000, 3).trades
    assert [(t.buy_order, t.lots) for t in fills] == [(1, 2), (2, 1)]


def test_an_increase_loses_priority():
    desk = two_bids()
    desk("amend", id=1, ticks=10000, lots=6)
    assert desk.ledger(1).blocked == {D0: D("6000.00")}
    assert desk.live() == [(2, BUY, 10000, 5), (1, BUY, 10000, 6)]
    assert [t.buy_order for t in desk.order(3, 2, "sell", 10000, 1).trades] == [2]


def test_a_price_change_blocks_at_the_new_price():
    desk = two_bids()
    desk("amend", id=1, ticks=9900, lots=5)
    order = desk.market.orders[1]
    assert (order.ticks, order.block_ticks, order.lots, order.remaining) == (9900, 9900, 5, 5)
    assert desk.ledger(1).blocked == {D0: D("4950.00")}
    assert desk.live() == [(2, BUY, 10000, 5), (1, BUY, 9900, 5)]


def test_an_amend_that_crosses_trades_at_the_resting_price():
    desk = two_bids()
    desk.order(3, 2, "sell", 10100, 3)
    effects = desk("amend", id=1, ticks=10200, lots=5)
    assert [(t.buy_order, t.sell_order, t.ticks, t.lots, t.amount) for t in effects.trades] == [
        (1, 3, 10100, 3, D("3030.00"))]
    order = effects.orders[1]
    assert (order.status, order.lots, order.filled, order.remaining) == ("partial", 5, 3, 2)
    assert desk.ledger(1).blocked == {D0: D("2040.00")}          # 2 lots at 102.00
    assert desk.ledger(1).current == D("6970.00")


def test_amending_a_partly_filled_order_counts_lots_from_what_remains():
    desk = two_bids()
    desk.order(3, 2, "sell", 10000, 2)                   # order 1: 2 filled, 3 left
    desk("amend", id=1, ticks=10000, lots=4)
    order = desk.market.orders[1]
    assert (order.lots, order.filled, order.remaining) == (6, 2, 4)
    assert desk.ledger(1).blocked == {D0: D("4000.00")}


def exact_cover() -> Desk:
    """Account 1 has exactly what order 1 blocks: 5 lots at 100.00."""
    desk = desk_with([(1, "KZT", "5000.00"), (2, "KZTK", "100")])
    desk.order(1, 1, "buy", 10000, 5)
    desk("direct", id=2, book=T0, account=2, side="sell", ticks=10000, lots=1, counterparty=9)
    return desk


@pytest.mark.parametrize("order_id, ticks, lots, code", [
    (1, 10000, 5, "nothing_changed"),
    (1, 10001, 5, "insufficient_cover"),                 # 5 000.50 > 5 000.00
    (1, 10000, 6, "insufficient_cover"),
    (1, 10000, 0, "bad_lots"),
    (1, 9000, -1, "bad_lots"),
    (2, 10000, 1, "not_amendable"),
    (99, 10000, 1, "order_not_active"),
])
def test_check_amend_refuses(order_id, ticks, lots, code):
    desk = exact_cover()
    before = dump(desk.market)
    with pytest.raises(MarketRefusal) as refused:
        desk.market.check_amend(order_id, ticks, lots)
    assert refused.value.code == code
    assert dump(desk.market) == before


@pytest.mark.parametrize("ticks, lots", [(10000, 3), (9900, 5), (5000, 10), (10000, 1)])
def test_check_amend_gives_the_old_block_back_for_the_check(ticks, lots):
    desk = exact_cover()
    before = dump(desk.market)
    desk.market.check_amend(1, ticks, lots)
    assert dump(desk.market) == before


# -- full cover -----------------------------------------------------------------------------

def test_check_cover_refuses_a_buy_beyond_the_money():
    desk = desk_with([(1, "KZT", "1000.00")])
    desk.market.check_cover(1, T0, BUY, 10000, 1)
    with pytest.raises(MarketRefusal) as refused:
        desk.market.check_cover(1, T0, BUY, 10001, 1)
    assert refused.value.code == "insufficient_cover"
    assert refused.value.details == {"asset": "KZT", "needed": D("1000.10"),
                                     "available": D("1000.00")}


def test_check_cover_of_an_unknown_account_leaves_no_trace():
    desk = desk_with([(1, "KZT", "1000.00")])
    before = dump(desk.market)
    with pytest.raises(MarketRefusal) as refused:
        desk.market.check_cover(42, T2, SELL, 10000, 1)
    assert refused.value.details["available"] == 0
    assert dump(desk.market) == before


def test_check_cover_keeps_a_later_planned_position_from_going_negative():
    # 1 200 on hand; a T+2 purchase of 1 lot at 80.00 owes 800 on D2
    desk = desk_with([(1, "KZT", "1200.00"), (2, "KZTK", "100")])
    desk.order(1, 2, "sell", 8000, 1, book=T2)
    desk.order(2, 1, "buy", 8000, 1, book=T2)
    desk.market.check_cover(1, T0, BUY, 4000, 1)        # today 1 200 − 400 = 800; D2: 0
    with pytest.raises(MarketRefusal) as refused:
        desk.market.check_cover(1, T0, BUY, 4001, 1)
    assert refused.value.details["available"] == D("400.00")


def test_check_cover_keeps_securities_sold_for_t2_from_being_sold_again_today():
    desk = desk_with([(1, "KZT", "10000.00"), (2, "KZTK", "100")])
    desk.order(1, 2, "sell", 10000, 9, book=T2)
    desk.order(2, 1, "buy", 10000, 6, book=T2)          # 60 sold for D2, 30 still offered
    desk.market.check_cover(2, T0, SELL, 0, 1)
    with pytest.raises(MarketRefusal) as refused:
        desk.market.check_cover(2, T0, SELL, 0, 2)
    assert refused.value.details == {"asset": "KZTK", "needed": 20, "available": 10}


def test_check_cover_counts_todays_unsettled_deals():
    # On D2 before settlement the buyer still owes 3 000 + 1 000: the settlement position.
    desk = two_t2_deals()
    assert desk.positions(1)[1:3] == (D("5000.00"), D("1000.00"))
    desk.market.check_cover(1, T0, BUY, 10000, 1)
    with pytest.raises(MarketRefusal):
        desk.market.check_cover(1, T0, BUY, 10000, 2)


def test_market_buy_blocks_at_the_given_price_and_fills_and_kills():
    desk = desk_with([(1, "KZT", "10000.00"), (2, "KZTK", "100")])
    desk.order(1, 2, "sell", 9900, 2)
    effects = desk("order", id=2, book=T0, account=1, side="buy", type="market", lots=5,
                   block_ticks=10500)
    assert [(t.ticks, t.lots) for t in effects.trades] == [(9900, 2)]
    order = effects.orders[2]
    assert (order.status, order.filled, order.remaining) == ("killed", 2, 0)
    assert desk.market.orders == {} and desk.ledger(1).blocked == {}
    assert desk.ledger(1).current == D("8020.00")


def test_rounded_amounts_block_and_release_to_the_cent():
    desk = desk_with([(1, "KZT", "100000.00"), (2, "BOND", "10")], terms=BOND)
    terms = desk.market.books[T0].terms
    assert terms.amount(1005000, 1) == D("1006.23")        # 1 006.23456
    assert terms.amount(1005000, 2) == D("2012.47")        # 2 012.46912
    desk.order(1, 1, "buy", 1005000, 2)
    assert desk.ledger(1).blocked == {D0: D("2012.47")}
    desk.order(2, 2, "sell", 1005000, 1)
    assert desk.ledger(1).blocked == {D0: D("1006.23")}    # what the lot left needs
    desk("cancel", id=1)
    assert desk.ledger(1).blocked == {}


def test_events_must_come_in_sequence():
    market = Market()
    market.apply(3, {"kind": "open_day", "day": day(0), "dates": {"T0": day(0)}})
    with pytest.raises(ValueError):
        market.apply(3, {"kind": "close", "day": day(0)})


# -- snapshots and determinism ----------------------------------------------------------------

@pytest.mark.parametrize("journal", [full_cycle, two_t2_deals, exact_cover])
def test_snapshot_at_every_point_continues_identically(journal):
    events = journal().events
    for cut in range(len(events) + 1):
        original = Market()
        for seq, event in enumerate(events[:cut], 1):
            original.apply(seq, event)
        snapshot = json.loads(json.dumps(original.to_snapshot()))
        restored = Market.from_snapshot(snapshot)
        assert dump(restored) == dump(original)
        for seq, event in enumerate(events[cut:], cut + 1):
            assert restored.apply(seq, event) == original.apply(seq, event)
        assert dump(restored) == dump(original)


@pytest.mark.parametrize("journal", [full_cycle, two_t2_deals])
def test_folding_the_same_journal_twice_gives_the_same_bytes(journal):
    events = journal().events
    dumps = []
    for _ in range(2):
        market = Market()
        for seq, event in enumerate(events, 1):
            market.apply(seq, event)
        dumps.append(dump(market))
    assert dumps[0] == dumps[1]


# -- properties over random journals --------------------------------------------------------

BOOKS = {"K/T0": ("T0", EQUITY), "K/T2": ("T2", EQUITY), "B/T0": ("T0", BOND),
         "B/T2": ("T2", BOND)}
PRICES = {"K": (9995, 10005), "B": (1004995, 1005005)}
ACCOUNTS = (1, 2, 3)
START = [(a, "KZT", "60000.00") for a in ACCOUNTS] + \
        [(a, "KZTK", "300") for a in ACCOUNTS] + [(a, "BOND", "40") for a in ACCOUNTS]

ACTION = st.one_of(
    st.tuples(st.just("order"), st.sampled_from(ACCOUNTS), st.sampled_from(sorted(BOOKS)),
              st.sampled_from(["buy", "sell"]), st.sampled_from(["limit", "limit", "market"]),
              st.integers(0, 10), st.integers(1, 12), st.sampled_from([None, 1, 3])),
    st.tuples(st.just("cancel"), st.integers(0, 30)),
    st.tuples(st.just("amend"), st.integers(0, 30), st.integers(0, 10), st.integers(1, 12)),
    st.tuples(st.just("direct"), st.sampled_from(ACCOUNTS), st.sampled_from(sorted(BOOKS)),
              st.sampled_from(["buy", "sell"]), st.integers(0, 10), st.integers(1, 12)),
    st.tuples(st.just("answer"), st.integers(0, 30), st.sampled_from(ACCOUNTS), st.booleans()),
    st.tuples(st.just("next_day"),),
    st.tuples(st.just("after_failure"), st.integers(0, 30), st.booleans()),
)


class Walk:
    """Turns random actions into events that the sequencer's checks would let through."""

    def __init__(self, equity_only: bool):
        self.books = [b for b in sorted(BOOKS) if not (equity_only and b.startswith("B"))]
        self.desk = Desk()
        self.desk.open(0)
        for key in self.books:
            code, terms = BOOKS[key]
            self.desk("terms", book=key, code=code, terms=terms)
        for account, asset, amount in START:
            self.desk("balance", account=account, asset=asset, amount=amount)
        self.day, self.next_id = 0, 1

    @property
    def market(self) -> Market:
        return self.desk.market

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def ticks(self, book: str, offset: int) -> int:
        return PRICES[book[0]][0] + offset

    def checked(self, check, *args) -> bool:
        before = self.market.to_snapshot()
        try:
            check(*args)
            return True
        except MarketRefusal as refused:
            assert refused.code in ("insufficient_cover", "nothing_changed")
            return False
        finally:
            assert self.market.to_snapshot() == before       # checks leave no trace

    def pick(self, index: int, wanted) -> int | None:
        ids = sorted(i for i, o in self.market.orders.items() if wanted(o))
        return ids[index % len(ids)] if ids else None

    def step(self, action):
        kind, book = action[0], None
        if kind == "order":
            _, account, book, side, type_, offset, lots, dated = action
            if book not in self.books:
                return None
            ticks = self.ticks(book, offset)
            block = PRICES[book[0]][1] if type_ == "market" else ticks
            if not self.checked(self.market.check_cover, account, book, SIDE[side], block, lots):
                return None
            extra = {"block_ticks": block} if type_ == "market" else {}
            if dated and type_ == "limit":
                extra["expires_on"] = day(self.day + dated)
            return self.desk.order(self.new_id(), account, side, 0 if type_ == "market" else ticks,
                                   lots, book=book, type=type_, **extra)
        if kind == "cancel":
            order_id = self.pick(action[1], lambda o: o.kind != "direct")
            return order_id and self.desk("cancel", id=order_id)
        if kind == "amend":
            order_id = self.pick(action[1], lambda o: o.kind == "limit")
            if order_id is None:
                return None
            ticks = self.ticks(self.market.orders[order_id].book, action[2])
            if not self.checked(self.market.check_amend, order_id, ticks, action[3]):
                return None
            return self.desk("amend", id=order_id, ticks=ticks, lots=action[3])
        if kind == "direct":
            _, account, book, side, offset, lots = action
            ticks = self.ticks(book, offset) if book in self.books else None
            if ticks is None or not self.checked(self.market.check_cover, account, book,
                                                 SIDE[side], ticks, lots):
                return None
            return self.desk("direct", id=self.new_id(), book=book, account=account, side=side,
                             ticks=ticks, lots=lots, counterparty=account)
        if kind == "answer":
            offer_id = self.pick(action[1], lambda o: o.status == "offered")
            if offer_id is None:
                return None
            if not action[3]:
                return self.desk("direct_reject", offer=offer_id)
            offer, account = self.market.orders[offer_id], action[2]
            if not self.checked(self.market.check_cover, account, offer.book, 1 - offer.side,
                                offer.ticks, offer.lots):
                return None
            return self.desk("direct_accept", id=self.new_id(), offer=offer_id, account=account)
        if kind == "next_day":
            self.day += 1
            self.desk.next_day(self.day)
            return self.desk("settle", day=day(self.day))
        failed = sorted(t for t, trade in self.market.pending.items() if trade.status == "failed")
        if not failed:
            return None
        trade_id = failed[action[1] % len(failed)]
        return self.desk("settle_retry" if action[2] else "settle_cancel", trade=trade_id)


SIDE = {"buy": BUY, "sell": SELL}


def holdings(market: Market) -> dict:
    """Per asset: Σ over accounts of current + everything still due."""
    out = {}
    for (_account, asset), ledger in market.ledgers.items():
        out[asset] = out.get(asset, 0) + ledger.current + sum(ledger.due.values())
    return out


def expected_blocks(market: Market) -> dict:
    """Every live order's obligation at its remaining quantity, summed per ledger and date."""
    out = {}
    for order in market.orders.values():
        terms = market.books[order.book].terms
        asset, amount = market._obligation(terms, order.side, order.block_ticks, order.remaining)
        per_day = out.setdefault((order.account, asset), {})
        per_day[order.settles_on] = per_day.get(order.settles_on, 0) + amount
    return out


def check_invariants(walk: Walk, start: dict, equity_only: bool, no_failures: bool):
    market = walk.market
    assert holdings(market) == start                     # nothing made or lost
    blocks = expected_blocks(market)
    for key, ledger in market.ledgers.items():
        assert ledger.blocked == {d: v for d, v in blocks.get(key, {}).items() if v}
        assert all(d >= market.today for d in (*ledger.blocked, *ledger.due))
        if equity_only and no_failures:
            assert ledger.lowest(market.today) >= 0, key
    for key in walk.books:
        live = {o[0]: o for o in market.books[key].engine.live_orders()}
        mine = {o.order_id: (o.order_id, o.side, o.ticks, o.remaining)
                for o in market.orders.values() if o.book == key and o.kind != "direct"}
        assert live == mine
    for order in market.orders.values():
        assert order.live and order.remaining > 0 and order.lots == order.filled + order.remaining


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.booleans(), st.lists(ACTION, max_size=45))
def test_random_journals_conserve_money_and_securities_and_keep_cover(equity_only, actions):
    walk = Walk(equity_only)
    start = holdings(walk.market)
    no_failures = True
    for action in actions:
        effects = walk.step(action)
        if effects:
            for trade in effects.trades:
                terms = walk.market.books[trade.book].terms
                assert trade.amount == terms.amount(trade.ticks, trade.lots)
                assert trade.units == trade.lots * terms.lot_size
                no_failures &= trade.status != "failed"
        check_invariants(walk, start, equity_only, no_failures)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ACTION, max_size=40), st.data())
def test_random_journals_replay_and_restore_identically(actions, data):
    walk = Walk(equity_only=False)
    for action in actions:
        walk.step(action)
    events = walk.desk.events
    cut = data.draw(st.integers(0, len(events)))
    replayed, original = Market(), Market()
    for seq, event in enumerate(events[:cut], 1):
        replayed.apply(seq, event)
        original.apply(seq, event)
    restored = Market.from_snapshot(json.loads(json.dumps(original.to_snapshot())))
    for seq, event in enumerate(events[cut:], cut + 1):
        effects = original.apply(seq, event)
        assert restored.apply(seq, event) == effects
        assert replayed.apply(seq, event) == effects
    assert dump(original) == dump(restored) == dump(replayed) == dump(walk.market)
