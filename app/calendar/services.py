"""The business calendar: the `holidays` package plus the exchange's override table."""
from datetime import date, datetime

import holidays
from flask import g
from sqlalchemy import select

from app.audit.services import record
from app.calendar.models import CalendarOverride, OverrideKind
from app.domain.calendar import BusinessCalendar

YEARS_AROUND = 5


class OverrideError(ValueError):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def build_calendar(session, around_year: int) -> BusinessCalendar:
    first, last = around_year - YEARS_AROUND, around_year + YEARS_AROUND
    overrides = session.scalars(
        select(CalendarOverride).where(
            CalendarOverride.day >= date(first, 1, 1), CalendarOverride.day <= date(last, 12, 31)
        )
    ).all()
    by_kind: dict[str, set[date]] = {kind.value: set() for kind in OverrideKind}
    for override in overrides:
        by_kind[override.kind].add(override.day)
    return BusinessCalendar(
        first_year=first,
        last_year=last,
        public_holidays=frozenset(holidays.country_holidays("KZ", years=range(first, last + 1))),
        extra_days_off=frozenset(by_kind[OverrideKind.DAY_OFF]),
        working_weekend_days=frozenset(by_kind[OverrideKind.WORKING_DAY]),
        non_trading_days=frozenset(by_kind[OverrideKind.NON_TRADING_DAY]),
    )


def business_calendar(session, around_year: int) -> BusinessCalendar:
    """One calendar per request (overrides change rarely; a request must see one version)."""
    cache = g.setdefault("_desk_calendars", {})
    if around_year not in cache:
        cache[around_year] = build_calendar(session, around_year)
    return cache[around_year]


def forget_cached_calendars() -> None:
    g.pop("_desk_calendars", None)


def public_holiday_names(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("KZ", years=year, language="ru").items())


def add_override(session, day: date, kind: OverrideKind, note: str, user_id: int | None,
                 now: datetime) -> CalendarOverride:
    if session.scalar(select(CalendarOverride.id).where(CalendarOverride.day == day)):
        raise OverrideError("This day already has an override; remove it first.", "day")
    if kind == OverrideKind.WORKING_DAY and day.weekday() < 5:
        raise OverrideError("Only a Saturday or Sunday can be declared a working day.", "kind")
    override = CalendarOverride(day=day, kind=str(kind), note=(note or "").strip()[:200],
                                created_by_id=user_id, created_at=now)
    session.add(override)
    session.flush()
    forget_cached_calendars()
    record(session, "calendar_override.added", "calendar_override", override.id, None,
           {"day": day.isoformat(), "kind": override.kind, "note": override.note})
    return override


def remove_override(session, override: CalendarOverride) -> None:
    before = {"day": override.day.isoformat(), "kind": override.kind, "note": override.note}
    session.delete(override)
    session.flush()
    forget_cached_calendars()
    record(session, "calendar_override.removed", "calendar_override", override.id, before, None)
