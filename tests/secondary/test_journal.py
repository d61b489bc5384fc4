"""The journal is the market (issue 5): folding it afresh gives the projected trades and
positions byte for byte, a restarted worker rebuilds the same books, snapshots shorten the
rebuild without changing it, and several workers — apps of one process or OS processes —
never lose or double an order or a fill."""
import json
import multiprocessing
import random
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from app import create_app
from app.extensions import db
from app.secondary.engine import sequencer
from app.secondary.engine.commands import AmendOrder, CancelOrder, PlaceOrder
from app.secondary.engine.day import CloseDay, LoadBalance, SettlementAnswer
from app.secondary.engine.direct import AnswerDirectDeal, OfferDirectDeal
from app.secondary.engine.replay import first_difference, projection_dump, replay_dump, replay_journal
from app.secondary.messages import MarketError
from app.secondary.models import (JournalEntry, MarketOrder, MarketSnapshot, MarketTrade, Position,
                                  SequencerHead, TradingSession)
from app.secondary.reference import services as reference
from app.secondary.trading import services
from tests.conftest import base_config
from tests.secondary.conftest import BALANCES, DAY, almaty, load_balances, open_day

DAY2, DAY3 = date(2027, 3, 11), date(2027, 3, 12)
PRICE = Decimal


# --- checks every test of the journal ends with ------------------------------------------------

def assert_replay_matches(session) -> None:
    """The journal folded from event 1 gives the projected trades and positions to the byte."""
    replayed = replay_dump(replay_journal(session))
    projected = projection_dump(session)
    assert replayed == projected, first_difference(replayed, projected)
    assert replayed.count("\n") > 0


def assert_journal_sound(session) -> int:
    """Gapless seqs 1..head; each order once, its fills summing to its filled lots; live orders
    as the replayed books hold them. Returns the head."""
    seqs = list(session.scalars(select(JournalEntry.seq).order_by(JournalEntry.seq)))
    head = session.scalar(select(SequencerHead.seq))
    assert seqs == list(range(1, head + 1))
    keys = session.execute(select(JournalEntry.organisation_id, JournalEntry.idempotency_key)
                           .where(JournalEntry.idempotency_key.is_not(None))).all()
    assert len(keys) == len(set(keys))
    trade_ids = list(session.scalars(select(MarketTrade.id)))
    assert len(trade_ids) == len(set(trade_ids))
    filled = {}
    for buy, sell, lots in session.execute(select(MarketTrade.buy_order_id, MarketTrade.sell_order_id,
                                                  MarketTrade.lots)):
        for order_id in (buy, sell):
            filled[order_id] = filled.get(order_id, 0) + lots
    placing = set(session.scalars(select(JournalEntry.seq).where(
        JournalEntry.kind.in_(("order", "direct", "direct_accept")))))
    orders = session.execute(select(MarketOrder.id, MarketOrder.seq, MarketOrder.lots, MarketOrder.filled_lots,
                                    MarketOrder.remaining_lots, MarketOrder.status)).all()
    assert {order.id for order in orders} == placing            # each placed order projected once
    live = {}
    for order in orders:
        assert order.id == order.seq
        assert order.filled_lots == filled.get(order.id, 0), order
        if order.status in ("active", "partial", "offered"):
            assert order.filled_lots + order.remaining_lots == order.lots, order
            live[order.id] = order.remaining_lots
    market = sequencer.replay(session)
    assert live == {order_id: order.remaining for order_id, order in market.orders.items()}
    return head


def snapshot_text(market) -> str:
    return json.dumps(market.to_snapshot(), sort_keys=True)


# --- a desk that runs commands and writes down what each one answered --------------------------

