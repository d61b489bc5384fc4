"""Appending to the audit trail and verifying its hash chains.

The trail is many chains, one per stream (an auction, one firm's bids in it, a user, …), so
changes to unrelated objects do not queue behind one head row. Within a stream each row's hash
covers its own fields, its seq and the previous row's hash, seqs run without gaps, and the first
link hangs off a genesis hash made from the stream's name: an edited, deleted, inserted or moved
row breaks its stream's chain at a row `verify` can name.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import g, has_app_context, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from app.audit.models import AuditEvent, AuditHead

GENESIS_HASH = "0" * 64
# Rows written while the trail was a single chain: seq = their id, genesis all zeros.
LEGACY_STREAM = "desk"
SYSTEM_STREAM = "system"


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    login: str
    role: str | None
    organisation_id: int | None
    request_id: str | None = None
    address: str | None = None


SYSTEM_ACTOR = Actor(None, "system", None, None)


def current_actor() -> Actor:
    """Who is acting: the logged-in user of this request, else anonymous, else the system (CLI)."""
    if not has_request_context():
        # CLI commands put their actor on g; outside any context the system acts.
        return g.get("audit_actor", SYSTEM_ACTOR) if has_app_context() else SYSTEM_ACTOR
    request_id = g.get("request_id")
    address = request.remote_addr
    if current_user and current_user.is_authenticated:
        user = current_user._get_current_object()
        return Actor(user.id, user.login, user.role, user.organisation_id, request_id, address)
    return Actor(None, "anonymous", None, None, request_id, address)


def actor_for(user) -> Actor:
    """`user` acting in this request: at login the session does not know them yet."""
    base = current_actor()
    return Actor(user.id, user.login, user.role, user.organisation_id, base.request_id, base.address)


def _dump(value) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def stream_of(object_type: str, object_id=None) -> str:
    """The default stream: the object's own history; events about no object go to `system`."""
    return SYSTEM_STREAM if object_id is None else f"{object_type}:{object_id}"


def genesis_hash(stream: str) -> str:
    """What the stream's first row links to: binds every row of a stream to the stream's name."""
    if stream == LEGACY_STREAM:
        return GENESIS_HASH
    return hashlib.sha256(f"audit-stream:{stream}".encode()).hexdigest()


def row_digest(event: AuditEvent) -> str:
    fields = [
        event.seq,
        event.occurred_at.astimezone(UTC).isoformat(),
        event.actor_user_id,
        event.actor_login,
        event.actor_role,
        event.actor_organisation_id,
        event.object_type,
        event.object_id,
        event.action,
        event.before,
        event.after,
        event.request_id,
        event.address,
        event.prev_hash,
    ]
    canonical = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(session, action: str, object_type: str, object_id=None, before=None, after=None,
           actor: Actor | None = None, stream: str | None = None) -> AuditEvent:
    """Append one event in the caller's transaction; the caller commits it with the change.
    `stream` defaults to the object's own (`stream_of`)."""
    actor = actor or current_actor()
    stream = stream or stream_of(object_type, object_id)
    fields = dict(occurred_at=datetime.now(UTC), actor_user_id=actor.user_id, actor_login=actor.login,
                  actor_role=actor.role, actor_organisation_id=actor.organisation_id, object_type=object_type,
                  object_id=None if object_id is None else str(object_id), action=action, before=_dump(before),
                  after=_dump(after), request_id=actor.request_id, address=actor.address)
    head = _select_head(session, stream)
    if head is None:
        # A new stream: its head is inserted already pointing at this first row.
        event = _link(AuditEvent(stream=stream, seq=1, prev_hash=genesis_hash(stream), **fields))
        if _insert_head(session, stream, event):
            session.add(event)
            session.flush()
            return event
        head = _select_head(session, stream)   # another transaction's first append came first
    event = _link(AuditEvent(stream=stream, seq=head.last_seq + 1, prev_hash=head.last_hash, **fields))
    session.add(event)
    head.last_seq, head.last_hash = event.seq, event.row_hash
    session.flush()
    return event


