"""The append-only audit trail: one row per state change, chained by SHA-256 within its stream."""
from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db_types import UTCDateTime
from app.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("stream", "seq"),)

    # Only orders the trail for reading; the chain is (stream, seq), where a gap is visible.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stream: Mapped[str] = mapped_column(String(96))
    # Assigned by the stream's head (last_seq + 1), so a deleted row leaves a visible gap.
    seq: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_login: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    actor_organisation_id: Mapped[int | None] = mapped_column(Integer)
    object_type: Mapped[str] = mapped_column(String(64), index=True)
    object_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))


class AuditHead(db.Model):
    """One row per stream: its last seq and hash. Locking it serialises appends to that stream
    only, so unrelated changes (two firms' bids) do not queue behind each other."""

    __tablename__ = "audit_heads"

    stream: Mapped[str] = mapped_column(String(96), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
