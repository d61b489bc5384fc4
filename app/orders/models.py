"""Client orders and their fills.

An order is drafted and signed (a client's order is never executed unsigned; the broker's
forced close-out places orders of its own, marked `close_out`); once accepted it blocks money
(a buy) or securities (a sell) until it is filled, cancelled, rejected or expires at the end of
its day. A fill is final: it posts to the client's ledger when it is recorded.
"""
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.brokerage.models import BrokerClient
from app.cabinet.signing.models import SignedDocument
from app.db_types import ExactDecimal, UTCDateTime
from app.extensions import db

MONEY = ExactDecimal(22, 2)
PRICE = ExactDecimal(20, 8)


class OrderSide(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    LIMIT = "limit"
    MARKET = "market"


class OrderStatus(StrEnum):
    AWAITING_SIGNATURE = "awaiting_signature"
    ACTIVE = "active"                 # signed and accepted: blocks cover, may fill
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"           # by the client (or what the market cancelled)
    REJECTED = "rejected"             # by the market or the broker's dealer, with a reason
    EXPIRED = "expired"               # its day ended unfilled, or it was never signed


LIVE_STATUSES = (OrderStatus.ACTIVE, OrderStatus.PARTIALLY_FILLED)
FINAL_STATUSES = (OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.EXPIRED)


class ClientOrder(db.Model):
    __tablename__ = "client_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("broker_clients.id"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    venue: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    side: Mapped[str] = mapped_column(String(4))
    type: Mapped[str] = mapped_column(String(8))
    price: Mapped[Decimal | None] = mapped_column(PRICE)          # a limit order's
    lots: Mapped[int] = mapped_column(BigInteger)
    lot_size: Mapped[int] = mapped_column(Integer)
    filled_lots: Mapped[int] = mapped_column(BigInteger, default=0)
    # What one lot blocks while unfilled: money per lot (a buy) or securities per lot (a sell).
    block_per_lot: Mapped[Decimal] = mapped_column(MONEY)
    # The amount shown before signing: the price (a market order: the corridor's far end) × quantity.
    amount: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(20), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("signed_documents.id"), unique=True)
    # The desk's market: the instrument, the settlement code and the order in the matcher.
    instrument_id: Mapped[int | None] = mapped_column(ForeignKey("market_instruments.id"))
    settlement_code: Mapped[str | None] = mapped_column(String(12))
    market_order_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Placed by the broker in a forced close-out (seed 003), unsigned: `reason` says why.
    close_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    close_out_id: Mapped[int | None] = mapped_column(ForeignKey("margin_close_outs.id"), index=True)

    client: Mapped[BrokerClient] = relationship()
    document: Mapped[SignedDocument | None] = relationship()

    @property
    def quantity(self) -> int:
        return self.lots * self.lot_size

    @property
    def remaining_lots(self) -> int:
        return self.lots - self.filled_lots

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def blocked_asset(self) -> tuple[str | None, str]:
        """(venue, asset) of the block: money has no venue."""
        return (None, self.currency) if self.side == OrderSide.BUY else (self.venue, self.code)

    @property
    def blocked(self) -> Decimal:
        return self.block_per_lot * self.remaining_lots if self.is_live else Decimal(0)


class ClientFill(db.Model):
    """A deal done for the client: from a trade of the desk's market (`trade_id`) or recorded by
    the firm's dealer for an external venue (`recorded_by_id`)."""

    __tablename__ = "client_fills"
    __table_args__ = (UniqueConstraint("order_id", "trade_id", name="uq_client_fills_order_trade"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("client_orders.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("broker_clients.id"), index=True)
    lots: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(BigInteger)
    price: Mapped[Decimal] = mapped_column(PRICE)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    traded_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    settles_on: Mapped[date] = mapped_column(Date)
    trade_id: Mapped[int | None] = mapped_column(BigInteger)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)

    order: Mapped[ClientOrder] = relationship()
