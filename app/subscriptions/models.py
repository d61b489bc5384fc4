"""Subscriptions and public offerings (App.8): the application, bids with investor identity,
the registers, deals and notices."""
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Organisation, User
from app.db_types import ExactDecimal, UTCDateTime
from app.extensions import db
from app.placement.models import MONEY, NoticeColumns, PlacedDealColumns, SealedBidColumns

PRICE = ExactDecimal(14, 4)       # tenge per share, or % of face value for bonds


class SubscriptionColumn(StrEnum):
    SECURITIES = "securities"     # a seller (member firm) for an issuer or a consortium
    GKO = "gko"                   # the Ministry of Finance


class SubscriptionStatus(StrEnum):
    SUBMITTED = "submitted"
    REFUSED = "refused"
    ACCEPTED = "accepted"            # numbered; awaiting the depository's consent
    CONSENT_REFUSED = "consent_refused"
    CONSENTED = "consented"
    ANNOUNCED = "announced"          # the bid period runs by the clock
    CLOSED = "closed"                # bids frozen; the accepted register is due
    FAILED = "failed"
    ALLOCATED = "allocated"          # the satisfied register is in
    DEALS_FORMED = "deals_formed"
    SETTLED = "settled"


class SettlementCode(StrEnum):
    """App.1–2: when money and securities are blocked (SPEC §6)."""
    T0 = "T0"     # full cover at the check time
    Y0 = "Y0"     # partial at the check time, full later
    Z0 = "Z0"     # checked at submission
    B0 = "B0"     # checked when the settlement report is sent


class InvestorCategory(StrEnum):
    BANK = "bank"
    BROKER_DEALER = "broker_dealer"
    PENSION_FUND = "pension_fund"
    OTHER_INSTITUTIONAL = "other_institutional"
    OTHER_LEGAL = "other_legal"
    INDIVIDUAL = "individual"


class SubscriptionBidStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    REFUSED = "refused"            # by the custodian, or not secured by the check time: out of the register


class Subscription(db.Model):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    column: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Two applications filed together, one with and one without the CCP, form one offering.
    paired_with_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"))

    security_name: Mapped[str] = mapped_column(String(200))
    isin: Mapped[str] = mapped_column(String(12))
    is_bond: Mapped[bool] = mapped_column(Boolean, default=False)
    face_value: Mapped[Decimal] = mapped_column(MONEY)
    quantity: Mapped[int] = mapped_column(BigInteger)
    price_min: Mapped[Decimal] = mapped_column(PRICE)
    price_max: Mapped[Decimal] = mapped_column(PRICE)
    period_start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    with_ccp: Mapped[bool] = mapped_column(Boolean, default=False)
    settlement_code: Mapped[str] = mapped_column(String(2))
    # None: the central depository; otherwise the organisation named (then no certificates).
    settlement_organisation: Mapped[str | None] = mapped_column(String(200))
    investor_categories: Mapped[list] = mapped_column(JSON, default=list)
    minimum_bid_amount: Mapped[Decimal] = mapped_column(MONEY)
    is_private: Mapped[bool] = mapped_column(Boolean, default=False)
    market_bids_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    register_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    collateral_check_at: Mapped[datetime] = mapped_column(UTCDateTime)
    terms_note: Mapped[str | None] = mapped_column(Text)

    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    allocated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deals_formed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(Text)
    failure_reason: Mapped[str | None] = mapped_column(String(40))
    refusal_reason: Mapped[str | None] = mapped_column(Text)     # the seller refused all bids

    seller: Mapped[Organisation] = relationship(foreign_keys=[seller_id])
    issuer: Mapped[Organisation | None] = relationship(foreign_keys=[issuer_id])
    filed_by: Mapped[User] = relationship()
    bids: Mapped[list["SubscriptionBid"]] = relationship(back_populates="subscription",
                                                         order_by="SubscriptionBid.id")
    deals: Mapped[list["SubscriptionDeal"]] = relationship(back_populates="subscription",
                                                           order_by="SubscriptionDeal.id")
    notices: Mapped[list["SubscriptionNotice"]] = relationship(back_populates="subscription",
                                                               order_by="SubscriptionNotice.id")

    @property
    def is_gko(self) -> bool:
        return self.column == SubscriptionColumn.GKO


class SubscriptionBid(SealedBidColumns, db.Model):
    __tablename__ = "subscription_bids"

    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    price: Mapped[Decimal | None] = mapped_column(PRICE)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    # The investor: the member itself, or its client. One investor through several brokers is
    # the same IIN/BIN and counts once toward the limits.
    investor_iin: Mapped[str] = mapped_column(String(12), index=True)
    investor_name: Mapped[str] = mapped_column(String(200))
    investor_category: Mapped[str] = mapped_column(String(24))
    qualified: Mapped[bool] = mapped_column(Boolean, default=False)
    is_own_account: Mapped[bool] = mapped_column(Boolean, default=True)
    secured: Mapped[bool] = mapped_column(Boolean, default=False)
    # Confidential investor details (address, document, account): to the seller and issuer only.
    investor_details: Mapped[dict | None] = mapped_column(JSON)
    details_source: Mapped[str | None] = mapped_column(String(12))
    satisfied_price: Mapped[Decimal | None] = mapped_column(PRICE)
    satisfied_quantity: Mapped[int | None] = mapped_column(BigInteger)

    subscription: Mapped[Subscription] = relationship(back_populates="bids")


class SubscriptionDeal(PlacedDealColumns, db.Model):
    __tablename__ = "subscription_deals"

    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("subscription_bids.id"), unique=True)
    price: Mapped[Decimal] = mapped_column(PRICE)

    subscription: Mapped[Subscription] = relationship(back_populates="deals")
    bid: Mapped[SubscriptionBid] = relationship()


class SubscriptionNotice(NoticeColumns, db.Model):
    __tablename__ = "subscription_notices"

    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    members_only: Mapped[bool] = mapped_column(Boolean, default=False)

    subscription: Mapped[Subscription] = relationship(back_populates="notices")


class MemberNotification(db.Model):
    """A message to a member firm's users, e.g. how each of its bids was satisfied."""

    __tablename__ = "member_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
