"""Group commit (issue 11): single instructions sent at once by many threads of one process
share one sequenced transaction; each caller is answered with its own result after that
commit, exactly once in the journal, as a serial run of the journal answers it; a refused or
failing instruction in a group leaves the others as they would be without it."""
import json
import threading
import time
from decimal import Decimal

import pytest
from flask import session
from flask_babel import refresh
from sqlalchemy import func, select

from app.domain.market import Market
from app.extensions import db
from app.secondary.balances import BalanceRow, BalancesRefused, LoadBalances
from app.secondary.engine import sequencer
from app.secondary.engine.commands import Ack, PlaceOrder
from app.secondary.messages import MarketError
from app.secondary.models import JournalEntry
from app.secondary.trading import services
from tests.secondary.test_journal import assert_journal_sound, assert_replay_matches

THREADS = 12


class HeldFirstGroup:
    """Records every sequenced group's size; the first group is held until `behind` requests
    queue after it, so the next group is known to hold them all."""

    def __init__(self, monkeypatch, behind: int):
        self.sizes, self.behind = [], behind
        self._commit = sequencer._commit
        monkeypatch.setattr(sequencer, "_commit", self.commit)

    def commit(self, group):
        if not self.sizes:
            deadline = time.monotonic() + 30
            while len(sequencer._GROUPS._queue) < self.behind:
                assert time.monotonic() < deadline, "the other callers never queued"
                time.sleep(0.005)
        self.sizes.append(len(group))
        return self._commit(group)


