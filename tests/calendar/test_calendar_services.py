"""The calendar service: the `holidays` package, the override table and its audit trail."""
import json
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.calendar import services
from app.calendar.holiday_names import translate_holiday
from app.calendar.models import CalendarOverride, OverrideKind
from app.clock.services import wall_now
from app.domain.calendar import CalendarRangeError
from app.extensions import db

D = date.fromisoformat


def add(day: str, kind: OverrideKind, note: str = "") -> CalendarOverride:
    override = services.add_override(db.session, D(day), kind, note, None, wall_now())
    db.session.commit()
    return override


def audit_actions() -> list[tuple[str, dict | None, dict | None]]:
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "calendar_override")
                                .order_by(AuditEvent.id)).all()
    return [(event.action, event.before and json.loads(event.before), event.after and json.loads(event.after))
            for event in events]


@pytest.mark.parametrize("day, business", [
    ("2026-03-20", True),
    ("2026-03-21", False), ("2026-03-23", False), ("2026-03-24", False), ("2026-03-25", False),  # Nauryz
    ("2026-03-26", True),
    ("2024-05-04", True),   # a Saturday made working by the 2024 transfer of days off
    ("2024-05-08", False),  # the Wednesday it was moved to
    ("2026-05-27", False),  # Kurban ait (estimated by the package)
])
def test_the_public_calendar_of_kazakhstan(app, day, business):
    assert services.build_calendar(db.session, 2026).is_business_day(D(day)) is business


def test_n_business_days_before_across_nauryz_2026(app):
    calendar = services.build_calendar(db.session, 2026)
    assert calendar.business_days_before(D("2026-03-26"), 1) == D("2026-03-20")
    assert calendar.business_days_before(D("2026-03-26"), 3) == D("2026-03-18")
    assert calendar.business_days_after(D("2026-03-20"), 2) == D("2026-03-27")


@pytest.mark.parametrize("year", [1999, 2100])
def test_years_outside_the_calendar_are_refused(app, year):
    with pytest.raises(CalendarRangeError):
        services.build_calendar(db.session, year)


def test_the_calendar_near_the_edge_is_cut_to_the_years(app):
    calendar = services.build_calendar(db.session, 2001)
    assert (calendar.first_year, calendar.last_year) == (2000, 2006)


def test_an_override_is_added_audited_and_seen_by_the_calendar(app):
    assert services.business_calendar(db.session, 2026).is_trading_day(D("2026-04-15"))
    override = add("2026-04-15", OverrideKind.NON_TRADING_DAY, "  settlement system upgrade ")
    assert override.note == "settlement system upgrade"
    calendar = services.business_calendar(db.session, 2026)  # the request's cached copy was dropped
    assert calendar.is_business_day(D("2026-04-15")) and not calendar.is_trading_day(D("2026-04-15"))
    assert audit_actions() == [("calendar_override.added", None,
                                {"day": "2026-04-15", "kind": "non_trading_day", "note": "settlement system upgrade"})]


def test_an_override_is_removed_and_audited(app):
    override = add("2026-04-14", OverrideKind.DAY_OFF, "decree 1")
    assert not services.business_calendar(db.session, 2026).is_business_day(D("2026-04-14"))
    services.remove_override(db.session, override)
    db.session.commit()
    assert db.session.scalars(select(CalendarOverride)).all() == []
    assert services.business_calendar(db.session, 2026).is_business_day(D("2026-04-14"))
    assert [action for action, _before, _after in audit_actions()] == [
        "calendar_override.added", "calendar_override.removed"]
    assert audit_actions()[-1][1] == {"day": "2026-04-14", "kind": "day_off", "note": "decree 1"}


@pytest.mark.parametrize("day, kind", [
    ("2026-04-18", OverrideKind.WORKING_DAY),      # a Saturday
    ("2026-03-24", OverrideKind.WORKING_DAY),      # a holiday on a Tuesday: corrects the package
    ("2026-04-14", OverrideKind.DAY_OFF),
    ("2024-05-04", OverrideKind.DAY_OFF),          # a transferred working Saturday
    ("2026-04-15", OverrideKind.NON_TRADING_DAY),
])
def test_overrides_that_change_the_day_are_accepted(app, day, kind):
    add(day, kind)
    assert services.find_override(db.session, D(day)).kind == kind.value