class Desk:
    def __init__(self, cast, clock, restart=lambda: None):
        self.cast, self.clock, self.restart = cast, clock, restart
        self.alpha, self.beta = cast["alpha"].id, cast["beta"].id
        self.alpha_own, self.alpha_clients = cast["alpha_own"].id, cast["alpha_clients"].id
        self.beta_own = cast["beta_own"].id
        self.share, self.bond = cast["share"].id, cast["bond"].id
        self.answers: list[str] = []

    def run(self, command):
        result = services.execute_many(db.session, [command])[0]
        self.answers.append(describe(result))
        return result

    def buy(self, account, instrument, code, lots, price=None, **extra):
        return self.place(account, instrument, code, "buy", lots, price, **extra)

    def sell(self, account, instrument, code, lots, price=None, **extra):
        return self.place(account, instrument, code, "sell", lots, price, **extra)

    def place(self, account, instrument, code, side, lots, price, **extra):
        organisation = self.beta if account == self.beta_own else self.alpha
        kind = "limit" if price is not None else "market"
        return self.run(PlaceOrder(organisation, account, instrument, code, side, kind, lots,
                                   None if price is None else PRICE(price), **extra))


def describe(result) -> str:
    if isinstance(result, MarketError):
        return f"refused {result.code}"
    trades = ",".join(f"{t.trade_id}:{t.lots}@{t.ticks}/{t.status}" for t in result.trades)
    return f"{result.seq} {result.order_id} {result.status} [{trades}] {result.duplicate}"


def set_prices(cast, day) -> None:
    reference.set_reference_price(db.session, cast["share"], day, PRICE("30000"))
    reference.set_reference_price(db.session, cast["bond"], day, PRICE("98"))
    db.session.commit()


def trading_days(desk: Desk) -> None:
    """Three days from the cast's open 10 March: T0 and T2 trades, amends, a cancel, a rejected
    and an accepted direct deal, refusals, a dated order that outlives a close, and a T2 deal
    that fails on 12 March, is agreed for a retry by both sides and then settles."""
    d = desk
    d.buy(d.alpha_own, d.share, "T0", 10, "30000")                  # rests; the amend below crosses it
    d.sell(d.beta_own, d.share, "T0", 4, "29900")                  # T0 trade, 4 @ 30000
    resting = d.sell(d.beta_own, d.share, "T0", 20, "30100")
    d.restart()
    d.run(AmendOrder(resting.order_id, d.beta, PRICE("30100"), 10))  # fewer lots: keeps priority
    d.run(AmendOrder(resting.order_id, d.beta, PRICE("30000"), 10))  # new price: loses priority, trades
    d.sell(d.beta_own, d.bond, "T2", 50, "98.5")
    d.buy(d.alpha_own, d.bond, "T2", 20)                            # market order: T2 trade
    cancelled = d.buy(d.alpha_own, d.bond, "T2", 10, "97.9")
    d.run(CancelOrder(cancelled.order_id, d.alpha))
    d.buy(d.alpha_own, d.share, "T2", 3, "29000", expires_on=DAY3)  # dated: outlives the close
    d.buy(d.alpha_clients, d.share, "T0", 1, "30100")               # refused: no client code
    d.buy(d.alpha_clients, d.share, "T0", 1, "30100", client_code="C-001")
    d.buy(d.alpha_own, d.share, "T0", 1000, "30000")                # refused: cover
    d.buy(d.alpha_own, d.share, "T0", 1, "40000")                   # refused: corridor
    offer = d.run(OfferDirectDeal(d.beta, d.beta_own, d.alpha, d.share, "T0", "sell", PRICE("30100"), 5))
    d.restart()
    d.run(AnswerDirectDeal(offer.order_id, d.alpha, True, d.alpha_own))
    offer = d.run(OfferDirectDeal(d.alpha, d.alpha_own, d.beta, d.bond, "T2", "buy", PRICE("98"), 10))
    d.run(AnswerDirectDeal(offer.order_id, d.beta, False))
    d.clock(almaty(DAY, 17, 30))
    d.run(CloseDay())
    d.restart()

    d.clock(almaty(DAY2, 10))
    open_day(DAY2)
    d.clock(almaty(DAY2, 12))
    d.sell(d.beta_own, d.bond, "T2", 10, "98.2")
    d.buy(d.alpha_own, d.bond, "T2", 10, "98.2")                    # T2 trade due 15 March
    d.restart()
    d.sell(d.beta_own, d.share, "T2", 2, "29000")                   # fills the dated order in part
    d.clock(almaty(DAY2, 17, 30))
    d.run(CloseDay())

    d.clock(almaty(DAY3, 10))
    open_day(DAY3)
    d.run(LoadBalance("BETA_OWN", "MUM084_0017", "10"))             # short of the 20 due today
    d.clock(almaty(DAY3, 17, 30))
    d.run(CloseDay())                                               # the dated order expires
    failed = db.session.scalar(select(MarketTrade.id).where(MarketTrade.status == "failed"))
    d.run(SettlementAnswer(failed, "retry", d.beta))
    d.restart()
    d.run(LoadBalance("BETA_OWN", "MUM084_0017", "500"))
    d.run(SettlementAnswer(failed, "retry", d.alpha))               # both agreed: delivered


