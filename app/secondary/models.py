"""Secondary market (SPEC §4, App.6): reference data, trading-clearing accounts, the journal
that is the market's only source of truth, and the tables projected from it.

Orders, trades and positions are written only by the sequencer from journaled events
(`app/secondary/engine/sequencer.py`); nothing else may change them.
"""
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Organisation
from app.db_types import ExactDecimal, UTCDateTime
from app.extensions import db

LIVE = ("active", "partial")           # order statuses still on the book
OPEN = LIVE + ("offered",)             # … and direct offers awaiting an answer
TRADED = ("book", "direct")            # trade kinds that are outright trades (not repo legs)

PRICE = ExactDecimal(16, 4)       # tenge per share, % of face value for bonds, % p.a. for repo
MONEY = ExactDecimal(20, 2)


class InstrumentKind(StrEnum):
    SHARE = "share"
    BOND = "bond"


class PriceSubject(StrEnum):
    """App.1: what a price means. Shares trade in tenge; bonds in % of face value, clean
    (accrued interest added to the amount) or, for the groups App.1 marks, dirty."""
    MONEY = "money"
    CLEAN = "clean"
    DIRTY = "dirty"


class AccountKind(StrEnum):
    OWN = "own"
    AGGREGATED = "aggregated"     # several clients: every order names its client code
    CLIENT = "client"             # one client's segregated account


class Instrument(db.Model):
    __tablename__ = "market_instruments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)      # exchange trading code
    isin: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    group: Mapped[str] = mapped_column(String(40))                  # list/sector, App.1 groups
    currency: Mapped[str] = mapped_column(String(3), default="KZT")
    face_value: Mapped[Decimal | None] = mapped_column(MONEY)
    lot_size: Mapped[int] = mapped_column(Integer, default=1)
    price_step: Mapped[Decimal] = mapped_column(PRICE)
    price_subject: Mapped[str] = mapped_column(String(10))
    settlement_codes: Mapped[str] = mapped_column(String(20))       # "T0,T2": the modes allowed
    corridor_percent: Mapped[Decimal] = mapped_column(ExactDecimal(6, 2))
    coupon_rate: Mapped[Decimal | None] = mapped_column(ExactDecimal(8, 4))
    coupon_frequency: Mapped[int | None] = mapped_column(Integer)
    maturity_on: Mapped[date | None] = mapped_column(Date)
    repo_discount: Mapped[Decimal | None] = mapped_column(ExactDecimal(6, 4))   # App.5, fraction
    halted: Mapped[bool] = mapped_column(Boolean, default=False)
    halt_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def codes(self) -> list[str]:
        return [code for code in self.settlement_codes.split(",") if code]


class ReferencePrice(db.Model):
    """The day's reference price: the centre of the price corridor and the repo's Ptk."""
    __tablename__ = "market_reference_prices"
    __table_args__ = (UniqueConstraint("instrument_id", "trading_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("market_instruments.id"))
    trading_day: Mapped[date] = mapped_column(Date)
    price: Mapped[Decimal] = mapped_column(PRICE)

    instrument: Mapped[Instrument] = relationship()


class TradingSession(db.Model):
    __tablename__ = "market_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    trading_day: Mapped[date] = mapped_column(Date, unique=True)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_seq: Mapped[int | None] = mapped_column(BigInteger)     # the journaled day opening
    closed_seq: Mapped[int | None] = mapped_column(BigInteger)     # the journaled close


class TradingAccount(db.Model):
    """A trading-clearing account of a member firm (App.6 §1)."""
    __tablename__ = "market_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    code: Mapped[str] = mapped_column(String(30), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    client_name: Mapped[str | None] = mapped_column(String(200))
    client_code: Mapped[str | None] = mapped_column(String(30))    # a client account's client
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    organisation: Mapped[Organisation] = relationship()


class JournalEntry(db.Model):
    """One sequenced market event, committed before anyone is told it happened."""
    __tablename__ = "market_journal"
    __table_args__ = (UniqueConstraint("organisation_id", "idempotency_key"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20), index=True)      # pages read repo terms by kind
    payload: Mapped[str] = mapped_column(Text)                      # canonical JSON
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(80))


class MarketSnapshot(db.Model):
    """The whole market state after event `seq`, so a restart replays only what follows."""
    __tablename__ = "market_snapshots"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class SequencerHead(db.Model):
    """A single row: its lock is the market's sequencer (see README, "Secondary market")."""
    __tablename__ = "market_sequencer"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)


class MarketOrder(db.Model):
    __tablename__ = "market_orders"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("market_instruments.id"), index=True)
    settlement_code: Mapped[str] = mapped_column(String(12))
    board: Mapped[str] = mapped_column(String(10))                  # book | direct | repo
    account_id: Mapped[int] = mapped_column(ForeignKey("market_accounts.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    counterparty_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    side: Mapped[str] = mapped_column(String(4))
    kind: Mapped[str] = mapped_column(String(8))                    # limit | market
    price: Mapped[Decimal | None] = mapped_column(PRICE)
    lots: Mapped[int] = mapped_column(BigInteger)
    remaining_lots: Mapped[int] = mapped_column(BigInteger)
    filled_lots: Mapped[int] = mapped_column(BigInteger)
    repo_days: Mapped[int | None] = mapped_column(Integer)
    client_code: Mapped[str | None] = mapped_column(String(30))
    expires_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    instrument: Mapped[Instrument] = relationship()
    account: Mapped[TradingAccount] = relationship()


class MarketTrade(db.Model):
    __tablename__ = "market_trades"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("market_instruments.id"), index=True)
    settlement_code: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(20))   # book | direct | book_repo_open | direct_repo_close …
    buy_order_id: Mapped[int | None] = mapped_column(BigInteger, index=True)   # an order's fills
    sell_order_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    buyer_account_id: Mapped[int] = mapped_column(ForeignKey("market_accounts.id"), index=True)
    seller_account_id: Mapped[int] = mapped_column(ForeignKey("market_accounts.id"), index=True)
    price: Mapped[Decimal] = mapped_column(PRICE)
    lots: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    repo_id: Mapped[int | None] = mapped_column(BigInteger)
    trade_day: Mapped[date] = mapped_column(Date, index=True)
    settles_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))    # pending | settled | failed | cancelled
    traded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    instrument: Mapped[Instrument] = relationship()
    buyer_account: Mapped[TradingAccount] = relationship(foreign_keys=[buyer_account_id])
    seller_account: Mapped[TradingAccount] = relationship(foreign_keys=[seller_account_id])


class Position(db.Model):
    """One account's money in one currency or its holding of one instrument (App.6 §1).
    The ledger's raw fields; the five positions are derived by `app.domain.ledger`."""
    __tablename__ = "market_positions"

    account_id: Mapped[int] = mapped_column(ForeignKey("market_accounts.id"), primary_key=True)
    asset: Mapped[str] = mapped_column(String(20), primary_key=True)   # currency or instrument code
    ledger: Mapped[str] = mapped_column(Text)                          # canonical JSON
    seq: Mapped[int] = mapped_column(BigInteger)

    account: Mapped[TradingAccount] = relationship()