def run_at_once(app, commands: list) -> list:
    """Each command from a thread of its own, in its own app context (a request); what each
    call returned, or the exception it raised."""
    db.session.commit()      # the test's own transaction holds no lock while the threads trade
    outcomes = [None] * len(commands)
    start = threading.Barrier(len(commands))

    def call(number: int) -> None:
        with app.app_context():
            start.wait()
            try:
                outcomes[number] = services.execute(db.session, commands[number])
            except Exception as error:      # noqa: BLE001 — the outcome under test
                outcomes[number] = error

    threads = [threading.Thread(target=call, args=(number,)) for number in range(len(commands))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive()
    return outcomes


def crossing_orders(cast, count: int, tag: str) -> list[PlaceOrder]:
    """Alpha buys and Beta sells the share in turn, at prices that cross: trades happen."""
    alpha, beta, share = cast["alpha"].id, cast["beta"].id, cast["share"].id
    accounts = {alpha: cast["alpha_own"].id, beta: cast["beta_own"].id}
    orders = []
    for number in range(count):
        organisation, side = (alpha, "buy") if number % 2 else (beta, "sell")
        price = Decimal("30000") + Decimal(number % 5 - 2) * 10
        orders.append(PlaceOrder(organisation, accounts[organisation], share, "T0", side, "limit",
                                 1 + number % 3, price, key=f"{tag}-{number}"))
    return orders


def answer(ack: Ack) -> tuple:
    return ack.order_id, ack.status, [(trade.trade_id, trade.lots) for trade in ack.trades]


def serial_answers(session) -> dict[int, tuple]:
    """Each placed order's answer as one serial fold of the journal gives it, by seq."""
    market, answers = Market(), {}
    for seq, payload in sequencer.journal_after(session, 0, None):
        event = json.loads(payload)
        effects = market.apply(seq, event)
        if event["kind"] == "order":
            trades = [(t.trade_id, t.lots) for t in effects.trades if seq in (t.buy_order, t.sell_order)]
            answers[seq] = (seq, effects.orders[seq].status, trades)
    return answers


def journaled_keys(session) -> list[tuple[str, int]]:
    return list(session.execute(select(JournalEntry.idempotency_key, JournalEntry.seq)
                                .where(JournalEntry.idempotency_key.is_not(None))))


@pytest.fixture
def cast(market_cast) -> dict:
    return market_cast


def test_concurrent_single_orders_share_one_commit_and_each_is_journaled_once(app, cast, monkeypatch):
    held = HeldFirstGroup(monkeypatch, behind=THREADS - 1)
    orders = crossing_orders(cast, THREADS, "screen")

    acks = run_at_once(app, orders)

    assert held.sizes == [1, THREADS - 1]
    assert all(isinstance(ack, Ack) and not ack.duplicate for ack in acks), acks
    keys = dict(journaled_keys(db.session))
    assert len(journaled_keys(db.session)) == len(keys) == THREADS
    assert [keys[order.key] for order in orders] == [ack.seq for ack in acks]
    serial = serial_answers(db.session)
    assert [answer(ack) for ack in acks] == [serial[ack.seq] for ack in acks]
    assert any(ack.trades for ack in acks)
    assert_journal_sound(db.session)
    assert_replay_matches(db.session)


def test_a_refused_or_failing_instruction_leaves_the_rest_of_its_group_alone(app, cast, monkeypatch):
    balance_events = db.session.scalar(select(func.count()).where(JournalEntry.kind == "balance"))
    orders = crossing_orders(cast, THREADS - 2, "group")
    too_big = PlaceOrder(cast["alpha"].id, cast["alpha_own"].id, cast["share"].id, "T0", "buy", "limit",
                         10_000, Decimal("30000"), key="too-big")
    # Journals its good row, then raises on the bad one: nothing of it may stay.
    half_bad = LoadBalances([BalanceRow(1, "ALPHA_OWN", "KZT", Decimal("5")),
                             BalanceRow(2, "NO_SUCH", "KZT", Decimal("5"))])
    held = HeldFirstGroup(monkeypatch, behind=THREADS - 1)

    outcomes = run_at_once(app, [*orders, too_big, half_bad])

    *acks, refused, failed = outcomes
    assert isinstance(refused, MarketError) and refused.code == "insufficient_cover"
    assert isinstance(failed, BalancesRefused) and [row for row, _message in failed.problems] == [2]
    assert all(isinstance(ack, Ack) for ack in acks), acks
    assert held.sizes[0] == 1 and sum(held.sizes[1:]) >= THREADS - 1
    keys = dict(journaled_keys(db.session))
    assert sorted(keys) == sorted(order.key for order in orders)
    assert db.session.scalar(select(func.count()).where(JournalEntry.kind == "balance")) == balance_events
    serial = serial_answers(db.session)
    assert [answer(ack) for ack in acks] == [serial[ack.seq] for ack in acks]
    assert_journal_sound(db.session)
    assert_replay_matches(db.session)


def test_one_key_sent_twice_in_one_group_places_one_order(app, cast, monkeypatch):
    orders = crossing_orders(cast, THREADS - 1, "twice")
    orders.append(orders[-1])
    HeldFirstGroup(monkeypatch, behind=THREADS - 1)

    acks = run_at_once(app, orders)

    assert all(isinstance(ack, Ack) for ack in acks), acks
    assert acks[-1].order_id == acks[-2].order_id
    assert sorted([acks[-1].duplicate, acks[-2].duplicate]) == [False, True]
    assert len(journaled_keys(db.session)) == THREADS - 1
    assert_journal_sound(db.session)


def test_a_refusal_in_another_callers_group_is_worded_in_its_requesters_language(app, cast):
    order = PlaceOrder(cast["alpha"].id, cast["alpha_own"].id, cast["share"].id, "T0", "buy", "limit",
                       1, Decimal("40000"))
    with pytest.raises(MarketError) as refusal:
        services.execute(db.session, order)
    for language, words in (("en", "The price is outside today's corridor"), ("kk", None), ("ru", None)):
        with app.test_request_context():
            session["lang"] = language
            refresh()        # the locale is cached on the app context, which this request shares
            shown = str(refusal.value.message)
        assert shown.startswith(words) if words else not shown.startswith("The price"), (language, shown)
