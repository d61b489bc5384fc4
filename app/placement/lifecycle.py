"""An offering's status changes, written once for both kinds: each one checked against the
status it may start from, audited with what was and what is, and flushed (the caller commits).

Filing, the exchange's acceptance with its number, a refusal with its reason, notices, and the
close when the window ends."""
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.audit.services import record
from app.domain.calendar import almaty_date
from app.placement.kind import OfferingKind


def require_status(kind: OfferingKind, offering, *statuses) -> None:
    if offering.status not in statuses:
        label = str(kind.status_labels.get(offering.status, offering.status))
        raise kind.error(kind.words["wrong_status"] % {"status": label}, code="wrong_status")


def snapshot(kind: OfferingKind, offering) -> dict:
    return {name: _plain(getattr(offering, name)) for name in kind.snapshot_fields}


def _plain(value):
    if isinstance(value, date):  # a datetime too
        return value.isoformat()
    return str(value) if isinstance(value, Decimal) else value


def changed(session, kind: OfferingKind, offering, action: str, change: Callable[[], dict | None]):
    """Run one change of the offering and audit it; `change` may return figures for the record."""
    before = snapshot(kind, offering)
    extra = change() or {}
    session.flush()
    record(session, f"{kind.name}.{action}", kind.name, offering.id, before, {**snapshot(kind, offering), **extra})
    return offering


def filed(session, kind: OfferingKind, offering):
    """A new application, stored and audited."""
    session.add(offering)
    session.flush()
    record(session, f"{kind.name}.file", kind.name, offering.id, None, snapshot(kind, offering))
    return offering


def accept(session, kind: OfferingKind, offering, prefix: str, now: datetime):
    """The exchange accepts the application and gives it its number: PREFIX-YEAR-NNNN."""
    require_status(kind, offering, kind.statuses.SUBMITTED)

    def accepted():
        offering.status, offering.accepted_at = kind.statuses.ACCEPTED, now
        offering.number = _next_number(session, kind, prefix, now)
    return changed(session, kind, offering, "accept", accepted)


def _next_number(session, kind: OfferingKind, prefix: str, now: datetime) -> str:
    year = almaty_date(now).year
    numbers = kind.offering.number
    count = session.scalar(select(func.count(kind.offering.id)).where(numbers.like(f"{prefix}-{year}-%")))
    return f"{prefix}-{year}-{count + 1:04d}"


def with_reason(session, kind: OfferingKind, offering, status, note: str, action: str):
    """A refusal (or a request) goes back to the applicant with the exchange's reason."""
    note = (note or "").strip()
    if not note:
        raise kind.error(_l("State the reason."), "note")

    def set_status():
        offering.status, offering.review_note = status, note
    return changed(session, kind, offering, action, set_status)


def publish_notice(session, kind: OfferingKind, offering, notice_kind: str, now: datetime, note: str | None = None):
    notice = kind.notice(kind=notice_kind, published_at=now, note=note, **{kind.parent: offering.id},
                         **kind.notice_terms(offering))
    session.add(notice)
    session.flush()
    return notice


# --- the close ---------------------------------------------------------------------------------------

def advance_due(session, kind: OfferingKind, close, freeze, now: datetime, store: bool = True) -> list:
    """Close every announced offering whose window has ended (idempotent). With `store` off (a
    read), the close is only derived on the loaded rows and never flushed."""
    closes_at = getattr(kind.offering, kind.closes_at)
    due = list(session.scalars(select(kind.offering).where(kind.offering.status == kind.statuses.ANNOUNCED,
                                                           closes_at <= now).order_by(kind.offering.id)))
    if not store:
        return [freeze(offering, now) for offering in due]
    return [close(session, offering, now) for offering in due]


def up_to_date(session, kind: OfferingKind, close, freeze, offering, now: datetime, store: bool = True):
    """This one offering, closed if its window has ended (stored, or on a read only derived)."""
    if offering.status == kind.statuses.ANNOUNCED and getattr(offering, kind.closes_at) <= now:
        return close(session, offering, now) if store else freeze(offering, now)
    return offering


def locked_for_close(session, kind: OfferingKind, offering_id: int):
    """The offering row FOR UPDATE: waits for every bid transaction holding it in share mode, and
    keeps new ones out until the close commits; its bids are read after that wait."""
    return session.scalars(select(kind.offering).where(kind.offering.id == offering_id).with_for_update()
                           .options(selectinload(kind.offering.bids))
                           .execution_options(populate_existing=True)).one()


def closed(session, kind: OfferingKind, offering, freeze, now: datetime, failed_notice: str):
    """The close, stored: the frozen state, the failure notice, the audit record."""
    offering = locked_for_close(session, kind, offering.id)
    require_status(kind, offering, kind.statuses.ANNOUNCED)

    def close():
        freeze(offering, now)
        if offering.failure_reason:
            publish_notice(session, kind, offering, failed_notice, now)
    return changed(session, kind, offering, "close", close)
