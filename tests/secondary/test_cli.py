"""`flask market …`: the trading day from the command line, incoming balances from a file (all
rows or none), and the journal checks — a replay that matches the tables after a trading day
and names the first difference once a projected trade is tampered with, and a snapshot."""
import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from app.domain.market import Market
from app.extensions import db
from app.secondary.engine import sequencer
from app.secondary.engine.commands import PlaceOrder
from app.secondary.engine.day import CloseDay
from app.secondary.models import JournalEntry, MarketOrder, MarketSnapshot, MarketTrade, Position, TradingSession
from app.secondary.trading import services
from tests.secondary.conftest import DAY, almaty, open_day

THURSDAY, FRIDAY = date(2027, 3, 11), date(2027, 3, 12)


def market(runner, *args: str):
    return runner.invoke(args=["market", *args])


def place(cast, firm: str, account: str, side: str, lots: int, price: str, instrument="share", code="T0"):
    return services.execute(db.session, PlaceOrder(cast[firm].id, cast[account].id, cast[instrument].id, code,
                                                   side, "limit", lots, Decimal(price)))


def journal_count() -> int:
    return db.session.scalar(select(func.count()).select_from(JournalEntry))


def session_of(day: date) -> TradingSession | None:
    db.session.expire_all()
    return db.session.scalar(select(TradingSession).where(TradingSession.trading_day == day))


# --- the trading day -------------------------------------------------------------------------

def test_close_the_day_then_open_the_next_with_its_own_times(runner, market_cast, clock):
    order = place(market_cast, "alpha", "alpha_own", "buy", 5, "29000")
    result = market(runner, "close-day")
    assert result.exit_code == 0, result.output
    assert db.session.get(MarketOrder, order.order_id).status == "expired"
    assert session_of(DAY).closed_seq is not None
    clock(almaty(THURSDAY, 9))
    result = market(runner, "open-day", "--opens", "10:00")
    assert result.exit_code == 0, result.output
    assert "opened 2027-03-11 10:00-17:00" in result.output
    opened = session_of(THURSDAY)
    assert (opened.opens_at, opened.closes_at) == (almaty(THURSDAY, 10), almaty(THURSDAY, 17))


@pytest.mark.parametrize("args, message", [
    ((), "The session of 2027-03-10 is still open; close it first."),
    (("--day", "2027-03-12"), "Only today's trading day (2027-03-11) can be opened."),
    (("--opens", "9h"), "Write the time as HH:MM"),
    (("--opens", "17:00", "--closes", "11:00"), "The session must close after it opens."),
])
def test_a_refused_opening_exits_1_with_the_reason(runner, market_cast, clock, args, message):
    clock(almaty(THURSDAY, 9))
    before = journal_count()
    result = market(runner, "open-day", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert journal_count() == before and session_of(THURSDAY) is None


def test_closing_a_closed_day_exits_1(runner, market_cast):
    assert market(runner, "close-day").exit_code == 0
    result = market(runner, "close-day")
    assert result.exit_code == 1 and "No trading session is open." in result.output


def test_advance_closes_the_session_only_once_its_time_has_passed(runner, market_cast, clock):
    clock(almaty(DAY, 16, 59))
    assert "nothing due" in market(runner, "advance").output
    assert session_of(DAY).closed_seq is None
    clock(almaty(DAY, 17))
    result = market(runner, "advance")
    assert result.exit_code == 0 and "session closed" in result.output
    assert session_of(DAY).closed_seq is not None
    assert "nothing due" in market(runner, "advance").output


# --- incoming balances -----------------------------------------------------------------------

def incoming(account, asset: str) -> str:
    db.session.expire_all()
    return json.loads(db.session.get(Position, (account.id, asset)).ledger)["incoming"]


def test_load_balances_from_a_csv_file(runner, market_cast, tmp_path):
    path = tmp_path / "balances.csv"
    path.write_text("account,asset,amount\nALPHA_OWN,KZT,123.45\nBETA_OWN,KZTK,9\n", encoding="utf-8")
    result = market(runner, "load-balances", str(path))
    assert result.exit_code == 0, result.output
    assert "2 balances loaded" in result.output
    assert incoming(market_cast["alpha_own"], "KZT") == "123.45"
    assert incoming(market_cast["beta_own"], "KZTK") == "9"


def test_a_file_with_a_bad_row_loads_nothing(runner, market_cast, tmp_path):
    path = tmp_path / "balances.csv"
    path.write_text("ALPHA_OWN;KZT;123,45\nBETA_OWN;KZTK;nine\n", encoding="utf-8")
    before = journal_count()
    result = market(runner, "load-balances", str(path))
    assert result.exit_code == 1
    assert "row 2: The amount nine is not a number." in result.output
    assert journal_count() == before
    assert incoming(market_cast["alpha_own"], "KZT") == "10000000"


# --- journal checks --------------------------------------------------------------------------

def trade_a_day(cast, clock) -> None:
    """A share T0 and a bond T+2, a resting order at the close, the T+2 deal settled on Friday."""
    place(cast, "beta", "beta_own", "sell", 4, "29900")
    place(cast, "alpha", "alpha_own", "buy", 6, "30000")
    place(cast, "beta", "beta_own", "sell", 20, "98.5", instrument="bond", code="T2")
    place(cast, "alpha", "alpha_own", "buy", 20, "98.5", instrument="bond", code="T2")
    for day in (THURSDAY, FRIDAY):
        services.execute(db.session, CloseDay())
        clock(almaty(day, 10))
        open_day(day)
    services.execute(db.session, CloseDay())


def test_replay_matches_after_a_trading_day_and_names_a_tampered_trade(runner, market_cast, clock):
    trade_a_day(market_cast, clock)
    assert db.session.scalar(select(MarketTrade.status).where(MarketTrade.settlement_code == "T2")) == "settled"
    result = market(runner, "replay")
    assert result.exit_code == 0, result.output
    assert "replay matches the tables" in result.output
    db.session.execute(update(MarketTrade).where(MarketTrade.id == 1).values(amount=Decimal("119600.01")))
    db.session.commit()
    result = market(runner, "replay")
    assert result.exit_code == 1
    assert "119600.00" in result.output and "119600.01" in result.output
    assert "journal:    trade 1 " in result.output


def test_replay_notices_a_position_the_journal_does_not_explain(runner, market_cast):
    db.session.execute(update(Position).where(Position.account_id == market_cast["beta_own"].id,
                                              Position.asset == "KZTK")
                       .values(ledger=json.dumps({"incoming": "101", "moved": "0", "due": {}, "blocked": {}})))
    db.session.commit()
    result = market(runner, "replay")
    assert result.exit_code == 1 and '"incoming":"101"' in result.output


def test_snapshot_holds_the_market_as_the_journal_folds_it(runner, market_cast):
    place(market_cast, "alpha", "alpha_own", "buy", 6, "30000")
    result = market(runner, "snapshot")
    assert result.exit_code == 0, result.output
    head = db.session.scalar(select(func.max(JournalEntry.seq)))
    assert f"snapshot at event {head}" in result.output
    stored = db.session.get(MarketSnapshot, head)
    restored = Market.from_snapshot(json.loads(stored.payload))
    assert restored.to_snapshot() == sequencer.replay(db.session).to_snapshot()
    assert market(runner, "snapshot").exit_code == 0          # the same head again: one row, no error
    assert db.session.scalar(select(func.count()).select_from(MarketSnapshot)) == 1
