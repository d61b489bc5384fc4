"""A broker's instruments on the external venues, their quote history and each client's
own list of instruments (KASE rows name the desk's own `market_instruments` codes)."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import ExactDecimal, UTCDateTime
from app.extensions import db

PRICE = ExactDecimal(16, 4)
CODE_LENGTH = 20


class QuoteSource:
    CSV = "csv"
    API = "api"


class VenueInstrument(db.Model):
    """An instrument of AIX or an international market, as one broker firm lists it."""

    __tablename__ = "venue_instruments"
    __table_args__ = (UniqueConstraint("firm_id", "venue", "code", name="uq_venue_instruments_firm_venue_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    venue: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    lot_size: Mapped[int] = mapped_column(Integer)
    price_step: Mapped[Decimal] = mapped_column(PRICE)
    settlement_days: Mapped[int] = mapped_column(Integer)      # T+n business days
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VenueQuote(db.Model):
    """One quote as the venue gave it; the history is only ever appended to."""

    __tablename__ = "venue_quotes"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("venue_instruments.id"), index=True)
    bid: Mapped[Decimal | None] = mapped_column(PRICE)
    ask: Mapped[Decimal | None] = mapped_column(PRICE)
    last: Mapped[Decimal | None] = mapped_column(PRICE)
    quoted_at: Mapped[datetime] = mapped_column(UTCDateTime)    # the venue's time
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    loaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(8))

    instrument: Mapped[VenueInstrument] = relationship()


class WatchedInstrument(db.Model):
    """An instrument on the client's own list, shown in its market's quotes block on Home."""

    __tablename__ = "watched_instruments"
    __table_args__ = (UniqueConstraint("client_id", "venue", "code", name="uq_watched_instruments_client_venue_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("broker_clients.id"), index=True)
    venue: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
