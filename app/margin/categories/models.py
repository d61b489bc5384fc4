"""A client's request for the special-risk category and what the broker records on it: the
qualification (professional investor, or a passed test), the supplementary agreement, and the
decision. A granted request stays the record of the grant; a downgrade closes it."""
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.brokerage.models import BrokerClient
from app.db_types import UTCDateTime
from app.extensions import db


class RequestStatus(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    REFUSED = "refused"
    DOWNGRADED = "downgraded"      # granted, later taken back by the broker


class Qualification(StrEnum):
    """Seed 003's second condition: one of the two, recorded by the broker."""
    PROFESSIONAL = "professional"  # recognised as a professional investor
    TEST_PASSED = "test_passed"    # passed the broker's test


class CategoryRequest(db.Model):
    __tablename__ = "margin_category_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("broker_clients.id"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)   # the queue's key
    status: Mapped[str] = mapped_column(String(12))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    qualification: Mapped[str | None] = mapped_column(String(16))
    qualified_on: Mapped[date | None] = mapped_column(Date)
    qualification_document: Mapped[str | None] = mapped_column(String(100))
    qualification_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    qualification_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agreement_number: Mapped[str | None] = mapped_column(String(40))
    agreement_date: Mapped[date | None] = mapped_column(Date)
    agreement_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    agreement_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)                    # a refusal's, for the client
    downgraded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    downgraded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    downgrade_reason: Mapped[str | None] = mapped_column(Text)

    client: Mapped[BrokerClient] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_pending(self) -> bool:
        return self.status == RequestStatus.PENDING

    @property
    def qualification_recorded(self) -> bool:
        return self.qualification is not None and self.qualified_on is not None and bool(self.qualification_document)

    @property
    def agreement_recorded(self) -> bool:
        return bool(self.agreement_number) and self.agreement_date is not None
