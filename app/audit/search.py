"""Finding audit rows for the audit page and its CSV export.

Pages are keyset pages over the id (newest first), so a deep page costs what the first does.
"""
import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import distinct, exists, select

from app.audit.models import AuditEvent
from app.auth.models import Organisation
from app.domain.calendar import almaty_instant

PAGE_SIZE = 50
EXPORT_BATCH = 1000
# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "id", "occurred_at_utc", "actor_login", "actor_role", "actor_user_id", "organisation_id",
    "organisation", "object_type", "object_id", "action", "before", "after", "request_id",
    "address", "prev_hash", "row_hash",
)


@dataclass(frozen=True)
class AuditCriteria:
    """Filters; dates are Almaty calendar dates, both ends included."""

    date_from: date | None = None
    date_to: date | None = None
    actor_login: str | None = None
    organisation_id: int | None = None
    object_type: str | None = None
    object_id: str | None = None
    action: str | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent] = field(default_factory=list)
    has_newer: bool = False
    has_older: bool = False


def almaty_midnight(day: date) -> datetime:
    return almaty_instant(day, time())


def conditions(criteria: AuditCriteria) -> list:
    where = []
    if criteria.date_from:
        where.append(AuditEvent.occurred_at >= almaty_midnight(criteria.date_from))
    if criteria.date_to:
        where.append(AuditEvent.occurred_at < almaty_midnight(criteria.date_to + timedelta(days=1)))
    if criteria.actor_login:
        where.append(AuditEvent.actor_login == criteria.actor_login.strip().lower())
    if criteria.organisation_id is not None:
        where.append(AuditEvent.actor_organisation_id == criteria.organisation_id)
    for column, value in ((AuditEvent.object_type, criteria.object_type), (AuditEvent.object_id, criteria.object_id),
                          (AuditEvent.action, criteria.action), (AuditEvent.request_id, criteria.request_id)):
        if value:
            where.append(column == value.strip())
    return where


def find_page(session, criteria: AuditCriteria, before: int | None = None, after: int | None = None,
              size: int = PAGE_SIZE) -> AuditPage:
    """Rows older than `before`, or newer than `after`, or the newest; always shown newest first."""
    where = conditions(criteria)
    query = select(AuditEvent).where(*where).limit(size)
    if after is not None:
        events = list(reversed(session.scalars(query.where(AuditEvent.id > after).order_by(AuditEvent.id)).all()))
    else:
        if before is not None:
            query = query.where(AuditEvent.id < before)
        events = list(session.scalars(query.order_by(AuditEvent.id.desc())).all())
    if not events:
        return AuditPage()
    return AuditPage(
        events,
        has_newer=session.scalar(select(exists().where(*where, AuditEvent.id > events[0].id))),
        has_older=session.scalar(select(exists().where(*where, AuditEvent.id < events[-1].id))),
    )


def export_rows(session, criteria: AuditCriteria) -> Iterable[AuditEvent]:
    query = select(AuditEvent).where(*conditions(criteria)).order_by(AuditEvent.id.desc())
    return session.scalars(query.execution_options(yield_per=EXPORT_BATCH))


def tail(session, count: int) -> list[AuditEvent]:
    """The last `count` rows, oldest first."""
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(count)).all()
    return list(reversed(rows))


def organisation_names(session) -> dict[int, str]:
    return dict(session.execute(select(Organisation.id, Organisation.name)).all())


def distinct_values(session, column) -> list[str]:
    return list(session.scalars(select(distinct(column)).where(column.is_not(None)).order_by(column)))


def pretty_json(text: str | None) -> str:
    if text is None:
        return "—"
    try:
        return json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False)
    except ValueError:
        return text


def safe_cell(value):
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_bytes(events: Iterable[AuditEvent], organisations: dict[int, str]) -> bytes:
    """UTF-8 with a BOM, so spreadsheet programs open Cyrillic and Kazakh text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        writer.writerow([safe_cell(value) for value in (
            event.id, event.occurred_at.isoformat(), event.actor_login, event.actor_role, event.actor_user_id,
            event.actor_organisation_id, organisations.get(event.actor_organisation_id, ""), event.object_type,
            event.object_id, event.action, event.before, event.after, event.request_id, event.address,
            event.prev_hash, event.row_hash,
        )])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
