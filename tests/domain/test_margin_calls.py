"""When a margin call is due and when a close-out's debt is (app.domain.margin), on a calendar
with holidays: the deadline falls on the next business day at 17:00 Almaty/Astana time."""
from datetime import date, datetime, time

import pytest

from app.domain.calendar import ALMATY, BusinessCalendar
from app.domain.margin import debt_due_on, margin_call_deadline

NAURYZ = frozenset({date(2027, 3, 22), date(2027, 3, 23), date(2027, 3, 24)})
CALENDAR = BusinessCalendar(2020, 2030, public_holidays=frozenset({date(2027, 3, 15)}) | NAURYZ)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ALMATY)


@pytest.mark.parametrize("opened, deadline", [
    (at(date(2027, 3, 10), 12), at(date(2027, 3, 11), 17)),          # Wednesday → Thursday
    (at(date(2027, 3, 26), 16), at(date(2027, 3, 29), 17)),          # Friday → Monday
    (at(date(2027, 3, 12), 12), at(date(2027, 3, 16), 17)),          # Friday → Tuesday: Monday 15 March a holiday
    (at(date(2027, 3, 19), 23, 30), at(date(2027, 3, 25), 17)),      # Friday night → after Nauryz
    (at(date(2027, 3, 13), 10), at(date(2027, 3, 16), 17)),          # opened on a Saturday
])
def test_the_next_business_day_at_17(opened, deadline):
    assert margin_call_deadline(CALENDAR, opened) == deadline


@pytest.mark.parametrize("opened, deadline", [
    (at(date(2027, 3, 10), 12), at(date(2027, 3, 10), 17)),          # 17:00 today
    (at(date(2027, 3, 10), 17, 30), at(date(2027, 3, 10), 17, 30)),  # past it: now
])
def test_the_same_day_when_the_broker_demands_it(opened, deadline):
    assert margin_call_deadline(CALENDAR, opened, same_day=True) == deadline


@pytest.mark.parametrize("demanded, due", [
    (at(date(2027, 3, 12), 18), date(2027, 3, 16)),                  # Friday → Tuesday, over the holiday
    (at(date(2027, 3, 10), 9), date(2027, 3, 11)),
])
def test_a_debt_is_due_by_the_end_of_the_next_business_day(demanded, due):
    assert debt_due_on(CALENDAR, demanded) == due
