"""The sandbox clock, kept in the database so every worker sees the same simulated time."""
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime
from app.extensions import db


class SandboxClock(db.Model):
    __tablename__ = "sandbox_clock"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The simulated instant as set, and the real instant at which it was set: a running
    # sandbox clock reads simulated_at + (real now − set_at).
    simulated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
