"""Helpers that change the audit trail behind the app's back, the way an intruder with
database access would: switch the append-only trigger off, write raw SQL, switch it on."""
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime

import pytest
from sqlalchemy import func, select, text

from app.audit import services as audit_services
from app.audit.models import AuditEvent
from app.extensions import db


SQLITE_TRIGGERS = ("audit_events_no_update", "audit_events_no_delete", "audit_heads_no_delete",
                   "audit_heads_forward_only")
POSTGRES_TRIGGERS = (("audit_events", "audit_events_no_change"), ("audit_heads", "audit_heads_forward_only"))


@contextmanager
def triggers_off():
    """Committed as one transaction; the triggers are back (PostgreSQL) when it ends."""
    if db.engine.dialect.name == "sqlite":
        # Each SQLite test works on its own copy of the database, so dropping is enough.
        for trigger in SQLITE_TRIGGERS:
            db.session.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        yield
    else:
        for table, trigger in POSTGRES_TRIGGERS:
            db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))
        yield
        for table, trigger in POSTGRES_TRIGGERS:
            db.session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}"))
    db.session.commit()


@pytest.fixture
def tamper() -> Callable[..., None]:
    def run(sql: str, **params) -> None:
        db.session.commit()
        with triggers_off():
            db.session.execute(text(sql), params)
        db.session.expire_all()

    return run


@pytest.fixture
def add_events(app) -> Callable[..., list[AuditEvent]]:
    """Appends `count` events through the real `record` and commits them."""

    def add(count: int = 1, action: str = "test.event", object_type: str = "thing", object_id=None,
            after=None, stream: str | None = None) -> list[AuditEvent]:
        events = [audit_services.record(db.session, action, object_type, object_id if object_id is not None else n,
                                        None, after, stream=stream) for n in range(count)]
        db.session.commit()
        return events

    return add


@pytest.fixture
def record_at(app, monkeypatch) -> Callable[..., AuditEvent]:
    """Appends one event that happened at `when` (aware), through the real `record`."""

    def add(when: datetime, action: str = "test.timed") -> AuditEvent:
        class Frozen(datetime):
            @classmethod
            def now(cls, tz=None):
                return when.astimezone(tz)

        monkeypatch.setattr(audit_services, "datetime", Frozen)
        try:
            event = audit_services.record(db.session, action, "thing", when.isoformat())
        finally:
            monkeypatch.setattr(audit_services, "datetime", datetime)
        db.session.commit()
        return event

    return add


def audit_count() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


def last_audit_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0
