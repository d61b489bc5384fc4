"""What a user's home page shows."""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import Organisation, User, UserSession
from app.calendar.services import business_calendar
from app.domain.calendar import almaty_date


@dataclass(frozen=True)
class DayStatus:
    today: date
    is_business_day: bool
    is_trading_day: bool
    previous_business_day: date
    next_business_day: date
    t_plus_2: date


def day_status(session, now: datetime) -> DayStatus:
    today = almaty_date(now)
    calendar = business_calendar(session, today.year)
    return DayStatus(
        today=today,
        is_business_day=calendar.is_business_day(today),
        is_trading_day=calendar.is_trading_day(today),
        previous_business_day=calendar.last_business_day_before(today),
        next_business_day=calendar.next_business_day(today),
        t_plus_2=calendar.business_days_after(today, 2),
    )


def recent_activity(session, user: User, limit: int = 8) -> list[AuditEvent]:
    return session.scalars(
        select(AuditEvent).where(AuditEvent.actor_user_id == user.id).order_by(AuditEvent.id.desc()).limit(limit)
    ).all()


def desk_counts(session, now: datetime, idle) -> dict[str, int]:
    """Exchange staff's overview of the desk."""
    return {
        "organisations": session.scalar(select(func.count(Organisation.id))),
        "users": session.scalar(select(func.count(User.id))),
        "active_sessions": session.scalar(
            select(func.count(UserSession.id)).where(
                UserSession.revoked_at.is_(None), UserSession.last_seen_at > now - idle
            )
        ),
        "audit_events": session.scalar(select(func.count(AuditEvent.id))),
    }


def primary_dealers(session) -> list[Organisation]:
    return session.scalars(
        select(Organisation).where(Organisation.is_primary_dealer.is_(True), Organisation.is_active.is_(True))
        .order_by(Organisation.name)
    ).all()