def _link(event: AuditEvent) -> AuditEvent:
    event.row_hash = row_digest(event)
    return event


def _insert_head(session, stream: str, first: AuditEvent) -> bool:
    """The new stream's head at its first row; False when the stream already has one (two first
    appends raced: ON CONFLICT lets the loser go on without an error, after the winner's row).
    The inserted head is held by this transaction until it ends, as a locked one would be."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    inserted = session.execute(insert(AuditHead).values(stream=stream, last_seq=first.seq, last_hash=first.row_hash)
                               .on_conflict_do_nothing(index_elements=["stream"]).returning(AuditHead.stream))
    return inserted.first() is not None


def _select_head(session, stream: str) -> AuditHead | None:
    """The stream's head, locked until commit (PostgreSQL; SQLite has one writer anyway)."""
    return session.execute(
        select(AuditHead).where(AuditHead.stream == stream).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class ChainReport:
    checked: int
    reason: object = None  # a lazy message: shown in the reader's language
    broken_id: int | None = None  # the row that breaks its chain; None when the head does
    stream: str | None = None
    seq: int | None = None

    @property
    def intact(self) -> bool:
        return self.reason is None

    @property
    def location(self) -> str:
        """`12 (auction:3 #4)`: the row's id, then its stream and seq; only those for a head."""
        link = f"{self.stream} #{self.seq}"
        return link if self.broken_id is None else f"{self.broken_id} ({link})"


@dataclass
class _Walk:
    """Where the walk stands in one stream."""
    last_seq: int
    last_hash: str


def verify_chain(session, batch_size: int = 5000) -> ChainReport:
    """Walk every stream in seq order; report the first row whose link or digest does not
    hold, then any head that does not match the last row of its stream."""
    walks: dict[str, _Walk] = {}
    checked, after = 0, None
    while True:
        query = select(AuditEvent).order_by(AuditEvent.stream, AuditEvent.seq).limit(batch_size)
        if after is not None:
            query = query.where(tuple_(AuditEvent.stream, AuditEvent.seq) > tuple_(*after))
        rows = session.execute(query).scalars().all()
        if not rows:
            break
        for event in rows:
            walk = walks.get(event.stream) or walks.setdefault(event.stream, _Walk(0, genesis_hash(event.stream)))
            problem = _link_problem(event, walk)
            if problem:
                return ChainReport(checked, problem, event.id, event.stream, event.seq)
            walk.last_seq, walk.last_hash, checked = event.seq, event.row_hash, checked + 1
        after = (rows[-1].stream, rows[-1].seq)
        session.expunge_all()
    return _check_heads(session, checked, walks)


def _link_problem(event: AuditEvent, walk: _Walk):
    if event.seq != walk.last_seq + 1:
        return _l("entry %(missing)s of the stream is missing (next is %(next)s)",
                  missing=walk.last_seq + 1, next=event.seq)
    if event.prev_hash != walk.last_hash:
        return _l("prev_hash does not match the previous row")
    if event.row_hash != row_digest(event):
        return _l("row contents do not match its hash")
    return None


def _check_heads(session, checked: int, walks: dict[str, _Walk]) -> ChainReport:
    heads = {head.stream: head for head in session.scalars(select(AuditHead).order_by(AuditHead.stream))}
    for stream in sorted(set(heads) | set(walks)):
        head, walk = heads.get(stream), walks.get(stream, _Walk(0, genesis_hash(stream)))
        if head is None:
            return ChainReport(checked, _l("chain head is missing"), stream=stream, seq=walk.last_seq)
        if head.last_seq > walk.last_seq:
            return ChainReport(checked, _l("rows after the last stored one were removed"), stream=stream,
                               seq=head.last_seq)
        if head.last_seq != walk.last_seq or head.last_hash != walk.last_hash:
            return ChainReport(checked, _l("the chain head does not match the stream's last row"),
                               stream=stream, seq=head.last_seq)
    return ChainReport(checked)
