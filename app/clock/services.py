"""The one clock every rule asks.

`now()` is the business clock: real time in production, the simulated time in sandbox mode.
`wall_now()` is real time, always: session timeouts and login limits use it, so a trainee who
moves the sandbox clock never logs everybody out or unlocks an account.
"""
from datetime import UTC, datetime

from flask import current_app, g, has_app_context

from app.audit.services import record
from app.clock.models import SandboxClock
from app.extensions import db

SANDBOX_ROW_ID = 1


class SandboxDisabled(RuntimeError):
    """The sandbox clock was asked for while SANDBOX_CLOCK is off."""


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


def sandbox_state() -> SandboxClock | None:
    return db.session.get(SandboxClock, SANDBOX_ROW_ID) if sandbox_enabled() else None


def _sandbox_now(row: SandboxClock | None) -> datetime:
    if row is None:
        return wall_now()
    if row.frozen:
        return row.simulated_at
    return row.simulated_at + (wall_now() - row.set_at)


def set_sandbox_time(session, simulated_at: datetime, frozen: bool, user_id: int | None) -> SandboxClock:
    if not sandbox_enabled():
        raise SandboxDisabled("the sandbox clock is off (SANDBOX_CLOCK)")
    row = session.get(SandboxClock, SANDBOX_ROW_ID)
    before = _clock_snapshot(row)
    if row is None:
        row = SandboxClock(id=SANDBOX_ROW_ID)
        session.add(row)
    row.simulated_at = simulated_at
    row.set_at = wall_now()
    row.frozen = frozen
    row.set_by_id = user_id
    session.flush()
    g.pop("_desk_now", None)
    record(session, "sandbox_clock.set", "sandbox_clock", SANDBOX_ROW_ID, before, _clock_snapshot(row))
    return row


def reset_sandbox(session) -> None:
    """Back to real time."""
    row = session.get(SandboxClock, SANDBOX_ROW_ID)
    if row is None:
        return
    before = _clock_snapshot(row)
    session.delete(row)
    session.flush()
    g.pop("_desk_now", None)
    record(session, "sandbox_clock.reset", "sandbox_clock", SANDBOX_ROW_ID, before, None)


def _clock_snapshot(row: SandboxClock | None) -> dict | None:
    if row is None:
        return None
    return {"simulated_at": row.simulated_at.isoformat(), "frozen": row.frozen}