@pytest.fixture
def desk(market_cast, clock) -> Desk:
    for day in (DAY2, DAY3):
        set_prices(market_cast, day)
    return Desk(market_cast, clock)


# --- (a) replay --------------------------------------------------------------------------------

def test_replaying_the_journal_gives_the_projected_trades_and_positions(desk):
    trading_days(desk)

    refusals = [answer for answer in desk.answers if answer.startswith("refused")]
    assert refusals == ["refused client_code_required", "refused insufficient_cover", "refused outside_corridor"]
    trades = db.session.execute(select(MarketTrade.settlement_code, MarketTrade.kind, MarketTrade.status)).all()
    assert {("T0", "book", "settled"), ("T0", "direct", "settled"), ("T2", "book", "settled"),
            ("T2", "book", "pending")} == set(trades)
    statuses = set(db.session.scalars(select(MarketOrder.status)))
    assert {"filled", "cancelled", "expired", "rejected"} <= statuses
    journal_kinds = set(db.session.scalars(select(JournalEntry.kind)))
    assert {"amend", "cancel", "direct", "direct_accept", "direct_reject", "close", "settle",
            "settle_retry", "open_day", "balance", "terms"} <= journal_kinds

    assert_replay_matches(db.session)
    assert snapshot_text(sequencer.replay(db.session)) == snapshot_text(sequencer.replay(db.session))
    assert snapshot_text(sequencer.replay(db.session)) == snapshot_text(replay_journal(db.session).market)
    assert_journal_sound(db.session)


def test_replay_notices_a_projection_that_is_not_the_journal(desk):
    """The comparison can fail: one position edited behind the sequencer's back shows."""
    trading_days(desk)
    row = db.session.scalars(select(Position).order_by(Position.account_id, Position.asset)).first()
    ledger = json.loads(row.ledger)
    ledger["incoming"] = str(Decimal(ledger["incoming"]) + 1)
    row.ledger = json.dumps(ledger, sort_keys=True)
    db.session.commit()

    replayed, projected = replay_dump(replay_journal(db.session)), projection_dump(db.session)
    assert replayed != projected
    assert f"position {row.account_id} {row.asset}" in first_difference(replayed, projected)


# --- (b) rebuild -------------------------------------------------------------------------------

def wipe_market(session) -> None:
    """Back to an empty market on the same reference data: a second database, in effect."""
    for model in (Position, MarketTrade, MarketOrder, MarketSnapshot, JournalEntry, TradingSession,
                  SequencerHead):
        session.execute(delete(model))
    session.commit()
    sequencer.forget()


def restart_worker() -> None:
    """A fresh worker: its books are gone and come back from the database alone."""
    sequencer.forget()
    assert sequencer._Cache.market is None


def test_a_restarted_worker_rebuilds_the_books_and_goes_on_as_if_never_stopped(desk, market_cast, clock):
    trading_days(desk)
    uninterrupted, dump = desk.answers, projection_dump(db.session)
    journal = list(db.session.execute(select(JournalEntry.seq, JournalEntry.payload).order_by(JournalEntry.seq)))

    wipe_market(db.session)
    clock(almaty(DAY, 12))
    open_day(DAY)
    load_balances(BALANCES)
    restarted = Desk(market_cast, clock, restart=restart_worker)
    trading_days(restarted)

    assert restarted.answers == uninterrupted
    assert projection_dump(db.session) == dump
    assert list(db.session.execute(select(JournalEntry.seq, JournalEntry.payload)
                                   .order_by(JournalEntry.seq))) == journal
    assert_replay_matches(db.session)


