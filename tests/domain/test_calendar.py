"""The business calendar, pure: hand-built calendars, no database, no `holidays` package."""
import importlib.metadata
import re
from datetime import UTC, date, datetime, time, timedelta
from importlib.resources import files
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.calendar import (
    ALMATY,
    BusinessCalendar,
    CalendarRangeError,
    almaty_date,
    almaty_instant,
    days_between,
    deadline_before,
    deadline_hints,
    from_almaty_wall_clock,
    is_weekend,
    last_of_month,
    month_weeks,
    shift_month,
)

D = date.fromisoformat
NAURYZ_2026 = {D("2026-03-21"), D("2026-03-22"), D("2026-03-23"), D("2026-03-24"), D("2026-03-25")}
WOMENS_DAY_2026 = {D("2026-03-08"), D("2026-03-09")}
CALENDAR = BusinessCalendar(
    first_year=2021,
    last_year=2031,
    public_holidays=frozenset(NAURYZ_2026 | WOMENS_DAY_2026 | {D("2026-05-01"), D("2026-05-07"), D("2026-05-09"),
                                                              D("2026-05-11")}),
    extra_days_off=frozenset({D("2026-04-14")}),  # a Tuesday
    working_weekend_days=frozenset({D("2026-04-18"), D("2026-03-22")}),  # a Saturday; a Sunday in Nauryz
    non_trading_days=frozenset({D("2026-04-15")}),  # a Wednesday
)


@pytest.mark.parametrize("day, business, trading", [
    ("2026-03-19", True, True),    # Thursday
    ("2026-03-28", False, False),  # Saturday
    ("2026-03-29", False, False),  # Sunday
    ("2026-03-09", False, False),  # Women's Day moved to Monday
    ("2026-03-24", False, False),  # Nauryz on a Tuesday
    ("2026-03-22", True, True),    # a Sunday holiday declared working: the override wins
    ("2026-04-14", False, False),  # extra day off on a Tuesday
    ("2026-04-15", True, False),   # non-trading day: business, no trading
    ("2026-04-18", True, True),    # a Saturday declared working
    ("2026-04-19", False, False),  # the Sunday after it stays off
])
def test_business_and_trading_days(day, business, trading):
    assert CALENDAR.is_business_day(D(day)) is business
    assert CALENDAR.is_trading_day(D(day)) is trading


def test_an_extra_day_off_beats_a_working_declaration():
    day = D("2026-04-18")
    calendar = BusinessCalendar(2026, 2026, working_weekend_days=frozenset({day}), extra_days_off=frozenset({day}))
    assert not calendar.is_business_day(day)


@pytest.mark.parametrize("day", ["2020-12-31", "2032-01-01"])
def test_dates_outside_the_years_are_refused(day):
    with pytest.raises(CalendarRangeError):
        CALENDAR.is_business_day(D(day))
    assert not CALENDAR.covers(D(day))


def test_counting_back_past_the_first_year_is_refused():
    with pytest.raises(CalendarRangeError):
        CALENDAR.business_days_before(D("2021-01-04"), 3)


@pytest.mark.parametrize("day, n, expected", [
    ("2026-03-26", 1, "2026-03-22"),  # across Nauryz to the Sunday declared working
    ("2026-03-26", 2, "2026-03-20"),
    ("2026-03-26", 3, "2026-03-19"),
    ("2026-03-23", 1, "2026-03-22"),
    ("2026-03-10", 1, "2026-03-06"),  # across the weekend and the moved Women's Day
    ("2026-03-10", 2, "2026-03-05"),
    ("2026-04-16", 1, "2026-04-15"),  # a non-trading day still counts as a business day
    ("2026-04-16", 2, "2026-04-13"),  # the extra day off does not
    ("2026-04-20", 1, "2026-04-18"),  # the working Saturday counts
    ("2026-05-12", 1, "2026-05-08"),
    ("2026-05-12", 3, "2026-05-05"),  # 11 and 7 May are off; so are 9 and 10 May
])
def test_business_days_before(day, n, expected):
    assert CALENDAR.business_days_before(D(day), n) == D(expected)


@pytest.mark.parametrize("n", [0, -1])
def test_business_days_before_needs_a_positive_n(n):
    with pytest.raises(ValueError):
        CALENDAR.business_days_before(D("2026-03-26"), n)


