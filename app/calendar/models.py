"""Overrides of the Kazakhstan working-day calendar that the `holidays` package gives."""
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime
from app.extensions import db


class OverrideKind(StrEnum):
    DAY_OFF = "day_off"  # an extra day off (e.g. a government transfer of days off)
    WORKING_DAY = "working_day"  # a weekend day declared working
    NON_TRADING_DAY = "non_trading_day"  # a working day on which the exchange does not trade


class CalendarOverride(db.Model):
    __tablename__ = "calendar_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
