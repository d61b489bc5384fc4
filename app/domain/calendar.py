"""Business days and deadlines (SPEC: "business day" = Kazakhstan working day).

A `BusinessCalendar` is built by the service from the `holidays` package and the exchange's
override table; everything here is pure and works on plain dates.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ALMATY = ZoneInfo("Asia/Almaty")
SATURDAY = 5


class CalendarRangeError(ValueError):
    """A date outside the years the calendar was built for."""


@dataclass(frozen=True)
class BusinessCalendar:
    first_year: int
    last_year: int
    public_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_days_off: frozenset[date] = field(default_factory=frozenset)
    working_weekend_days: frozenset[date] = field(default_factory=frozenset)
    non_trading_days: frozenset[date] = field(default_factory=frozenset)

    def _check(self, day: date) -> None:
        if not self.first_year <= day.year <= self.last_year:
            raise CalendarRangeError(f"{day.isoformat()} is outside {self.first_year}–{self.last_year}")

    def is_business_day(self, day: date) -> bool:
        """A Kazakhstan working day: not a weekend (unless declared working), not a holiday."""
        self._check(day)
        if day in self.extra_days_off:
            return False
        if day in self.working_weekend_days:
            return True
        return day.weekday() < SATURDAY and day not in self.public_holidays

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
        current = day - timedelta(days=1)
        while not self.is_business_day(current):
            current -= timedelta(days=1)
        return current

    def next_business_day(self, day: date) -> date:
        current = day + timedelta(days=1)
        while not self.is_business_day(current):
            current += timedelta(days=1)
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
            current += timedelta(days=1)
            count += self.is_business_day(current)
        return count


def almaty_date(instant: datetime) -> date:
    """The Almaty calendar date of an aware instant."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: an instant must be aware")
    return instant.astimezone(ALMATY).date()


def almaty_instant(day: date, clock_time: time) -> datetime:
    """An Almaty wall-clock time on a date, as an aware instant."""
    return datetime.combine(day, clock_time, tzinfo=ALMATY)


def deadline_before(calendar: BusinessCalendar, day: date, business_days: int, cutoff: time) -> datetime:
    """The instant by which something must arrive: `cutoff` Almaty time on the business day
    `business_days` before `day` (e.g. 17:00 of the last business day before: n=1)."""
    return almaty_instant(calendar.business_days_before(day, business_days), cutoff)
