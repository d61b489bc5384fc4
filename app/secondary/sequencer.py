"""The market's sequencer: the only writer of the journal and of the tables projected from it.

How it stays correct with several gunicorn workers (README, "Secondary market"):

- A call first locks the single `market_sequencer` row (an UPDATE, so PostgreSQL takes a row
  lock and SQLite its write lock).  Whoever holds it is the sequencer for every book; the
  others wait.  Cover is shared across instruments (one account's money backs orders in many
  books), so one lock for the market keeps every check exact.
- Each worker keeps the market state in memory.  Under the lock it first folds in the events
  other workers journaled since it last looked (or loads the latest snapshot and the journal
  after it: that is also how a fresh worker rebuilds the books), then sequences its batch.
- The journal rows, the projected orders/trades/positions and the new head are committed in
  one transaction before any caller is answered.  If anything fails, the in-memory state is
  dropped and rebuilt from the journal on the next call, so it can never run ahead of it.
- Commands in one call share one commit (the API's batch endpoint and the benchmark use it).
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, select, update

from app.domain.market import Effects, Market
from app.secondary.context import Context
from app.secondary.models import JournalEntry, MarketSnapshot, SequencerHead
from app.secondary.projection import Projection

SNAPSHOT_EVERY = 20_000
_LOCK = threading.Lock()


class _Cache:
    market: Market | None = None
    last: str | None = None      # payload of the cached market's last event: proves it is ours


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass
class Batch:
    """One sequenced transaction: commands emit events; effects become projected rows."""
    session: object
    market: Market
    at: datetime
    projection: Projection
    context: Context
    journal: list[dict] = field(default_factory=list)
    keys: dict[tuple[int, str], int] = field(default_factory=dict)   # idempotency key → seq

    def emit(self, event: dict, *, organisation_id=None, user_id=None, key=None) -> Effects:
        seq = self.market.seq + 1
        if key is not None:
            self.keys[(organisation_id, key)] = seq
        effects = self.market.apply(seq, event)
        self.journal.append({"seq": seq, "kind": event["kind"], "payload": canonical(event),
                             "at": self.at, "organisation_id": organisation_id,
                             "user_id": user_id, "idempotency_key": key})
        self.projection.absorb(seq, event, effects)
        return effects


def submit(session, commands: list, at: datetime) -> list:
    """Sequence `commands` (objects with `run(batch)`), commit, and return their results."""
    with _LOCK:
        session.commit()   # the sequenced transaction starts clean, so it can take the lock
        try:
            _fold_committed(session)
            session.commit()
            results = _run(session, commands, at)
            session.commit()
        except BaseException:
            session.rollback()
            _Cache.market = None
            raise
    return results


def _run(session, commands: list, at: datetime) -> list:
    head = _take_head(session)
    market = _caught_up(session, head)
    batch = Batch(session, market, at, Projection(session, market, at), Context(session, at))
    batch.keys.update(_known_keys(session, commands))
    results = [command.run(batch) for command in commands]
    if not batch.journal:
        _Cache.market = market
        return results
    session.execute(insert(JournalEntry.__table__), batch.journal)   # Core: no ORM bookkeeping
    _Cache.last = batch.journal[-1]["payload"]
    batch.projection.write()
    session.execute(update(SequencerHead).where(SequencerHead.id == 1).values(seq=market.seq))
    if market.seq // SNAPSHOT_EVERY != head // SNAPSHOT_EVERY:
        write_snapshot(session, market, at)
    _Cache.market = market
    return results


def _known_keys(session, commands: list) -> dict[tuple[int, str], int]:
    """The batch's idempotency keys already journaled, found with one query."""
    keys = {command.key for command in commands if getattr(command, "key", None)}
    if not keys:
        return {}
    rows = session.execute(select(JournalEntry.organisation_id, JournalEntry.idempotency_key,
                                  JournalEntry.seq).where(JournalEntry.idempotency_key.in_(keys)))
    return {(organisation, key): seq for organisation, key, seq in rows}


def _fold_committed(session) -> None:
    """Fold what other workers have already committed before queueing for the lock, so the
    time under the lock is spent on this worker's own instructions.  Journal rows commit in
    sequence order (each under the lock), so reading them unlocked sees a gapless prefix."""
    market = _Cache.market
    if market is None or not _same_journal(session, market.seq, _Cache.last):
        return
    last = fold(market, journal_after(session, market.seq, None))
    if last is not None:
        _Cache.last = last


def _take_head(session) -> int:
    locked = session.execute(update(SequencerHead).where(SequencerHead.id == 1)
                             .values(seq=SequencerHead.seq))
    if not locked.rowcount:
        session.add(SequencerHead(id=1, seq=0))
        session.flush()
    return session.execute(select(SequencerHead.seq).where(SequencerHead.id == 1)).scalar_one()


def _caught_up(session, head: int) -> Market:
    market, last = _Cache.market, _Cache.last
    _Cache.market = None      # put back only after a clean run
    if market is None or market.seq > head or not _same_journal(session, market.seq, last):
        market = load_market(session, head)
        _Cache.last = session.scalar(select(JournalEntry.payload).where(JournalEntry.seq == market.seq))
    elif market.seq < head:
        _Cache.last = fold(market, journal_after(session, market.seq, head))
    return market


def _same_journal(session, seq: int, payload: str | None) -> bool:
    """The cached state is this database's journal up to `seq` (not another database's, or a
    batch that was rolled back and whose numbers were reused)."""
    if seq == 0:
        return True
    return session.scalar(select(JournalEntry.payload).where(JournalEntry.seq == seq)) == payload


def load_market(session, head: int | None = None) -> Market:
    """Latest snapshot at or before `head`, then every journaled event after it."""
    query = select(MarketSnapshot).order_by(MarketSnapshot.seq.desc()).limit(1)
    if head is not None:
        query = query.where(MarketSnapshot.seq <= head)
    snapshot = session.scalars(query).first()
    market = Market.from_snapshot(json.loads(snapshot.payload)) if snapshot else Market()
    fold(market, journal_after(session, market.seq, head))
    return market


def journal_after(session, seq: int, head: int | None):
    query = select(JournalEntry.seq, JournalEntry.payload).where(JournalEntry.seq > seq)
    if head is not None:
        query = query.where(JournalEntry.seq <= head)
    return session.execute(query.order_by(JournalEntry.seq)).yield_per(5_000)


def fold(market: Market, rows) -> str | None:
    """Apply journal rows in order; returns the last payload applied."""
    payload = None
    for seq, payload in rows:
        market.apply(seq, json.loads(payload))
    return payload


def write_snapshot(session, market: Market, at: datetime) -> None:
    if session.get(MarketSnapshot, market.seq) is None:
        session.add(MarketSnapshot(seq=market.seq, payload=canonical(market.to_snapshot()), at=at))
        session.flush()


def forget() -> None:
    """Drop this process's in-memory market (tests simulate a restarted worker with it)."""
    with _LOCK:
        _Cache.market = None


def replay(session) -> Market:
    """The market folded from the journal alone, from event 1, ignoring snapshots."""
    market = Market()
    fold(market, journal_after(session, 0, None))
    return market
