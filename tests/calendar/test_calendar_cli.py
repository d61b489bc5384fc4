"""`flask calendar …`."""
import json

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.calendar.models import CalendarOverride
from app.extensions import db


def rows() -> list[tuple[str, str, str]]:
    db.session.expire_all()
    return [(o.day.isoformat(), o.kind, o.note) for o in db.session.scalars(select(CalendarOverride))]


def test_show_prints_every_day_with_its_marks(runner):
    result = runner.invoke(args=["calendar", "show", "2026-03"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 31
    assert lines[19] == "2026-03-20 Fri  trading"
    assert lines[23] == "2026-03-24 Tue  day off; holiday: Nowruz Holiday (observed)"
    assert lines[27] == "2026-03-28 Sat  day off"


def test_show_refuses_a_bad_month(runner):
    result = runner.invoke(args=["calendar", "show", "March"])
    assert result.exit_code == 2 and "YYYY-MM" in result.output
    result = runner.invoke(args=["calendar", "show", "2150-01"])
    assert result.exit_code == 1 and "2000–2099" in result.output


def test_add_list_remove_are_audited_as_cli(runner):
    result = runner.invoke(args=["calendar", "add", "2026-04-15", "non_trading_day", "--note", "Upgrade"])
    assert result.exit_code == 0, result.output
    assert rows() == [("2026-04-15", "non_trading_day", "Upgrade")]
    assert runner.invoke(args=["calendar", "list"]).output == "2026-04-15 non_trading_day  Upgrade\n"
    assert "2026-04-15 Wed  business, no trading; override: non_trading_day (Upgrade)" in runner.invoke(
        args=["calendar", "show", "2026-04"]).output

    result = runner.invoke(args=["calendar", "remove", "2026-04-15"])
    assert result.exit_code == 0, result.output
    assert rows() == []
    assert runner.invoke(args=["calendar", "list", "--year", "2026"]).output == "no overrides\n"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "calendar_override")).all()
    assert [(e.action, e.actor_login) for e in events] == [
        ("calendar_override.added", "cli"), ("calendar_override.removed", "cli")]
    assert json.loads(events[0].after)["note"] == "Upgrade"


def test_add_refusals_say_why(runner):
    result = runner.invoke(args=["calendar", "add", "2026-04-14", "working_day"])
    assert result.exit_code == 1 and "already a working day" in result.output
    result = runner.invoke(args=["calendar", "add", "2026-04-14", "holiday"])
    assert result.exit_code == 2 and "holiday" in result.output
    result = runner.invoke(args=["calendar", "add", "14.04.2026", "day_off"])
    assert result.exit_code == 2
    assert rows() == []


def test_remove_of_a_day_without_override(runner):
    result = runner.invoke(args=["calendar", "remove", "2026-04-14"])
    assert result.exit_code == 1 and "no override" in result.output


def test_check(runner):
    result = runner.invoke(args=["calendar", "check", "2026-03-24"])
    assert result.exit_code == 0, result.output
    assert "business day:          no" in result.output
    assert "trading day:           no" in result.output
    assert "previous business day: 2026-03-20" in result.output
    assert "next business day:     2026-03-26" in result.output
