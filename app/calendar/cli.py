"""`flask calendar …`: inspect and override the business calendar.

Output is in English (operators' consoles); changes are audited with the actor "cli".
"""
from datetime import date
from functools import wraps

import click
from flask import g
from flask.cli import AppGroup
from flask_babel import force_locale

from app.audit.services import Actor
from app.calendar import services
from app.calendar.models import OverrideKind
from app.clock.services import now
from app.domain.calendar import CalendarRangeError, last_of_month
from app.extensions import db

calendar_cli = AppGroup("calendar", help="The business calendar.")
CLI_ACTOR = Actor(None, "cli", None, None)
DATE = click.DateTime(formats=["%Y-%m-%d"])


def in_english(command):
    """Messages and holiday names are translated strings; the console gets the English ones."""
    @wraps(command)
    def run(*args, **kwargs):
        with force_locale("en"):
            try:
                return command(*args, **kwargs)
            except CalendarRangeError:
                years = f"{services.FIRST_YEAR}–{services.LAST_YEAR}"
                raise click.ClickException(f"the calendar covers the years {years}") from None
    return run


def _month(_context, _parameter, value: str) -> date:
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError:
        raise click.BadParameter("give the month as YYYY-MM, e.g. 2026-03") from None


@calendar_cli.command("show")
@click.argument("month", callback=_month, metavar="YYYY-MM")
@in_english
def show(month: date):
    """Print every day of a month with its marks."""
    days = services.describe_days(db.session, month, last_of_month(month), "en")
    for day in days:
        click.echo(_day_line(day))


def _day_line(day: services.CalendarDay) -> str:
    status = "trading" if day.trading_day else "business, no trading" if day.business_day else "day off"
    marks = [status]
    if day.holiday:
        marks.append(f"holiday: {day.holiday}")
    if day.transferred_working_day:
        marks.append("working day by transfer")
    if day.override_kind:
        marks.append(f"override: {day.override_kind}" + (f" ({day.override_note})" if day.override_note else ""))
    return f"{day.day.isoformat()} {day.day.strftime('%a')}  " + "; ".join(marks)


@calendar_cli.command("add")
@click.argument("day", type=DATE, metavar="DATE")
@click.argument("kind", type=click.Choice([kind.value for kind in OverrideKind]))
@click.option("--note", default="", help="Why, e.g. the decree's number.")
@in_english
def add(day, kind: str, note: str):
    """Add an override: DATE (YYYY-MM-DD) becomes KIND."""
    g.audit_actor = CLI_ACTOR
    try:
        services.add_override(db.session, day.date(), OverrideKind(kind), note, None, now())
    except services.OverrideError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"{day.date().isoformat()}: {kind} added")


@calendar_cli.command("remove")
@click.argument("day", type=DATE, metavar="DATE")
@in_english
def remove(day):
    """Remove the override of DATE (YYYY-MM-DD)."""
    g.audit_actor = CLI_ACTOR
    override = services.find_override(db.session, day.date())
    if override is None:
        raise click.ClickException(f"{day.date().isoformat()} has no override")
    services.remove_override(db.session, override)
    db.session.commit()
    click.echo(f"{day.date().isoformat()}: override removed")


@calendar_cli.command("list")
@click.option("--year", type=int, help="Only this year.")
@in_english
def list_overrides(year: int | None):
    """Print the overrides, oldest first."""
    overrides = services.list_overrides(db.session, year)
    if not overrides:
        click.echo("no overrides")
    for override in overrides:
        click.echo(f"{override.day.isoformat()} {override.kind:<16} {override.note}".rstrip())


@calendar_cli.command("check")
@click.argument("day", type=DATE, metavar="DATE")
@in_english
def check(day):
    """Is DATE a business day, a trading day; which business days are either side of it."""
    day = day.date()
    calendar = services.business_calendar(db.session, day.year)
    click.echo(f"date:                  {day.isoformat()} {day.strftime('%A')}")
    click.echo(f"business day:          {'yes' if calendar.is_business_day(day) else 'no'}")
    click.echo(f"trading day:           {'yes' if calendar.is_trading_day(day) else 'no'}")
    click.echo(f"previous business day: {calendar.last_business_day_before(day).isoformat()}")
    click.echo(f"next business day:     {calendar.next_business_day(day).isoformat()}")
