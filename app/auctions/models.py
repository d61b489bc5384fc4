"""Specialized auctions (App.7): the application and its terms, bids, deals and notices."""
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Organisation, User
from app.db_types import ExactDecimal, UTCDateTime
from app.extensions import db
from app.placement.models import MONEY, NoticeColumns, PlacedDealColumns, SealedBidColumns

PRICE = ExactDecimal(12, 4)       # clean price, % of face value (shares: tenge per share)
RATE = ExactDecimal(9, 4)         # yields and coupon rates, % per annum
PERCENT = ExactDecimal(5, 2)      # market-bid share, market fill
ACCRUED = ExactDecimal(16, 8)     # accrued interest per 100 face, kept finer than it is shown


class AuctionColumn(StrEnum):
    """App.7 has two columns: securities of issuers, and the Ministry's GKO."""
    SECURITIES = "securities"
    GKO = "gko"


class AuctionKind(StrEnum):
    PLACEMENT = "placement"
    SALE = "sale"
    PURCHASE = "purchase"
    BUYBACK = "buyback"


class SecurityType(StrEnum):
    SHARE = "share"
    CORPORATE_BOND = "corporate_bond"
    MEKKAM = "mekkam"
    MEOKAM = "meokam"
    MEUKAM = "meukam"
    MEZHKAM = "mezhkam"


class TradeSubject(StrEnum):
    PRICE = "price"
    YIELD = "yield"


class SubmissionMethod(StrEnum):
    CLOSED = "closed"
    OPEN = "open"


class SettlementScheme(StrEnum):
    T0 = "T0"
    T2 = "T2"


class AuctionStatus(StrEnum):
    SUBMITTED = "submitted"
    TERMS_REQUESTED = "terms_requested"
    REFUSED = "refused"
    ACCEPTED = "accepted"
    ANNOUNCED = "announced"
    CANCELLED = "cancelled"
    CLOSED = "closed"
    FAILED = "failed"
    DECIDED = "decided"
    DEALS_FORMED = "deals_formed"
    SETTLED = "settled"


class BidStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    REMOVED = "removed"        # by staff: not eligible; left out of every register
    ANNULLED = "annulled"      # the custodian did not confirm in time, or refused


class DealStatus(StrEnum):
    FORMED = "formed"
    SETTLED = "settled"
    REJECTED = "rejected"      # the participant was short of money (SPEC §2.8)


class NoticeKind(StrEnum):
    ANNOUNCEMENT = "announcement"
    POSTPONEMENT = "postponement"
    CANCELLATION = "cancellation"
    RESULTS = "results"
    FAILED = "failed"


class Auction(db.Model):
    __tablename__ = "auctions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    column: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(12))
    is_emergency_repeat: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), index=True)
    initiator_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    security_type: Mapped[str] = mapped_column(String(20))
    security_name: Mapped[str] = mapped_column(String(200))
    isin: Mapped[str] = mapped_column(String(12))
    exchange_code: Mapped[str] = mapped_column(String(20))
    face_value: Mapped[Decimal] = mapped_column(MONEY)
    issue_date: Mapped[date | None] = mapped_column(Date)
    maturity_date: Mapped[date | None] = mapped_column(Date)
    time_base: Mapped[str | None] = mapped_column(String(8))
    coupon_rate: Mapped[Decimal | None] = mapped_column(RATE)
    coupon_frequency: Mapped[int | None] = mapped_column(Integer)
    coupon_dates: Mapped[list] = mapped_column(JSON, default=list)   # ISO dates, maturity included

    trade_date: Mapped[date] = mapped_column(Date, index=True)
    declared_quantity: Mapped[int] = mapped_column(BigInteger)
    # Issuer: the most that may be issued under the issue terms; over-allotment stops there.
    issuable_quantity: Mapped[int | None] = mapped_column(BigInteger)
    trade_subject: Mapped[str] = mapped_column(String(8))
    market_share_percent: Mapped[Decimal] = mapped_column(PERCENT)
    submission_method: Mapped[str] = mapped_column(String(8))
    pricing: Mapped[str] = mapped_column(String(10))
    bids_open_at: Mapped[datetime] = mapped_column(UTCDateTime)
    bids_close_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirm_until: Mapped[datetime] = mapped_column(UTCDateTime)
    decision_at: Mapped[datetime] = mapped_column(UTCDateTime)
    settlement_scheme: Mapped[str] = mapped_column(String(4))
    payment_date: Mapped[date] = mapped_column(Date)
    postpone_count: Mapped[int] = mapped_column(Integer, default=0)

    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(Text)
    failure_reason: Mapped[str | None] = mapped_column(String(40))

    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    cutoff_price: Mapped[Decimal | None] = mapped_column(PRICE)
    decided_quantity: Mapped[int | None] = mapped_column(BigInteger)
    market_fill_percent: Mapped[Decimal | None] = mapped_column(PERCENT)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deals_formed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    initiator: Mapped[Organisation] = relationship(foreign_keys=[initiator_id])
    filed_by: Mapped[User] = relationship(foreign_keys=[filed_by_id])
    bids: Mapped[list["Bid"]] = relationship(back_populates="auction", order_by="Bid.id")
    deals: Mapped[list["Deal"]] = relationship(back_populates="auction", order_by="Deal.id")
    notices: Mapped[list["Notice"]] = relationship(back_populates="auction", order_by="Notice.id")

    @property
    def is_gko(self) -> bool:
        return self.column == AuctionColumn.GKO

    @property
    def higher_is_better(self) -> bool:
        """The initiator sells on a placement or sale (a higher price is better), buys otherwise."""
        return self.kind in (AuctionKind.PLACEMENT, AuctionKind.SALE)

    @property
    def is_bond(self) -> bool:
        return self.security_type != SecurityType.SHARE


class Bid(SealedBidColumns, db.Model):
    __tablename__ = "auction_bids"

    auction_id: Mapped[int] = mapped_column(ForeignKey("auctions.id"), index=True)
    price: Mapped[Decimal | None] = mapped_column(PRICE)
    yield_pct: Mapped[Decimal | None] = mapped_column(RATE)
    # A member bids for itself or for a client; the client's identity goes to the deal register.
    client_name: Mapped[str | None] = mapped_column(String(200))
    client_iin: Mapped[str | None] = mapped_column(String(12))
    investor_type: Mapped[str] = mapped_column(String(24))
    # Time priority for the remainder rule: a higher price or a larger quantity starts it anew.
    priority_at: Mapped[datetime] = mapped_column(UTCDateTime)

    auction: Mapped[Auction] = relationship(back_populates="bids")
    submitted_by: Mapped[User] = relationship()


class Deal(PlacedDealColumns, db.Model):
    __tablename__ = "auction_deals"

    auction_id: Mapped[int] = mapped_column(ForeignKey("auctions.id"), index=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("auction_bids.id"), unique=True)
    price: Mapped[Decimal] = mapped_column(PRICE)
    yield_pct: Mapped[Decimal | None] = mapped_column(RATE)
    accrued_interest: Mapped[Decimal] = mapped_column(ACCRUED)
    settlement_date: Mapped[date] = mapped_column(Date)

    auction: Mapped[Auction] = relationship(back_populates="deals")
    bid: Mapped[Bid] = relationship()


class Notice(NoticeColumns, db.Model):
    __tablename__ = "auction_notices"

    auction_id: Mapped[int] = mapped_column(ForeignKey("auctions.id"), index=True)

    auction: Mapped[Auction] = relationship(back_populates="notices")