@pytest.mark.parametrize("day, expected", [
    ("2026-03-26", "2026-03-22"),
    ("2026-03-30", "2026-03-27"),  # Monday: the Friday before
    ("2026-03-28", "2026-03-27"),  # from a Saturday
])
def test_last_business_day_before(day, expected):
    assert CALENDAR.last_business_day_before(D(day)) == D(expected)


@pytest.mark.parametrize("day, expected", [
    ("2026-03-20", "2026-03-22"),
    ("2026-03-22", "2026-03-26"),
    ("2026-04-13", "2026-04-15"),
    ("2026-04-17", "2026-04-18"),
])
def test_next_business_day(day, expected):
    assert CALENDAR.next_business_day(D(day)) == D(expected)


@pytest.mark.parametrize("day, n, expected", [
    ("2026-03-20", 0, "2026-03-20"),
    ("2026-03-20", 2, "2026-03-26"),  # T+2 across Nauryz
    ("2026-03-28", 2, "2026-03-31"),  # from a Saturday: Monday is T+1
    ("2026-04-13", 2, "2026-04-16"),
])
def test_business_days_after(day, n, expected):
    assert CALENDAR.business_days_after(D(day), n) == D(expected)


def test_business_days_after_refuses_a_negative_n():
    with pytest.raises(ValueError):
        CALENDAR.business_days_after(D("2026-03-20"), -1)


@pytest.mark.parametrize("start, end, count", [
    ("2026-03-20", "2026-03-26", 2),
    ("2026-03-20", "2026-03-20", 0),
    ("2026-03-26", "2026-03-20", 0),
    ("2026-04-10", "2026-04-20", 6),  # 13, 15, 16, 17, 18, 20 (14 off; 15 counts without trading)
])
def test_business_days_between(start, end, count):
    assert CALENDAR.business_days_between(D(start), D(end)) == count


def test_deadline_hints():
    hints = deadline_hints(CALENDAR, D("2026-03-26"))
    assert hints.is_business_day
    assert hints.days_before == (D("2026-03-22"), D("2026-03-20"), D("2026-03-19"))
    assert hints.last_business_day_before == D("2026-03-22")
    assert hints.next_business_day == D("2026-03-27")
    assert hints.t_plus_2 == D("2026-03-30")


def test_deadline_before_is_the_cutoff_in_almaty():
    deadline = deadline_before(CALENDAR, D("2026-03-26"), 2, time(17, 0))
    assert deadline == datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("day, weekend", [("2026-03-20", False), ("2026-03-21", True), ("2026-03-22", True)])
def test_is_weekend(day, weekend):
    assert is_weekend(D(day)) is weekend


def test_month_weeks_start_on_monday_and_cover_the_month():
    weeks = month_weeks(2026, 3)
    assert weeks[0][0] == D("2026-02-23") and weeks[-1][-1] == D("2026-04-05")
    assert all(len(week) == 7 and week[0].weekday() == 0 for week in weeks)


@pytest.mark.parametrize("year, month, months, expected", [
    (2026, 3, 1, (2026, 4)), (2026, 12, 1, (2027, 1)), (2026, 1, -1, (2025, 12)), (2026, 3, -12, (2025, 3)),
])
def test_shift_month(year, month, months, expected):
    assert shift_month(year, month, months) == expected


@pytest.mark.parametrize("day, expected", [("2026-02-01", "2026-02-28"), ("2028-02-10", "2028-02-29"),
                                           ("2026-12-01", "2026-12-31")])
def test_last_of_month(day, expected):
    assert last_of_month(D(day)) == D(expected)


def test_days_between_includes_both_ends():
    assert days_between(D("2026-03-30"), D("2026-04-01")) == [D("2026-03-30"), D("2026-03-31"), D("2026-04-01")]
    assert days_between(D("2026-04-01"), D("2026-03-30")) == []


def test_almaty_date_of_an_instant():
    assert almaty_date(datetime(2026, 3, 20, 19, 30, tzinfo=UTC)) == D("2026-03-21")
    with pytest.raises(ValueError):
        almaty_date(datetime(2026, 3, 20, 19, 30))


