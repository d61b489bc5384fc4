"""The business calendar: the `holidays` package plus the exchange's override table."""
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import holidays
from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit.services import record
from app.calendar.holiday_names import translate_holiday
from app.calendar.models import CalendarOverride, OverrideKind
from app.domain.calendar import BusinessCalendar, CalendarRangeError, days_between, is_weekend

YEARS_AROUND = 5
# The years the desk keeps a calendar for: the `holidays` package knows Kazakhstan from 1991,
# and nothing the exchange lists reaches back further than 2000 or beyond 2099.
FIRST_YEAR, LAST_YEAR = 2000, 2099
NOTE_LENGTH = 200
OVERRIDE_KIND_LABELS = {
    OverrideKind.DAY_OFF: _l("Extra day off"),
    OverrideKind.WORKING_DAY: _l("Working day"),
    OverrideKind.NON_TRADING_DAY: _l("Exchange non-trading day"),
}


class OverrideError(ValueError):
    def __init__(self, message, field: str | None = None):
        super().__init__(message)  # kept lazy: rendered in the language of whoever reads it
        self.message = message
        self.field = field


@dataclass(frozen=True)
class CalendarDay:
    """One date as the calendar page and the API show it."""

    day: date
    weekend: bool
    business_day: bool
    trading_day: bool
    holiday: str | None
    transferred_working_day: bool  # a weekend day the government declared working
    override_kind: str | None
    override_note: str | None


def check_year(day: date) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise CalendarRangeError(f"{day.isoformat()} is outside {FIRST_YEAR}–{LAST_YEAR}")


def _kazakhstan(first: int, last: int, language: str | None = None) -> holidays.HolidayBase:
    return holidays.country_holidays("KZ", years=range(first, last + 1), language=language)


@lru_cache(maxsize=32)
def _public_calendar(first: int, last: int) -> tuple[frozenset[date], frozenset[date]]:
    """(public holidays, working weekend days) of the package: fixed for a range of years, and
    computing them is most of a calendar's cost, so once per process (the overrides are read anew)."""
    public = _kazakhstan(first, last)
    return frozenset(public), frozenset(public.weekend_workdays)


