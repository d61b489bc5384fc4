"""The register files the worker builds and keeps for download: an auction's deal register PDF
and a subscription's accepted-bids exports. A file appears under its final name only when
complete, so a half-written one is never served."""
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auctions.models import Auction
from app.db_types import UTCDateTime
from app.extensions import db
from app.subscriptions.models import Subscription


class DealRegisterFile(db.Model):
    """A big auction's deal register PDF, built by the worker process and kept for download.
    It reflects the deals as they stood in `auction_status` (settlement changes their status),
    in the language it was asked in; it appears under its name only when complete."""

    __tablename__ = "auction_deal_register_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    auction_id: Mapped[int] = mapped_column(ForeignKey("auctions.id"), index=True)
    auction_status: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(10))        # queued, running, done, failed
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    auction: Mapped[Auction] = relationship()


class RegisterExport(db.Model):
    """A register file built for download; large ones are built in the background. The file
    appears under its final name only when complete, so a half-written file is never served."""

    __tablename__ = "register_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))          # accepted_xml, accepted_xlsx
    status: Mapped[str] = mapped_column(String(10))        # queued, running, done, failed
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    file_name: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    subscription: Mapped[Subscription] = relationship()
