"""Journal replay (issue 5): the market folded afresh from event 1 must give the projected
trades and positions to the byte.

Both sides are written in one canonical text (`projection_dump`, `replay_dump`): one line per
trade in id order, then one line per ledger in (account, asset) order; decimals at their
column's scale, instants in UTC.  Equal texts mean the tables are exactly the fold of the
journal.  The sequencer's head number is left out: it is not part of either table.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from app.domain.market import Market, Trade
from app.secondary.engine.projection import split_book
from app.secondary.engine.sequencer import canonical
from app.secondary.models import JournalEntry, MarketTrade, Position

PRICE_PLACES = Decimal("0.0001")
MONEY_PLACES = Decimal("0.01")


@dataclass
class Replayed:
    """The market folded from the journal, with every trade it made (the market itself keeps
    only unsettled ones) and each trade's price and time as the projection wrote them."""
    market: Market = field(default_factory=Market)
    trades: dict[int, Trade] = field(default_factory=dict)
    prices: dict[int, Decimal] = field(default_factory=dict)
    times: dict[int, datetime] = field(default_factory=dict)


def consistent_read(session) -> None:
    """Start a transaction that sees one state of the database throughout: on PostgreSQL a
    REPEATABLE READ snapshot (workers may keep trading); SQLite's transactions already are."""
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def replay_journal(session, head: int | None = None) -> Replayed:
    """Fold the journal up to `head` from an empty market, ignoring snapshots."""
    replayed = Replayed()
    query = select(JournalEntry.seq, JournalEntry.payload, JournalEntry.at).order_by(JournalEntry.seq)
    if head is not None:
        query = query.where(JournalEntry.seq <= head)
    for seq, payload, at in session.execute(query).yield_per(5_000):
        effects = replayed.market.apply(seq, json.loads(payload))
        for trade in effects.trades:
            if trade.trade_id not in replayed.trades:
                replayed.trades[trade.trade_id] = trade
                replayed.prices[trade.trade_id] = replayed.market.books[trade.book].terms.price(trade.ticks)
                replayed.times[trade.trade_id] = at
    return replayed


def replay_dump(replayed: Replayed) -> str:
    lines = []
    for trade_id in sorted(replayed.trades):
        trade = replayed.trades[trade_id]
        instrument_id, code = split_book(trade.book)
        lines.append(_trade_line(trade.trade_id, trade.seq, instrument_id, code, trade.kind,
                                 trade.buy_order, trade.sell_order, trade.buyer, trade.seller,
                                 replayed.prices[trade_id], trade.lots, trade.units, trade.amount,
                                 trade.trade_day, trade.settles_on, trade.status,
                                 replayed.times[trade_id]))
    for (account, asset), ledger in sorted(replayed.market.ledgers.items()):
        lines.append(_position_line(account, asset, ledger.to_dict()))
    return "".join(line + "\n" for line in lines)


def projection_dump(session) -> str:
    lines = []
    for t in session.scalars(select(MarketTrade).order_by(MarketTrade.id)):
        lines.append(_trade_line(t.id, t.seq, t.instrument_id, t.settlement_code, t.kind,
                                 t.buy_order_id, t.sell_order_id, t.buyer_account_id,
                                 t.seller_account_id, t.price, t.lots, t.quantity, t.amount,
                                 t.trade_day, t.settles_on, t.status, t.traded_at))
    rows = session.execute(select(Position.account_id, Position.asset, Position.ledger)
                           .order_by(Position.account_id, Position.asset))
    for account, asset, ledger in rows:
        lines.append(_position_line(account, asset, json.loads(ledger)))
    return "".join(line + "\n" for line in lines)


def _trade_line(trade_id, seq, instrument_id, code, kind, buy_order, sell_order, buyer, seller,
                price, lots, quantity, amount, trade_day, settles_on, status, at) -> str:
    return " ".join(str(part) for part in (
        "trade", trade_id, seq, instrument_id, code, kind, _id(buy_order), _id(sell_order), buyer,
        seller, _fixed(price, PRICE_PLACES), lots, quantity, _fixed(amount, MONEY_PLACES),
        trade_day.isoformat(), settles_on.isoformat(), status,
        at.astimezone(UTC).isoformat(timespec="microseconds")))


def _position_line(account: int, asset: str, ledger: dict) -> str:
    return f"position {account} {asset} {canonical(ledger)}"


def _id(value) -> str:
    return "-" if value is None else str(value)


def _fixed(value: Decimal, places: Decimal) -> str:
    """At the column's scale; a value with more places is shown in full so it still differs."""
    quantized = value.quantize(places)
    return f"{quantized if quantized == value else value:f}"


def first_difference(expected: str, found: str) -> str | None:
    """The first line where the replayed text and the projected text part, or None."""
    replayed, projected = expected.splitlines(), found.splitlines()
    for number, (left, right) in enumerate(zip(replayed, projected), start=1):
        if left != right:
            return f"line {number}:\n  journal:    {left}\n  projection: {right}"
    if len(replayed) != len(projected):
        number = min(len(replayed), len(projected)) + 1
        left = replayed[number - 1] if len(replayed) >= number else "(nothing)"
        right = projected[number - 1] if len(projected) >= number else "(nothing)"
        return f"line {number}:\n  journal:    {left}\n  projection: {right}"
    return None