def build_calendar(session, around_year: int) -> BusinessCalendar:
    """Raises CalendarRangeError for a year outside FIRST_YEAR–LAST_YEAR."""
    check_year(date(around_year, 1, 1))
    first, last = max(FIRST_YEAR, around_year - YEARS_AROUND), min(LAST_YEAR, around_year + YEARS_AROUND)
    by_kind: dict[str, set[date]] = {kind.value: set() for kind in OverrideKind}
    for override in _overrides_between(session, date(first, 1, 1), date(last, 12, 31)):
        by_kind[override.kind].add(override.day)
    public_days, weekend_workdays = _public_calendar(first, last)
    return BusinessCalendar(
        first_year=first,
        last_year=last,
        public_holidays=public_days,
        extra_days_off=frozenset(by_kind[OverrideKind.DAY_OFF]),
        # Government transfers of days off make some Saturdays working; the package lists them.
        working_weekend_days=weekend_workdays | by_kind[OverrideKind.WORKING_DAY],
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


def public_holiday_names(first_year: int, last_year: int, locale: str) -> dict[date, str]:
    """Holiday names in the user's language: the package's own Kazakh names, else its English
    names through our msgids (the package has no Russian)."""
    if locale == "kk":
        return dict(_kazakhstan(first_year, last_year, "kk").items())
    return {day: translate_holiday(name) for day, name in _kazakhstan(first_year, last_year, "en_US").items()}


def transferred_working_days(first_year: int, last_year: int) -> frozenset[date]:
    return frozenset(_kazakhstan(first_year, last_year).weekend_workdays)


def describe_days(session, first: date, last: date, locale: str) -> list[CalendarDay]:
    """Raises CalendarRangeError when the span leaves the years one calendar covers."""
    calendar = business_calendar(session, first.year)
    if not (calendar.covers(first) and calendar.covers(last)):
        raise CalendarRangeError(f"{first.isoformat()}–{last.isoformat()} is too long a span")
    names = public_holiday_names(first.year, last.year, locale)
    transferred = transferred_working_days(first.year, last.year)
    overrides = {row.day: row for row in _overrides_between(session, first, last)}
    return [_describe(calendar, day, names.get(day), day in transferred, overrides.get(day))
            for day in days_between(first, last)]


def _describe(calendar: BusinessCalendar, day: date, holiday: str | None, transferred: bool,
              override: CalendarOverride | None) -> CalendarDay:
    return CalendarDay(
        day=day,
        weekend=is_weekend(day),
        business_day=calendar.is_business_day(day),
        trading_day=calendar.is_trading_day(day),
        holiday=holiday,
        transferred_working_day=transferred,
        override_kind=override.kind if override else None,
        override_note=override.note if override else None,
    )


def _overrides_between(session, first: date, last: date) -> list[CalendarOverride]:
    return session.scalars(
        select(CalendarOverride).where(CalendarOverride.day >= first, CalendarOverride.day <= last)
        .order_by(CalendarOverride.day)
    ).all()


def list_overrides(session, year: int | None = None) -> list[CalendarOverride]:
    if year is None:
        return session.scalars(select(CalendarOverride).order_by(CalendarOverride.day)).all()
    return _overrides_between(session, date(year, 1, 1), date(year, 12, 31))


def find_override(session, day: date) -> CalendarOverride | None:
    return session.scalar(select(CalendarOverride).where(CalendarOverride.day == day))


def add_override(session, day: date, kind: OverrideKind, note: str, user_id: int | None,
                 now: datetime) -> CalendarOverride:
    """An override must change what the day is: only a business day can become a day off or
    a non-trading day, and only a day off (weekend or holiday) can become a working day."""
    note = (note or "").strip()
    _check_override(session, day, OverrideKind(kind), note)
    override = CalendarOverride(day=day, kind=str(kind), note=note, created_by_id=user_id, created_at=now)
    try:
        with session.begin_nested():  # two staff adding the same day at once: the second is told
            session.add(override)
            session.flush()
    except IntegrityError:
        raise OverrideError(_l("This day already has an override; remove it first."), "day") from None
    forget_cached_calendars()
    record(session, "calendar_override.added", "calendar_override", override.id, None, _snapshot(override))
    return override


def _check_override(session, day: date, kind: OverrideKind, note: str) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise OverrideError(_l("Choose a date in the years %(first)d–%(last)d.", first=FIRST_YEAR,
                               last=LAST_YEAR), "day")
    if len(note) > NOTE_LENGTH:
        raise OverrideError(_l("The note is too long: at most %(count)d characters.", count=NOTE_LENGTH), "note")
    if find_override(session, day) is not None:
        raise OverrideError(_l("This day already has an override; remove it first."), "day")
    business = build_calendar(session, day.year).is_business_day(day)
    if kind == OverrideKind.WORKING_DAY and business:
        raise OverrideError(_l("This day is already a working day: only a weekend day or a public "
                               "holiday can be declared working."), "kind")
    if kind == OverrideKind.DAY_OFF and not business:
        raise OverrideError(_l("This day is already a day off."), "kind")
    if kind == OverrideKind.NON_TRADING_DAY and not business:
        raise OverrideError(_l("The exchange never trades on a day off: a non-trading day must be "
                               "a working day."), "kind")


def remove_override(session, override: CalendarOverride) -> None:
    before = _snapshot(override)
    session.delete(override)
    session.flush()
    forget_cached_calendars()
    record(session, "calendar_override.removed", "calendar_override", override.id, before, None)


def _snapshot(override: CalendarOverride) -> dict:
    return {"day": override.day.isoformat(), "kind": override.kind, "note": override.note}