def test_wall_clock_readings_become_almaty_instants():
    assert from_almaty_wall_clock(datetime(2026, 3, 20, 9, 0)) == datetime(2026, 3, 20, 4, 0, tzinfo=UTC)
    assert almaty_instant(D("2026-03-20"), time(9, 0)) == datetime(2026, 3, 20, 4, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        from_almaty_wall_clock(datetime(2026, 3, 20, 9, 0, tzinfo=UTC))


# Kazakhstan went to a single zone, UTC+5, on 2024-03-01 00:00 local time (tzdata 2024a).
@pytest.mark.parametrize("instant_utc, offset_hours", [
    ("2023-07-01T12:00:00", 6),
    ("2024-02-29T17:59:59", 6),   # the last second at UTC+6
    ("2024-02-29T18:00:00", 5),   # midnight of 1 March at UTC+6 is 23:00 at UTC+5
    ("2024-03-01T12:00:00", 5),
    ("2026-03-20T04:00:00", 5),
])
def test_almaty_offset(instant_utc, offset_hours):
    instant = datetime.fromisoformat(instant_utc).replace(tzinfo=UTC)
    assert instant.astimezone(ALMATY).utcoffset() == timedelta(hours=offset_hours)


def test_the_pinned_tzdata_package_knows_the_2024_change():
    """What zoneinfo falls back to where the system has no zone files (or with PYTHONTZPATH=)."""
    with files("tzdata.zoneinfo").joinpath("Asia", "Almaty").open("rb") as handle:
        packaged = ZoneInfo.from_file(handle, key="Asia/Almaty")
    assert datetime(2024, 3, 2, tzinfo=packaged).utcoffset() == timedelta(hours=5)
    assert datetime(2024, 2, 28, tzinfo=packaged).utcoffset() == timedelta(hours=6)


def test_tzdata_version_is_the_pinned_one():
    requirements = (Path(__file__).resolve().parents[2] / "requirements.txt").read_text()
    pinned = re.search(r"^tzdata==(\S+)$", requirements, re.MULTILINE)
    assert pinned is not None, "tzdata must be pinned in requirements.txt"
    assert importlib.metadata.version("tzdata") == pinned.group(1)


# Properties over random calendars: up to 60 random days off and 20 working weekend days in
# 2024–2026, asked about dates in 2025 (well inside the years, so no search leaves them).
days_2024_2026 = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))
calendars = st.builds(
    BusinessCalendar,
    first_year=st.just(2020),
    last_year=st.just(2030),
    public_holidays=st.frozensets(days_2024_2026, max_size=60),
    extra_days_off=st.frozensets(days_2024_2026, max_size=10),
    working_weekend_days=st.frozensets(days_2024_2026.filter(is_weekend), max_size=20),
    non_trading_days=st.frozensets(days_2024_2026, max_size=10),
)
days_2025 = st.dates(min_value=date(2025, 1, 1), max_value=date(2025, 12, 31))


def _business_days_in(calendar, first, last):
    """Business days in [first, last]."""
    return sum(calendar.is_business_day(day) for day in days_between(first, last))


@given(calendars, days_2025, st.integers(min_value=1, max_value=30))
def test_business_days_before_properties(calendar, day, n):
    result = calendar.business_days_before(day, n)
    assert result < day
    assert calendar.is_business_day(result)
    # `result` and the business days after it, up to the day before `day`: exactly n.
    assert _business_days_in(calendar, result, day - timedelta(days=1)) == n
    if calendar.is_business_day(day):
        assert calendar.business_days_between(result, day) == n


@given(calendars, days_2025, st.integers(min_value=0, max_value=30))
def test_business_days_after_properties(calendar, day, n):
    result = calendar.business_days_after(day, n)
    assert calendar.business_days_between(day, result) == n
    if n:
        assert result > day and calendar.is_business_day(result)
    if n and calendar.is_business_day(day):
        assert calendar.business_days_before(result, n) == day


@given(calendars, days_2025)
def test_next_and_last_are_inverse_on_business_days(calendar, day):
    business = calendar.is_business_day(day)
    after_previous = calendar.next_business_day(calendar.last_business_day_before(day))
    before_next = calendar.last_business_day_before(calendar.next_business_day(day))
    assert after_previous >= day and before_next <= day
    assert (after_previous == day) is business
    assert (before_next == day) is business


@given(calendars, days_2025)
def test_a_trading_day_is_a_business_day(calendar, day):
    assert not calendar.is_trading_day(day) or calendar.is_business_day(day)
