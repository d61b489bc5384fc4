"""A broker firm's margin tables: discount rates per client category, venue and instrument
(or foreign currency), and FX rates into tenge. Both are append-only histories: a new entry
supersedes the key's previous one from its `effective_from`; nothing is edited or deleted (the
database refuses UPDATE and DELETE)."""
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db_types import ExactDecimal, UTCDateTime
from app.extensions import db

RATE = ExactDecimal(5, 2)          # per cent, 0.00–100.00
FX_RATE = ExactDecimal(16, 4)      # tenge for one unit of the currency
MONEY = "money"                    # the venue a currency's money rate is given under (stored as None)
# The currencies a firm may give a money rate or an FX rate for; tenge is the base and has neither.
FOREIGN_CURRENCIES = ("USD", "EUR", "RUB", "CNY", "GBP", "CHF", "JPY", "TRY")


class MarginCategory(StrEnum):
    """Seed 003: every client is standard until a request (a later issue) makes it special risk."""
    STANDARD = "standard"
    SPECIAL_RISK = "special_risk"


class RateKey(NamedTuple):
    """What a rate is for, as a ledger row names an asset: (venue, instrument code), or
    (None, currency) for money."""
    venue: str | None
    code: str


class DiscountRate(db.Model):
    """One entry of a firm's discount rates for one client category."""

    __tablename__ = "margin_discount_rates"
    __table_args__ = (Index("ix_margin_discount_rates_key", "firm_id", "category", "venue", "code", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    category: Mapped[str] = mapped_column(String(16))
    venue: Mapped[str | None] = mapped_column(String(16))       # None: a currency's money rate
    code: Mapped[str] = mapped_column(String(20))               # instrument code, or currency
    long_rate: Mapped[Decimal] = mapped_column(RATE)
    short_rate: Mapped[Decimal] = mapped_column(RATE)
    marginal: Mapped[bool] = mapped_column(Boolean)             # on the broker's marginal list
    shortable: Mapped[bool] = mapped_column(Boolean)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    created_by: Mapped[User] = relationship()

    @property
    def key(self) -> RateKey:
        return RateKey(self.venue, self.code)

    @property
    def is_money(self) -> bool:
        return self.venue is None


class FxRate(db.Model):
    """One entry of a firm's FX table: tenge for one unit of `currency`."""

    __tablename__ = "margin_fx_rates"
    __table_args__ = (Index("ix_margin_fx_rates_key", "firm_id", "currency", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(FX_RATE)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    created_by: Mapped[User] = relationship()


# --- monitoring (issue 13, items 3 and 4) --------------------------------------------------------

FIGURE = ExactDecimal(20, 2)       # a client's figures as last evaluated, to the tiyn


class MarginCursor(db.Model):
    """Where the worker's monitoring stands (one row): what it has seen of the ledger, the desk's
    trades, the loaded quotes and the rates and FX entries, and when it last looked for entries
    dated ahead coming into force."""

    __tablename__ = "margin_cursor"

    id: Mapped[int] = mapped_column(primary_key=True)
    ledger_id: Mapped[int] = mapped_column(default=0)
    trade_id: Mapped[int] = mapped_column(BigInteger, default=0)
    quote_id: Mapped[int] = mapped_column(default=0)
    rate_id: Mapped[int] = mapped_column(default=0)
    fx_id: Mapped[int] = mapped_column(default=0)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MarginState(db.Model):
    """A client's standing as last evaluated: a notice goes out when it gets worse, once."""

    __tablename__ = "margin_states"

    client_id: Mapped[int] = mapped_column(ForeignKey("broker_clients.id"), primary_key=True)
    standing: Mapped[int] = mapped_column(default=0)        # app.domain.margin.Standing
    s: Mapped[Decimal] = mapped_column(FIGURE)
    m0: Mapped[Decimal] = mapped_column(FIGURE)
    npr1: Mapped[Decimal] = mapped_column(FIGURE)
    npr2: Mapped[Decimal] = mapped_column(FIGURE)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MarginDay(db.Model):
    """A client's figures at the last evaluation of an Almaty day: the Risks section's chart."""

    __tablename__ = "margin_days"
    __table_args__ = (UniqueConstraint("client_id", "day", name="uq_margin_days_client_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("broker_clients.id"))
    day: Mapped[date] = mapped_column(Date)
    npr1: Mapped[Decimal] = mapped_column(FIGURE)
    npr2: Mapped[Decimal] = mapped_column(FIGURE)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CallStatus(StrEnum):
    OPEN = "open"
    MET = "met"                    # NPR1 back at or above zero before the deadline
    CLOSED_OUT = "closed_out"      # a forced close-out began: the deadline passed, or the broker acted


class MarginCall(db.Model):
    """The broker's requirement when NPR2 went below zero: collateral by the deadline."""

    __tablename__ = "margin_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("broker_clients.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    s: Mapped[Decimal] = mapped_column(FIGURE)               # at opening
    m0: Mapped[Decimal] = mapped_column(FIGURE)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The risk staff's actions on an open call (seed 003): the end of the current day instead,
    # and the client's accepted orders suspended until collateral arrives.
    demanded_same_day: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    demanded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    orders_suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_open(self) -> bool:
        return self.status == CallStatus.OPEN


class CloseOutGround(StrEnum):
    DEADLINE = "deadline"          # the margin call's deadline passed (the worker)
    BROKER = "broker"              # the risk staff's decision
    DEATH = "death"                # confirmed news of the client's death


class CloseOutStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"                  # NPR1 at or above zero again
    SHORTFALL = "shortfall"        # nothing left to trade and NPR1 still below zero: a debt


class CloseOut(db.Model):
    """A forced close-out: the client's open orders cancelled, then market orders one at a time
    until NPR1 is back at or above zero. `waiting` says why the next order is not placed yet
    (the market closed, nobody on the other side, an order with the broker's dealer)."""

    __tablename__ = "margin_close_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("broker_clients.id"), index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("margin_calls.id"))
    ground: Mapped[str] = mapped_column(String(10))
    reference: Mapped[str | None] = mapped_column(String(200))     # the death record's document
    status: Mapped[str] = mapped_column(String(10), index=True)
    npr1_at_start: Mapped[Decimal] = mapped_column(FIGURE)
    waiting: Mapped[str | None] = mapped_column(String(20))
    waiting_code: Mapped[str | None] = mapped_column(String(20))    # the instrument it waits for
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))     # None: the worker
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    started_by: Mapped[User | None] = relationship()

    @property
    def is_running(self) -> bool:
        return self.status == CloseOutStatus.RUNNING


class DebtStatus(StrEnum):
    OPEN = "open"
    REPAID = "repaid"              # NPR1 back at or above zero


class MarginDebt(db.Model):
    """Seed 003: what the forced sales could not cover, in tenge, due by the end of `due_on`."""

    __tablename__ = "margin_debts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("broker_clients.id"), index=True)
    close_out_id: Mapped[int] = mapped_column(ForeignKey("margin_close_outs.id"))
    amount: Mapped[Decimal] = mapped_column(FIGURE)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    repaid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
