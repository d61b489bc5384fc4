"""Business days and deadlines (SPEC: "business day" = Kazakhstan working day).

A `BusinessCalendar` is built by the service from the `holidays` package and the exchange's
override table; everything here is pure and works on plain dates.

Time zone: Kazakhstan moved to a single zone, UTC+5, on 2024-03-01 (Almaty was UTC+6 before).
`zoneinfo` reads the system's zone files first and falls back to the `tzdata` package pinned in
requirements.txt; a host whose system files predate tzdata 2024a would still say UTC+6, so such a
host runs with `PYTHONTZPATH=` (empty) to use the pinned package. tests/domain/test_calendar.py
fails on a host that resolves Almaty wrongly.
"""
import calendar as gregorian
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ALMATY = ZoneInfo("Asia/Almaty")
SATURDAY = 5
ONE_DAY = timedelta(days=1)


class CalendarRangeError(ValueError):
    """A date outside the years the calendar was built for."""


def is_weekend(day: date) -> bool:
    return day.weekday() >= SATURDAY


@dataclass(frozen=True)
class BusinessCalendar:
    first_year: int
    last_year: int
    public_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_days_off: frozenset[date] = field(default_factory=frozenset)
    working_weekend_days: frozenset[date] = field(default_factory=frozenset)
    non_trading_days: frozenset[date] = field(default_factory=frozenset)

    def covers(self, day: date) -> bool:
        return self.first_year <= day.year <= self.last_year

    def _check(self, day: date) -> None:
        if not self.covers(day):
            raise CalendarRangeError(f"{day.isoformat()} is outside {self.first_year}–{self.last_year}")

    def is_business_day(self, day: date) -> bool:
        """A Kazakhstan working day: not a weekend (unless declared working), not a holiday.

        An extra day off beats everything; a day declared working beats weekends and holidays
        (the way the exchange corrects a holiday the package dates wrongly)."""
        self._check(day)
        if day in self.extra_days_off:
            return False
        if day in self.working_weekend_days:
            return True
        return not is_weekend(day) and day not in self.public_holidays

    def is_trading_day(self, day: date) -> bool:
        """A business day on which the exchange trades."""
        return self.is_business_day(day) and day not in self.non_trading_days

    def business_days_before(self, day: date, n: int) -> date:
        """The business day n business days before `day` (n ≥ 1); `day` itself is not counted."""
        if n < 1:
            raise ValueError("n must be at least 1")
        current = day
        for _ in range(n):
            current = self.last_business_day_before(current)
        return current

    def last_business_day_before(self, day: date) -> date:
        current = day - ONE_DAY
        while not self.is_business_day(current):
            current -= ONE_DAY
        return current

    def next_business_day(self, day: date) -> date:
        current = day + ONE_DAY
        while not self.is_business_day(current):
            current += ONE_DAY
        return current

    def business_days_after(self, day: date, n: int) -> date:
        """T+n: the n-th business day after `day`."""
        if n < 0:
            raise ValueError("n must not be negative")
        current = day
        for _ in range(n):
            current = self.next_business_day(current)
        return current

    def business_days_between(self, start: date, end: date) -> int:
        """Business days in (start, end]: how many business days `end` lies after `start`."""
        count, current = 0, start
        while current < end:
            current += ONE_DAY
            count += self.is_business_day(current)
        return count


@dataclass(frozen=True)
class DeadlineHints:
    """What staff look up for a date: 1, 2 and 3 business days before it, and T+2 after it."""

    day: date
    is_business_day: bool
    days_before: tuple[date, ...]
    last_business_day_before: date
    next_business_day: date
    t_plus_2: date


HINT_DAYS_BEFORE = (1, 2, 3)


def deadline_hints(calendar: BusinessCalendar, day: date) -> DeadlineHints:
    """Raises CalendarRangeError when an answer falls outside the calendar's years."""
    return DeadlineHints(
        day=day,
        is_business_day=calendar.is_business_day(day),
        days_before=tuple(calendar.business_days_before(day, n) for n in HINT_DAYS_BEFORE),
        last_business_day_before=calendar.last_business_day_before(day),
        next_business_day=calendar.next_business_day(day),
        t_plus_2=calendar.business_days_after(day, 2),
    )


def month_weeks(year: int, month: int) -> list[list[date]]:
    """The weeks (Monday first, as in Kazakhstan) that cover a month, padded with the
    neighbouring months' days."""
    return gregorian.Calendar(firstweekday=0).monthdatescalendar(year, month)


def last_of_month(day: date) -> date:
    return day.replace(day=gregorian.monthrange(day.year, day.month)[1])


def shift_month(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def days_between(first: date, last: date) -> list[date]:
    """Every date from `first` to `last`, both included."""
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def almaty_date(instant: datetime) -> date:
    """The Almaty calendar date of an aware instant."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: an instant must be aware")
    return instant.astimezone(ALMATY).date()


def almaty_instant(day: date, clock_time: time) -> datetime:
    """An Almaty wall-clock time on a date, as an aware instant."""
    return datetime.combine(day, clock_time, tzinfo=ALMATY)


def from_almaty_wall_clock(local: datetime) -> datetime:
    """A naive Almaty wall-clock reading (as typed into a form) as an aware instant."""
    if local.tzinfo is not None:
        raise ValueError("expected a wall-clock reading without a time zone")
    return local.replace(tzinfo=ALMATY)


def deadline_before(calendar: BusinessCalendar, day: date, business_days: int, cutoff: time) -> datetime:
    """The instant by which something must arrive: `cutoff` Almaty time on the business day
    `business_days` before `day` (e.g. 17:00 of the last business day before: n=1)."""
    return almaty_instant(calendar.business_days_before(day, business_days), cutoff)
