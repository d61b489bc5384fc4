"""The outbox: every SMS and e-mail the desk sends, and what became of it."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime
from app.extensions import db


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class MessageStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"      # handed to a gateway; stored before the gateway is called
    SENT = "sent"
    FAILED = "failed"        # refused on every attempt; `error` says why
    UNKNOWN = "unknown"      # the gateway may or may not have taken it: never sent again


class OutboxMessage(db.Model):
    """One message to one recipient; `user_id` is the user it is for (their outbox page)."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the last attempt began: tells a dead worker's "sending" from a live one, and paces retries.
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