def test_a_fresh_worker_rebuilds_resting_orders_with_their_time_priority(desk):
    d = desk
    early = d.sell(d.beta_own, d.share, "T0", 3, "30000")
    late = d.sell(d.beta_own, d.share, "T0", 3, "30000")
    before = snapshot_text(sequencer._Cache.market)
    restart_worker()

    taker = d.buy(d.alpha_own, d.share, "T0", 4, "30000")

    assert [(t.sell_order, t.lots) for t in taker.trades] == [(early.order_id, 3), (late.order_id, 1)]
    rebuilt = sequencer.load_market(db.session, taker.seq - 1)
    assert snapshot_text(rebuilt) == before
    assert snapshot_text(sequencer._Cache.market) == snapshot_text(sequencer.replay(db.session))
    assert_replay_matches(db.session)


# --- (c) snapshots -----------------------------------------------------------------------------

def test_snapshots_are_written_and_a_rebuild_from_one_equals_the_full_replay(desk, monkeypatch):
    monkeypatch.setattr(sequencer, "SNAPSHOT_EVERY", 7)
    trading_days(desk)

    desk.run(LoadBalance("ALPHA_OWN", "KZT", "5"))      # one event past the last snapshot

    snapshots = list(db.session.scalars(select(MarketSnapshot).order_by(MarketSnapshot.seq)))
    head = db.session.scalar(select(SequencerHead.seq))
    assert len(snapshots) >= 3 and snapshots[-1].seq < head
    for snapshot in snapshots:      # each is the journal's fold up to its seq
        assert snapshot.payload == sequencer.canonical(replay_journal(db.session, snapshot.seq).market.to_snapshot())
    rebuilt = sequencer.load_market(db.session)
    assert rebuilt.seq == head
    assert snapshot_text(rebuilt) == snapshot_text(sequencer.replay(db.session))

    restart_worker()                # and a worker that starts from the snapshot trades on alike
    desk.run(LoadBalance("ALPHA_OWN", "KZT", "6"))
    assert desk.answers[-1].startswith(f"{head + 1} ")
    assert snapshot_text(sequencer._Cache.market) == snapshot_text(sequencer.replay(db.session))
    assert_replay_matches(db.session)
    assert_journal_sound(db.session)


def test_a_rebuild_starts_from_the_latest_snapshot(desk, monkeypatch):
    """The journal before a snapshot is not read again: a snapshot stands for it."""
    monkeypatch.setattr(sequencer, "SNAPSHOT_EVERY", 5)
    d = desk
    for _ in range(4):
        d.sell(d.beta_own, d.share, "T0", 1, "30500")
    snapshot = db.session.scalar(select(MarketSnapshot).order_by(MarketSnapshot.seq.desc()).limit(1))
    assert snapshot is not None
    read = []
    original = sequencer.journal_after
    monkeypatch.setattr(sequencer, "journal_after",
                        lambda session, seq, head: read.append(seq) or original(session, seq, head))
    restart_worker()

    d.buy(d.alpha_own, d.share, "T0", 2, "30500")

    assert read == [snapshot.seq]
    assert_replay_matches(db.session)


# --- (d) several workers -----------------------------------------------------------------------

class Worker:
    """An app of its own with a sequencer cache of its own: another gunicorn worker."""

    def __init__(self, app):
        self.app = app
        self.cache = type("WorkerCache", (), {"market": None, "last": None})

    @contextmanager
    def serving(self, monkeypatch):
        with monkeypatch.context() as patch, self.app.app_context():
            patch.setattr(sequencer, "_Cache", self.cache)
            yield


