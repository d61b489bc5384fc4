"""What the exchange watches: every book's live orders and the day's trading, halts, and the
newest journal entries with the sequencer's head.  Reads only, from the projected tables."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from app.auth.models import Organisation, User
from app.secondary.models import LIVE, TRADED, Instrument, JournalEntry, MarketOrder, MarketTrade, SequencerHead


@dataclass(frozen=True)
class BookWatch:
    instrument: Instrument
    code: str
    live_orders: int
    best_bid: Decimal | None
    best_ask: Decimal | None
    bid_lots: int
    ask_lots: int
    last: Decimal | None
    lots: int
    amount: Decimal
    trades: int


@dataclass(frozen=True)
class JournalLine:
    seq: int
    kind: str
    at: datetime
    firm: str | None
    login: str | None


def books(session, day: date) -> list[BookWatch]:
    """One line per instrument and settlement code, halted or not."""
    live = _live_sides(session)
    traded = _day_trades(session, day)
    last = _last_prices(session, day)
    out = []
    for instrument in session.scalars(select(Instrument).order_by(Instrument.code)):
        for code in instrument.codes:
            key = (instrument.id, code)
            buy, sell = live.get((*key, "buy"), (0, 0, None)), live.get((*key, "sell"), (0, 0, None))
            lots, amount, count = traded.get(key, (0, Decimal(0), 0))
            out.append(BookWatch(instrument, code, buy[0] + sell[0], buy[2], sell[2], buy[1], sell[1],
                                 last.get(key), lots, amount, count))
    return out


def _live_sides(session) -> dict:
    """(instrument, code, side) → (orders, lots, best price) of the live book orders."""
    rows = session.execute(
        select(MarketOrder.instrument_id, MarketOrder.settlement_code, MarketOrder.side, func.count(),
               func.sum(MarketOrder.remaining_lots), func.max(MarketOrder.price), func.min(MarketOrder.price))
        .where(MarketOrder.board == "book", MarketOrder.status.in_(LIVE))
        .group_by(MarketOrder.instrument_id, MarketOrder.settlement_code, MarketOrder.side))
    return {(instrument, code, side): (count, int(lots or 0), high if side == "buy" else low)
            for instrument, code, side, count, lots, high, low in rows}


def _day_trades(session, day: date) -> dict:
    rows = session.execute(
        select(MarketTrade.instrument_id, MarketTrade.settlement_code, func.sum(MarketTrade.lots),
               func.sum(MarketTrade.amount), func.count())
        .where(MarketTrade.trade_day == day, MarketTrade.kind.in_(TRADED))
        .group_by(MarketTrade.instrument_id, MarketTrade.settlement_code))
    return {(instrument, code): (int(lots or 0), Decimal(amount or 0), count)
            for instrument, code, lots, amount, count in rows}


def _last_prices(session, day: date) -> dict:
    newest = (select(func.max(MarketTrade.id))
              .where(MarketTrade.trade_day == day, MarketTrade.kind.in_(TRADED))
              .group_by(MarketTrade.instrument_id, MarketTrade.settlement_code))
    rows = session.execute(select(MarketTrade.instrument_id, MarketTrade.settlement_code, MarketTrade.price)
                           .where(MarketTrade.id.in_(newest)))
    return {(instrument, code): price for instrument, code, price in rows}


def unsettled(session, day: date) -> list[MarketTrade]:
    """Failed deals (whatever their date) and deals still due by `day`, failed first."""
    query = (select(MarketTrade)
             .where((MarketTrade.status == "failed")
                    | ((MarketTrade.status == "pending") & (MarketTrade.settles_on <= day)))
             .order_by(MarketTrade.status != "failed", MarketTrade.settles_on, MarketTrade.id))
    return list(session.scalars(query))


def halted(session) -> list[Instrument]:
    return list(session.scalars(select(Instrument).where(Instrument.halted).order_by(Instrument.code)))


def journal_tail(session, limit: int = 30) -> list[JournalLine]:
    """The newest entries, newest first: who (firm and user) asked for each event."""
    rows = session.execute(
        select(JournalEntry.seq, JournalEntry.kind, JournalEntry.at, Organisation.name, User.login)
        .outerjoin(Organisation, Organisation.id == JournalEntry.organisation_id)
        .outerjoin(User, User.id == JournalEntry.user_id)
        .order_by(JournalEntry.seq.desc()).limit(limit))
    return [JournalLine(*row) for row in rows]


def head(session) -> int:
    return session.scalar(select(SequencerHead.seq).where(SequencerHead.id == 1)) or 0