@pytest.mark.parametrize("day, kind, field, message", [
    ("2026-04-14", OverrideKind.WORKING_DAY, "kind", "already a working day"),   # a Tuesday
    ("2026-04-18", OverrideKind.DAY_OFF, "kind", "already a day off"),
    ("2026-03-23", OverrideKind.DAY_OFF, "kind", "already a day off"),
    ("2026-04-18", OverrideKind.NON_TRADING_DAY, "kind", "never trades on a day off"),
    ("1999-12-31", OverrideKind.DAY_OFF, "day", "2000–2099"),
    ("2100-01-04", OverrideKind.DAY_OFF, "day", "2000–2099"),
])
def test_overrides_that_change_nothing_are_refused(app, day, kind, field, message):
    with pytest.raises(services.OverrideError) as caught, force_locale("en"):
        services.add_override(db.session, D(day), kind, "", None, wall_now())
    assert caught.value.field == field
    with force_locale("en"):
        assert message in str(caught.value.message)
    assert db.session.scalars(select(CalendarOverride)).all() == []
    assert audit_actions() == []


def test_a_second_override_for_a_day_is_refused(app):
    add("2026-04-14", OverrideKind.DAY_OFF)
    with pytest.raises(services.OverrideError) as caught:
        services.add_override(db.session, D("2026-04-14"), OverrideKind.NON_TRADING_DAY, "", None, wall_now())
    assert caught.value.field == "day"
    assert len(db.session.scalars(select(CalendarOverride)).all()) == 1


def test_a_too_long_note_is_refused_not_cut(app):
    with pytest.raises(services.OverrideError) as caught:
        services.add_override(db.session, D("2026-04-14"), OverrideKind.DAY_OFF, "x" * 201, None, wall_now())
    assert caught.value.field == "note"


def test_error_messages_are_lazy_msgids(app):
    with pytest.raises(services.OverrideError) as caught:
        services.add_override(db.session, D("2026-04-14"), OverrideKind.WORKING_DAY, "", None, wall_now())
    assert not isinstance(caught.value.message, str)  # rendered in the user's language when shown


def test_describe_days(app):
    add("2026-03-27", OverrideKind.NON_TRADING_DAY, "IT maintenance")
    with force_locale("en"):
        days = {day.day: day for day in services.describe_days(db.session, D("2026-03-20"), D("2026-03-28"), "en")}
    assert len(days) == 9
    assert days[D("2026-03-21")].holiday == "Nowruz Holiday" and days[D("2026-03-21")].weekend
    assert days[D("2026-03-24")].holiday == "Nowruz Holiday (observed)" and not days[D("2026-03-24")].business_day
    assert days[D("2026-03-27")].business_day and not days[D("2026-03-27")].trading_day
    assert (days[D("2026-03-27")].override_kind, days[D("2026-03-27")].override_note) == (
        "non_trading_day", "IT maintenance")
    assert days[D("2026-03-20")].trading_day and days[D("2026-03-20")].holiday is None


def test_describe_days_marks_transferred_working_days(app):
    (day,) = services.describe_days(db.session, D("2024-05-04"), D("2024-05-04"), "kk")
    assert day.weekend and day.business_day and day.transferred_working_day


def test_describe_days_refuses_a_span_beyond_the_calendar(app):
    with pytest.raises(CalendarRangeError):
        services.describe_days(db.session, D("2020-01-01"), D("2027-01-01"), "en")


def test_holiday_names_by_language(app):
    with force_locale("kk"):
        assert services.public_holiday_names(2026, 2026, "kk")[D("2026-03-21")] == "Наурыз мейрамы"
    with force_locale("en"):
        names = services.public_holiday_names(2026, 2026, "en")
    assert names[D("2026-03-21")] == "Nowruz Holiday"
    assert names[D("2026-05-27")] == "Eid al-Adha (estimated)"


def test_russian_names_go_through_the_english_msgids(app):
    # The package has no Russian: its English names are looked up in the Russian catalogue.
    with force_locale("ru"):
        names = services.public_holiday_names(2024, 2024, "ru")
    assert names[D("2024-03-22")] == "Наурыз мейрамы"
    assert names[D("2024-05-08")] == "Выходной день (перенесён с 04.05.2024)"
    assert names[D("2024-03-25")] == "Наурыз мейрамы (выходной по переносу)"


@pytest.mark.parametrize("english, shown", [
    ("Victory Day", "Victory Day"),
    ("Victory Day (observed)", "Victory Day (observed)"),
    ("Eid al-Adha (observed, estimated)", "Eid al-Adha (observed, estimated)"),
    ("Day off (substituted from 01/05/2025)", "Day off (substituted from 05.01.2025)"),
    ("Independence Day; Eid al-Adha", "Independence Day; Eid al-Adha"),
    ("A holiday the table lacks", "A holiday the table lacks"),
])
def test_translate_holiday(app, english, shown):
    with force_locale("en"):
        assert translate_holiday(english) == shown


def test_list_overrides_by_year(app):
    add("2025-04-15", OverrideKind.NON_TRADING_DAY)
    add("2026-04-15", OverrideKind.NON_TRADING_DAY)
    assert [o.day.year for o in services.list_overrides(db.session)] == [2025, 2026]
    assert [o.day for o in services.list_overrides(db.session, 2026)] == [D("2026-04-15")]
