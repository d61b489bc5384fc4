"""A firm's margin fee tariff and the fees accrued under it.

The tariff is an append-only history like the discount rates: a new entry supersedes the
previous one from its `effective_from` (the database refuses UPDATE and DELETE). An accrual is
one client's fee for one business day; the unique key (client, day) is what makes the worker's
step charge a day at most once, whatever runs it twice. A run marks a firm's day as done, so
the step does not look at the firm's clients again that day."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.brokerage.models import AMOUNT, BrokerClient
from app.db_types import ExactDecimal, UTCDateTime
from app.extensions import db

DAILY_RATE = ExactDecimal(7, 4)     # per cent per day: 0.0500 is 0.05 % a day


class MarginTariff(db.Model):
    """One entry of a firm's margin fee tariff."""

    __tablename__ = "margin_tariffs"
    __table_args__ = (Index("ix_margin_tariffs_firm", "firm_id", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    money_rate: Mapped[Decimal] = mapped_column(DAILY_RATE)          # on money debt
    securities_rate: Mapped[Decimal] = mapped_column(DAILY_RATE)     # on the value of lent securities
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    created_by: Mapped[User] = relationship()


class FeeAccrual(db.Model):
    """One client's margin fee for one business day, and what it was charged on (KZT, to the tiyn)."""

    __tablename__ = "margin_fee_accruals"
    __table_args__ = (UniqueConstraint("client_id", "day", name="uq_margin_fee_accruals_client_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("broker_clients.id"))
    day: Mapped[date] = mapped_column(Date)
    tariff_id: Mapped[int] = mapped_column(ForeignKey("margin_tariffs.id"))
    money_debt: Mapped[Decimal] = mapped_column(AMOUNT)
    lent_value: Mapped[Decimal] = mapped_column(AMOUNT)
    money_rate: Mapped[Decimal] = mapped_column(DAILY_RATE)
    securities_rate: Mapped[Decimal] = mapped_column(DAILY_RATE)
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    ledger_entry_id: Mapped[int] = mapped_column(ForeignKey("client_ledger.id"))
    accrued_at: Mapped[datetime] = mapped_column(UTCDateTime)

    client: Mapped[BrokerClient] = relationship()


class FeeRun(db.Model):
    """A firm's accrual for one business day, done."""

    __tablename__ = "margin_fee_runs"
    __table_args__ = (UniqueConstraint("firm_id", "day", name="uq_margin_fee_runs_firm_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    day: Mapped[date] = mapped_column(Date)
    tariff_id: Mapped[int] = mapped_column(ForeignKey("margin_tariffs.id"))
    charged: Mapped[int] = mapped_column(Integer)       # clients charged
    skipped: Mapped[int] = mapped_column(Integer)       # clients whose portfolio could not be valued
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
