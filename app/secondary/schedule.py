"""The trading day's timetable: opening a session at Almaty times and closing it once its
close time has passed (`flask market advance` every minute; staff and market pages too)."""
from __future__ import annotations

from datetime import date, datetime, time

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.clock.services import now
from app.domain.calendar import almaty_date, almaty_instant
from app.refusals import Refusal
from app.secondary.engine.day import CloseDay, OpenDay
from app.secondary.messages import MarketError
from app.secondary.models import TradingSession
from app.secondary.trading import services


class ScheduleError(Refusal):
    """A session time or day the timetable refuses before the sequencer is asked."""


def default_times() -> tuple[time, time]:
    """MARKET_OPENS and MARKET_CLOSES ("HH:MM", Almaty time)."""
    return (parse_clock(current_app.config["MARKET_OPENS"], "opens"),
            parse_clock(current_app.config["MARKET_CLOSES"], "closes"))


def parse_clock(text: str, field: str) -> time:
    try:
        hours, minutes = (int(part) for part in str(text).strip().split(":"))
        return time(hours, minutes)
    except ValueError:
        raise ScheduleError(_l("Write the time as HH:MM, e.g. 11:30."), field=field,
                            code="bad_time") from None


def open_day(session, day: date, opens: time, closes: time, user_id: int | None = None):
    """Journal the opening of `day`: only today's Almaty date (by the business clock) may
    open, since orders are accepted only on the day the market is on."""
    today = almaty_date(now())
    if day != today:
        raise ScheduleError(_l("Only today's trading day (%(today)s) can be opened.",
                               today=today.isoformat()), field="day", code="not_today")
    return services.execute(session, OpenDay(day, almaty_instant(day, opens),
                                             almaty_instant(day, closes), user_id))


def close_day(session, user_id: int | None = None):
    """Session end now: day orders cancelled, deals due today settled (DVP)."""
    return services.execute(session, CloseDay(user_id))


def close_is_due(trading_session: TradingSession | None, at: datetime) -> bool:
    return (trading_session is not None and trading_session.closed_seq is None
            and trading_session.closes_at <= at)


def advance_due(session) -> bool:
    """Close the open session if its close time has passed; True when this call closed it.
    Commits (through the sequencer), so callers hold no uncommitted work."""
    if not close_is_due(services.current_session(session), now()):
        return False
    try:
        close_day(session)
    except MarketError as error:
        if error.code != "day_not_open":    # another worker closed it first
            raise
        return False
    return True