def test_two_workers_alternating_catch_up_with_each_other(app, make_app, market_cast, monkeypatch):
    alpha, beta = market_cast["alpha"].id, market_cast["beta"].id
    accounts = {alpha: market_cast["alpha_own"].id, beta: market_cast["beta_own"].id}
    share = market_cast["share"].id
    db.session.commit()     # this test's own session holds no lock while the workers trade
    workers = [Worker(app), Worker(make_app())]
    fills = []
    for turn in range(12):
        organisation, side = (alpha, "buy") if turn % 2 else (beta, "sell")
        with workers[turn % 2].serving(monkeypatch):
            ack = services.execute(db.session, PlaceOrder(organisation, accounts[organisation], share, "T0", side,
                                                          "limit", 2 + turn % 3, PRICE("30000"), key=f"t{turn}"))
            fills.append((ack.order_id, ack.status, [(t.buy_order, t.sell_order, t.lots) for t in ack.trades]))
            assert workers[turn % 2].cache.market.seq == ack.seq

    # Beta sells 2, 4, 3, 2, 4, 3 lots on the even turns, Alpha buys 3, 2, 4, 3, 2, 4 on the odd
    # ones, each on the other worker: every fill needs the other worker's orders.
    assert [(status, sum(lots for *_ids, lots in trades)) for _id, status, trades in fills] == [
        ("active", 0), ("partial", 2), ("partial", 1), ("filled", 2), ("active", 0), ("filled", 4),
        ("active", 0), ("partial", 2), ("partial", 1), ("filled", 2), ("active", 0), ("filled", 4)]
    traded = sum(lots for _id, _status, trades in fills for *_ids, lots in trades)
    assert traded == db.session.scalar(select(func.sum(MarketTrade.lots))) == 18
    assert_journal_sound(db.session)
    assert_replay_matches(db.session)
    db.session.commit()
    for worker in workers:
        with worker.serving(monkeypatch):
            services.execute(db.session, LoadBalance("ALPHA_OWN", "KZT", "10000000"))
            assert snapshot_text(worker.cache.market) == snapshot_text(sequencer.replay(db.session))


PROCESSES, ORDERS_PER_PROCESS = 3, 30


def place_from_process(database_url: str, number: int, accounts: dict, share: int, start, results) -> None:
    """One OS process: its own app and sequencer cache; places orders as fast as it can."""
    app = create_app(base_config(database_url))
    rng = random.Random(number)
    acknowledged = []
    with app.app_context():
        start.wait(timeout=60)
        for index in range(ORDERS_PER_PROCESS):
            organisation = rng.choice(sorted(accounts))
            side = rng.choice(("buy", "sell"))
            price = PRICE(29_990 + rng.randrange(21))
            key = f"p{number}-{index}"
            ack = services.execute(db.session, PlaceOrder(organisation, accounts[organisation], share, "T0", side,
                                                          "limit", rng.randint(1, 5), price, key=key))
            acknowledged.append((organisation, key, ack.order_id, sum(t.lots for t in ack.trades)))
        db.session.remove()
        db.engine.dispose()
    results.put((number, acknowledged))


def test_worker_processes_submitting_at_once_lose_and_double_nothing(database_url, market_cast):
    accounts = {market_cast["alpha"].id: market_cast["alpha_own"].id,
                market_cast["beta"].id: market_cast["beta_own"].id}
    share = market_cast["share"].id
    for account, asset in (("ALPHA_OWN", "KZT"), ("ALPHA_OWN", "KZTK"), ("BETA_OWN", "KZT"), ("BETA_OWN", "KZTK")):
        services.execute(db.session, LoadBalance(account, asset, "1000000000"))
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(PROCESSES), context.Queue()
    processes = [context.Process(target=place_from_process,
                                 args=(database_url, number, accounts, share, start, results))
                 for number in range(PROCESSES)]
    for process in processes:
        process.start()
    answers = dict(results.get(timeout=120) for _process in processes)
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0

    db.session.commit()
    acknowledged = [ack for number in range(PROCESSES) for ack in answers[number]]
    assert len(acknowledged) == PROCESSES * ORDERS_PER_PROCESS
    ids = [order_id for _org, _key, order_id, _lots in acknowledged]
    rows = db.session.execute(select(MarketOrder.id, MarketOrder.organisation_id).where(MarketOrder.id.in_(ids))).all()
    assert sorted(row.id for row in rows) == sorted(ids)                    # each exactly once
    journaled = dict(db.session.execute(select(JournalEntry.idempotency_key, JournalEntry.seq)
                                        .where(JournalEntry.idempotency_key.is_not(None))).all())
    assert journaled == {key: order_id for _org, key, order_id, _lots in acknowledged}
    assert db.session.scalar(select(func.count()).select_from(MarketTrade)) > 0
    assert_journal_sound(db.session)
    assert_replay_matches(db.session)
