"""The columns every placement's bids, deals and notices have; each kind's models add their own
(prices are stored to the precision of the kind's terms, so each declares its price)."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.auth.models import Organisation
from app.db_types import ExactDecimal, UTCDateTime

MONEY = ExactDecimal(20, 2)       # tenge


class SealedBidColumns:
    """A bid: the firm's, under its idempotency key, perhaps on an account a custodian controls."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (UniqueConstraint("organisation_id", "idempotency_key"),)  # a constraint per table

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    quantity: Mapped[int] = mapped_column(BigInteger)
    custodian_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    confirmation: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12))
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @declared_attr
    def organisation(cls) -> Mapped[Organisation]:
        return relationship(Organisation, foreign_keys=f"[{cls.__name__}.organisation_id]")

    @declared_attr
    def custodian(cls) -> Mapped[Organisation | None]:
        return relationship(Organisation, foreign_keys=f"[{cls.__name__}.custodian_id]")


class PlacedDealColumns:
    """A deal: one per satisfied bid, numbered after its offering."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    quantity: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @declared_attr
    def organisation(cls) -> Mapped[Organisation]:
        return relationship(Organisation)


class NoticeColumns:
    """A published notice; its text is rendered from the offering in the reader's language."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(14))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    note: Mapped[str | None] = mapped_column(Text)
