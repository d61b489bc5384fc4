"""Banks the desk pays to, and the client's signed withdrawal instructions."""
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.brokerage.models import AMOUNT, BrokerClient
from app.cabinet.signing.models import SignedDocument
from app.db_types import UTCDateTime
from app.extensions import db


class WithdrawalStatus(StrEnum):
    AWAITING_SIGNATURE = "awaiting_signature"
    SUBMITTED = "submitted"      # signed: the money is blocked
    APPROVED = "approved"        # the back office will pay it: still blocked
    PAID = "paid"                # debited from the ledger
    REJECTED = "rejected"        # by the back office, with a reason
    CANCELLED = "cancelled"      # by the client, before approval
    EXPIRED = "expired"          # never signed


BLOCKING = (WithdrawalStatus.SUBMITTED, WithdrawalStatus.APPROVED)


class Bank(db.Model):
    """A bank a withdrawal may go to; the administrator keeps the list."""

    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    bic: Mapped[str] = mapped_column(String(11), unique=True)   # SWIFT BIC, 8 or 11 characters
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class WithdrawalInstruction(db.Model):
    """A client's order to pay money from its account to its own bank account (IIC/IBAN)."""

    __tablename__ = "withdrawal_instructions"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("broker_clients.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    iban: Mapped[str] = mapped_column(String(34))
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"))
    # The account holder is the client itself: copied from the agreement, never typed.
    beneficiary: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("signed_documents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    payment_reference: Mapped[str | None] = mapped_column(String(60))

    client: Mapped[BrokerClient] = relationship()
    bank: Mapped[Bank] = relationship()
    document: Mapped[SignedDocument | None] = relationship()
    decided_by: Mapped[User | None] = relationship()
