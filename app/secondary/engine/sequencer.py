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
- Commands in one call share one commit (the API's batch endpoint and the benchmark use it),
  and so do concurrent calls in one process (group commit, `group_commit.py`): while one
  group is sequenced the next one queues, and its first caller sequences it for all of them
  in one transaction, answering each caller only after that commit.  A dealer's screen sends
  one order per request; this way they do not pay one commit each under the market's lock.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app.domain.market import Effects, Market
from app.secondary.engine.context import Context
from app.secondary.engine.group_commit import GroupCommit, Request
from app.secondary.engine.projection import Projection
from app.secondary.models import JournalEntry, MarketSnapshot, SequencerHead

SNAPSHOT_EVERY = 20_000
GROUP_LIMIT = 500            # commands per sequenced transaction, as the API's batch endpoint
_LOCK = threading.Lock()     # this process's in-memory market: one group at a time


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
    """Sequence `commands` (objects with `run(batch)`) with whatever else this process has
    queued, and return their results once that group is committed."""
    # The one commit of a request's session outside the request's edge, on purpose: the group
    # is sequenced in a session of its own (one transaction shared by many requests cannot be
    # any one request's), so what the caller wrote must be committed to be seen there, and on
    # SQLite an open transaction holds the write lock the group's leader is about to wait for.
    session.commit()
    return _GROUPS.submit(session.get_bind(), commands, at)


def _sequence(group: list[Request]) -> None:
    """One transaction for the whole group.  A request whose command raises (not a refusal:
    that is a result) gets its own error, and the others are sequenced again without it."""
    while group:
        try:
            outcomes = _commit(group)
        except _RequestFailed as failed:
            failed.request.fail(failed.error)
            group = [request for request in group if request is not failed.request]
            continue
        except Exception as error:     # not one request's doing (the commit, the projection…)
            if len(group) == 1:
                group[0].fail(error)
            else:
                for request in group:
                    _sequence([request])
            return
        for request, results in zip(group, outcomes):
            request.answer(results)
        return


class _RequestFailed(Exception):
    def __init__(self, request: Request, error: Exception):
        super().__init__(str(error))
        self.request, self.error = request, error


def _commit(group: list[Request]) -> list[list]:
    """Sequence and commit the group; its results per request.  The group is stamped with the
    latest of its callers' instants: no instruction is dated before it was sent."""
    at = max(request.at for request in group)
    with _LOCK, Session(group[0].bind, expire_on_commit=False) as session:
        try:
            checked = _fold_committed(session)
            session.commit()
            outcomes = _run(session, group, at, checked)
            session.commit()
        except BaseException:
            session.rollback()
            _Cache.market = None
            raise
    return outcomes


def _run(session, group: list[Request], at: datetime, checked: bool = False) -> list[list]:
    head = _take_head(session)
    market = _caught_up(session, head, checked)
    context = Context(session, at)
    batch = Batch(session, market, at, Projection(session, market, at, context), context)
    batch.keys.update(_known_keys(session, [command for request in group for command in request.commands]))
    outcomes = [_run_request(batch, request) for request in group]
    if not batch.journal:
        _Cache.market = market
        return outcomes
    session.execute(insert(JournalEntry.__table__), batch.journal)   # Core: no ORM bookkeeping
    _Cache.last = batch.journal[-1]["payload"]
    batch.projection.write()
    session.execute(update(SequencerHead).where(SequencerHead.id == 1).values(seq=market.seq))
    if market.seq // SNAPSHOT_EVERY != head // SNAPSHOT_EVERY:
        write_snapshot(session, market, at)
    _Cache.market = market
    return outcomes


def _run_request(batch: Batch, request: Request) -> list:
    try:
        return [command.run(batch) for command in request.commands]
    except Exception as error:
        raise _RequestFailed(request, error) from error


_GROUPS = GroupCommit(_sequence, GROUP_LIMIT)


def _known_keys(session, commands: list) -> dict[tuple[int, str], int]:
    """The batch's idempotency keys already journaled, found with one query."""
    keys = {command.key for command in commands if getattr(command, "key", None)}
    if not keys:
        return {}
    rows = session.execute(select(JournalEntry.organisation_id, JournalEntry.idempotency_key,
                                  JournalEntry.seq).where(JournalEntry.idempotency_key.in_(keys)))
    return {(organisation, key): seq for organisation, key, seq in rows}


def _fold_committed(session) -> bool:
    """Fold what other workers have already committed before queueing for the lock, so the
    time under the lock is spent on this worker's own instructions.  Journal rows commit in
    sequence order (each under the lock), so reading them unlocked sees a gapless prefix.
    True when the cached state was found to be this database's journal (and is still: what
    it folded was committed, and a committed journal row never changes)."""
    market = _Cache.market
    if market is None or not _same_journal(session, market.seq, _Cache.last):
        return False
    last = fold(market, journal_after(session, market.seq, None))
    if last is not None:
        _Cache.last = last
    return True


def _take_head(session) -> int:
    locked = session.execute(update(SequencerHead).where(SequencerHead.id == 1)
                             .values(seq=SequencerHead.seq))
    if not locked.rowcount:
        session.add(SequencerHead(id=1, seq=0))
        session.flush()
    return session.execute(select(SequencerHead.seq).where(SequencerHead.id == 1)).scalar_one()


def _caught_up(session, head: int, checked: bool = False) -> Market:
    """`checked`: `_fold_committed` has just compared the cache with this journal (one query
    fewer under the lock)."""
    market, last = _Cache.market, _Cache.last
    _Cache.market = None      # put back only after a clean run
    if market is None or market.seq > head or not (checked or _same_journal(session, market.seq, last)):
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
