"""The one clock every rule asks.

`now()` is the business clock: real time in production, the simulated time in sandbox mode.
`wall_now()` is real time, always: session timeouts and login limits use it, so a trainee who
moves the sandbox clock never logs everybody out or unlocks an account.
"""
from datetime import UTC, datetime, time, timedelta

from flask import current_app, g, has_app_context
from flask_babel import lazy_gettext as _l

from app.audit.services import record
from app.calendar.services import FIRST_YEAR, LAST_YEAR, business_calendar
from app.clock.models import SandboxClock
from app.domain.calendar import almaty_date, almaty_instant
from app.extensions import db

SANDBOX_ROW_ID = 1
# A year's margin inside the calendar's years, so "n business days before" never leaves them.
SANDBOX_FIRST_YEAR, SANDBOX_LAST_YEAR = FIRST_YEAR + 1, LAST_YEAR - 1
QUICK_SHIFTS = ("today_0900", "today_1200", "plus_hour", "next_business_day_0900")


class SandboxDisabled(RuntimeError):
    """The sandbox clock was asked for while SANDBOX_CLOCK is off."""


class SandboxTimeError(ValueError):
    def __init__(self, message):
        super().__init__(message)  # kept lazy: rendered in the language of whoever reads it
        self.message = message


def wall_now() -> datetime:
    return datetime.now(UTC)


def sandbox_enabled() -> bool:
    return has_app_context() and bool(current_app.config.get("SANDBOX_CLOCK"))


def now() -> datetime:
    """The business instant (aware, UTC); read once per request so one request sees one time."""
    if not sandbox_enabled():
        return wall_now()
    cached = g.get("_desk_now")
    if cached is None:
        cached = _sandbox_now(db.session.get(SandboxClock, SANDBOX_ROW_ID))
        g._desk_now = cached
    return cached


def forget_now() -> None:
    """The next `now()` reads the clock again: for the worker, whose one app context outlives any
    request, so a cached sandbox time would never move."""
    g.pop("_desk_now", None)


def sandbox_state() -> SandboxClock | None:
    return db.session.get(SandboxClock, SANDBOX_ROW_ID) if sandbox_enabled() else None


def _sandbox_now(row: SandboxClock | None) -> datetime:
    if row is None:
        return wall_now()
    if row.frozen:
        return row.simulated_at
    return row.simulated_at + (wall_now() - row.set_at)


def set_sandbox_time(session, simulated_at: datetime, frozen: bool, user_id: int | None) -> SandboxClock:
    """Raises SandboxDisabled when SANDBOX_CLOCK is off, SandboxTimeError for a time the
    calendar cannot serve."""
    _check_enabled()
    if simulated_at.tzinfo is None:
        raise ValueError("naive datetime refused: the simulated time must be aware")
    if not SANDBOX_FIRST_YEAR <= almaty_date(simulated_at).year <= SANDBOX_LAST_YEAR:
        raise SandboxTimeError(_l("Choose a time in the years %(first)d–%(last)d.",
                                  first=SANDBOX_FIRST_YEAR, last=SANDBOX_LAST_YEAR))
    row = session.get(SandboxClock, SANDBOX_ROW_ID)
    before = _clock_snapshot(row)
    if row is None:
        row = SandboxClock(id=SANDBOX_ROW_ID)
        session.add(row)
    row.simulated_at = simulated_at.astimezone(UTC)
    row.set_at = wall_now()
    row.frozen = frozen
    row.set_by_id = user_id
    session.flush()
    g.pop("_desk_now", None)
    record(session, "sandbox_clock.set", "sandbox_clock", SANDBOX_ROW_ID, before, _clock_snapshot(row))
    return row


def shift_sandbox(session, shift: str, user_id: int | None) -> SandboxClock:
    """A quick move of the sandbox clock from the business time now; frozen stays as it is."""
    row = session.get(SandboxClock, SANDBOX_ROW_ID)
    frozen = row.frozen if row is not None else False
    return set_sandbox_time(session, shifted(session, now(), shift), frozen, user_id)


def shifted(session, instant: datetime, shift: str) -> datetime:
    today = almaty_date(instant)
    if shift == "today_0900":
        return almaty_instant(today, time(9, 0))
    if shift == "today_1200":
        return almaty_instant(today, time(12, 0))
    if shift == "plus_hour":
        return instant + timedelta(hours=1)
    if shift == "next_business_day_0900":
        return almaty_instant(business_calendar(session, today.year).next_business_day(today), time(9, 0))
    raise ValueError(f"unknown shift {shift!r}")


def reset_sandbox(session) -> None:
    """Back to real time."""
    _check_enabled()
    row = session.get(SandboxClock, SANDBOX_ROW_ID)
    if row is None:
        return
    before = _clock_snapshot(row)
    session.delete(row)
    session.flush()
    g.pop("_desk_now", None)
    record(session, "sandbox_clock.reset", "sandbox_clock", SANDBOX_ROW_ID, before, None)


def _check_enabled() -> None:
    if not sandbox_enabled():
        raise SandboxDisabled("the sandbox clock is off (SANDBOX_CLOCK)")


def _clock_snapshot(row: SandboxClock | None) -> dict | None:
    if row is None:
        return None
    return {"simulated_at": row.simulated_at.isoformat(), "frozen": row.frozen}
