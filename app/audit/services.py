"""Appending to the audit trail and verifying its hash chain.

Each row's hash covers its own fields and the previous row's hash, and ids run without gaps,
so an edited, deleted or inserted row breaks the chain at a row `verify` can name.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import g, has_app_context, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.audit.models import AuditEvent, AuditHead

GENESIS_HASH = "0" * 64
HEAD_ROW_ID = 1


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


def row_digest(event: AuditEvent) -> str:
    fields = [
        event.id,
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
           actor: Actor | None = None) -> AuditEvent:
    """Append one event in the caller's transaction; the caller commits it with the change."""
    actor = actor or current_actor()
    head = _locked_head(session)
    event = AuditEvent(
        id=head.last_id + 1,
        occurred_at=datetime.now(UTC),
        actor_user_id=actor.user_id,
        actor_login=actor.login,
        actor_role=actor.role,
        actor_organisation_id=actor.organisation_id,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        action=action,
        before=_dump(before),
        after=_dump(after),
        request_id=actor.request_id,
        address=actor.address,
        prev_hash=head.last_hash,
    )
    event.row_hash = row_digest(event)
    session.add(event)
    head.last_id, head.last_hash = event.id, event.row_hash
    session.flush()
    return event


def _locked_head(session) -> AuditHead:
    head = session.execute(
        select(AuditHead).where(AuditHead.id == HEAD_ROW_ID).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=HEAD_ROW_ID, last_id=0, last_hash=GENESIS_HASH)
        session.add(head)
    return head


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_id: int | None = None
    reason: object = None  # a lazy message: shown in the reader's language

    @property
    def intact(self) -> bool:
        return self.broken_id is None


def verify_chain(session, batch_size: int = 5000) -> ChainReport:
    """Walk the chain in id order; report the first row whose link or digest does not hold."""
    expected_id, previous_hash, checked = 1, GENESIS_HASH, 0
    last_id = 0
    while True:
        rows = session.execute(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch_size)
        ).scalars().all()
        if not rows:
            break
        for event in rows:
            problem = _link_problem(event, expected_id, previous_hash)
            if problem:
                return ChainReport(checked, event.id, problem)
            expected_id, previous_hash, checked = event.id + 1, event.row_hash, checked + 1
        last_id = rows[-1].id
        session.expunge_all()
    return _check_head(session, checked, expected_id - 1, previous_hash)


def _link_problem(event: AuditEvent, expected_id: int, previous_hash: str):
    if event.id != expected_id:
        return _l("row %(missing)s is missing (next row is %(next)s)", missing=expected_id, next=event.id)
    if event.prev_hash != previous_hash:
        return _l("prev_hash does not match the previous row")
    if event.row_hash != row_digest(event):
        return _l("row contents do not match its hash")
    return None


def _check_head(session, checked: int, last_id: int, last_hash: str) -> ChainReport:
    head = session.get(AuditHead, HEAD_ROW_ID)
    if head is None:
        return ChainReport(checked) if last_id == 0 else ChainReport(checked, last_id, _l("chain head is missing"))
    if head.last_id != last_id or head.last_hash != last_hash:
        return ChainReport(checked, head.last_id, _l("rows after the last stored one were removed"))
    return ChainReport(checked)
