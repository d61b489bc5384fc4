"""A member firm's clients and their ledger (seed 000: sub-accounts of money and securities)."""
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Organisation, User
from app.db_types import ExactDecimal, UTCDateTime
from app.extensions import db
from app.margin.models import MarginCategory

AMOUNT = ExactDecimal(22, 2)     # money to the tiyn/cent; securities in whole pieces


class ClientStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"      # logs in and sees its accounts; places nothing
    CLOSED = "closed"            # the agreement has ended; the login is disabled


class Currency(StrEnum):
    KZT = "KZT"
    USD = "USD"


class Venue(StrEnum):
    KASE = "kase"                # the desk's own market
    AIX = "aix"
    INTERNATIONAL = "international"


class LedgerSource(StrEnum):
    DEPOSIT = "deposit"          # recorded by the back office
    DEAL = "deal"
    FEE = "fee"
    WITHDRAWAL = "withdrawal"
    INCOME = "income"            # a coupon or dividend: credited to holders, withheld from shorts


class BrokerClient(db.Model):
    """A natural person served by a member firm under a brokerage agreement. Its own
    organisation (kind client, parent = the firm) holds its `client` login."""

    __tablename__ = "broker_clients"
    __table_args__ = (UniqueConstraint("firm_id", "iin", name="uq_broker_clients_firm_iin"),
                      UniqueConstraint("firm_id", "agreement_number", name="uq_broker_clients_firm_agreement"),
                      UniqueConstraint("firm_id", "client_code", name="uq_broker_clients_firm_client_code"))

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    iin: Mapped[str] = mapped_column(String(12))
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(16))           # E.164
    email: Mapped[str] = mapped_column(String(254))
    agreement_number: Mapped[str] = mapped_column(String(40))
    agreement_date: Mapped[date] = mapped_column(Date)
    # The code the firm's orders on its aggregated client account carry for this client.
    client_code: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Seed 003: which of the firm's discount-rate tables applies to the client.
    margin_category: Mapped[str] = mapped_column(String(16), default=MarginCategory.STANDARD,
                                                 server_default=MarginCategory.STANDARD.value)

    firm: Mapped[Organisation] = relationship(foreign_keys=[firm_id])
    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    user: Mapped[User] = relationship()


class LedgerEntry(db.Model):
    """One movement on a client's sub-account; the ledger is append-only (the database refuses
    UPDATE and DELETE), so a balance is the sum of its entries and a mistake is a new entry."""

    __tablename__ = "client_ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("broker_clients.id"), index=True)
    # Money: asset = currency, venue None. Securities: asset = instrument code on that venue.
    venue: Mapped[str | None] = mapped_column(String(16))
    asset: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(AMOUNT)           # signed: + credit, − debit
    source: Mapped[str] = mapped_column(String(12))
    reference: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)
    settles_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    client: Mapped[BrokerClient] = relationship()

    @property
    def is_money(self) -> bool:
        return self.venue is None
