"""Bids in the bid period (App.8 §6–7): for the member itself or for its clients, each with the
investor's identity; private-placement limits counted by IIN/BIN across members; custodians
confirm; collateral is checked when the settlement code says.

Bids take the offering's row in share mode, so firms bid side by side and the close (FOR UPDATE)
waits for them; in a private placement the investor limits count across firms, so there a bid
takes the row exclusively."""
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.domain import offering_rules as rules
from app.placement import bidding as sealed_bids
from app.subscriptions.kind import SUBSCRIPTION, OfferingError
from app.subscriptions.models import (SettlementCode, Subscription, SubscriptionBid, SubscriptionBidStatus,
                                      SubscriptionStatus)
from app.subscriptions.services import broken

CENT = Decimal("0.01")


@dataclass
class OfferingBidEntry:
    kind: str
    quantity: int
    price: Decimal | None = None
    investor_iin: str | None = None      # empty: the member's own account
    investor_name: str | None = None
    investor_category: str = "broker_dealer"
    qualified: bool = False
    custodian_id: int | None = None
    secured: bool = False                # Z0: the member states the cover is blocked


def phase(subscription: Subscription, now: datetime) -> str:
    if now < subscription.period_start_at:
        return "before"
    return "open" if now < subscription.period_end_at else "after"


def locked(session, subscription: Subscription) -> Subscription:
    """The offering row for a bid: shared, or exclusive with its bids when it is private (the
    investor limits read every firm's bids; a term fixed before the period). PostgreSQL;
    SQLite's writer lock is global."""
    query = select(Subscription).where(Subscription.id == subscription.id)
    if subscription.is_private:
        query = query.with_for_update().options(selectinload(Subscription.bids))
    else:
        query = query.with_for_update(read=True)
    return session.scalars(query.execution_options(populate_existing=True)).one()


def bid_stream(bid: SubscriptionBid) -> str:
    return sealed_bids.bid_stream(SUBSCRIPTION, bid)


def firm_bids(session, subscription: Subscription, organisation_id: int) -> list[SubscriptionBid]:
    return sealed_bids.firm_bids(session, SUBSCRIPTION, subscription, organisation_id)


def active_bids(subscription: Subscription) -> list[SubscriptionBid]:
    return [bid for bid in subscription.bids if bid.status == SubscriptionBidStatus.ACTIVE]


def submit_bid(session, subscription: Subscription, user: User, entry: OfferingBidEntry, key: str,
               now: datetime) -> tuple[SubscriptionBid, bool]:
    key = sealed_bids.idempotency_key(SUBSCRIPTION, key)
    existing = sealed_bids.repeated(session, SUBSCRIPTION, subscription, user.organisation_id, key)
    if existing is not None:
        return existing, False
    subscription = locked(session, subscription)
    bid = SubscriptionBid(subscription_id=subscription.id, organisation_id=user.organisation_id,
                          submitted_by_id=user.id, idempotency_key=key, status=SubscriptionBidStatus.ACTIVE,
                          created_at=now, updated_at=now)
    _fill(session, subscription, user, bid, entry, now)
    session.add(bid)
    return sealed_bids.recorded(session, SUBSCRIPTION, "submit", bid, None), True


def amend_bid(session, bid: SubscriptionBid, user: User, entry: OfferingBidEntry, now: datetime) -> SubscriptionBid:
    subscription, bid = _locked_own(session, bid, user)
    sealed_bids.check_active(SUBSCRIPTION, bid)
    before = sealed_bids.bid_snapshot(SUBSCRIPTION, bid)
    _fill(session, subscription, user, bid, entry, now, replacing=bid)
    bid.updated_at = now
    return sealed_bids.recorded(session, SUBSCRIPTION, "amend", bid, before)


def withdraw_bid(session, bid: SubscriptionBid, user: User, now: datetime) -> SubscriptionBid:
    subscription, bid = _locked_own(session, bid, user)
    _check_open(subscription, now)
    return sealed_bids.withdrawn(session, SUBSCRIPTION, bid, now)


def _locked_own(session, bid: SubscriptionBid, user: User) -> tuple[Subscription, SubscriptionBid]:
    subscription = locked(session, bid.subscription)
    sealed_bids.check_own(SUBSCRIPTION, bid, user)
    return subscription, sealed_bids.locked_bid(session, SUBSCRIPTION, bid.id)


def _check_open(subscription: Subscription, now: datetime) -> None:
    if subscription.status != SubscriptionStatus.ANNOUNCED or phase(subscription, now) == "after":
        raise OfferingError(_l("The bid period has ended."), code="window_closed")
    if phase(subscription, now) == "before":
        raise OfferingError(_l("The bid period has not started yet."), code="window_not_open")


def _fill(session, subscription: Subscription, user: User, bid: SubscriptionBid, entry: OfferingBidEntry,
          now: datetime, replacing: SubscriptionBid | None = None) -> None:
    _check_open(subscription, now)
    _check_bidder(subscription, user, entry)
    price = _price(subscription, entry)
    quantity = sealed_bids.quantity(SUBSCRIPTION, entry.quantity)
    amount = money_amount(subscription, price if price is not None else subscription.price_max, quantity)
    iin, name, category, qualified = _investor(user, entry)
    _check_limits(subscription, amount, iin, qualified, replacing)
    bid.kind, bid.price, bid.quantity, bid.amount = entry.kind, price, quantity, amount
    bid.investor_iin, bid.investor_name, bid.investor_category = iin, name, category
    bid.qualified, bid.is_own_account = qualified, not entry.investor_iin
    bid.custodian_id = sealed_bids.custodian(session, SUBSCRIPTION, entry.custodian_id, active_only=False)
    bid.confirmation = sealed_bids.confirmation_of(bid.custodian_id)
    bid.secured = bool(entry.secured) if subscription.settlement_code == SettlementCode.Z0 else False
    if subscription.settlement_code == SettlementCode.Z0 and not bid.secured:
        raise OfferingError(_l("Settlement code Z0: the cover is checked at submission — confirm it is blocked."),
                            "secured")


def _check_bidder(subscription: Subscription, user: User, entry: OfferingBidEntry) -> None:
    sealed_bids.check_member(SUBSCRIPTION, user, _l("Only exchange members bid."))
    if not user.organisation.bin:
        raise OfferingError(_l("Your firm has no BIN on file; the registers need it. Ask the exchange's "
                               "administrator to add it."), code="no_bin")
    if subscription.is_gko:
        sealed_bids.check_gko_bidder(SUBSCRIPTION, user.organisation, bool(entry.investor_iin), "investor_iin")


def _price(subscription: Subscription, entry: OfferingBidEntry) -> Decimal | None:
    if entry.kind == "market":
        if not subscription.market_bids_allowed:
            raise OfferingError(_l("This offering takes no market bids."), "kind")
        sealed_bids.no_price(SUBSCRIPTION, entry.price)
        return None
    if entry.kind != "limit":
        raise sealed_bids.not_a_kind(SUBSCRIPTION)
    price = sealed_bids.four_places(SUBSCRIPTION, entry.price, "price", _l("Give the price with at most 4 decimals."))
    if not subscription.price_min <= price <= subscription.price_max:
        raise OfferingError(_l("The price must lie within the offering's terms: %(low)s–%(high)s.",
                               low=subscription.price_min, high=subscription.price_max), "price")
    return price


def money_amount(subscription: Subscription, price: Decimal, quantity: int) -> Decimal:
    """Shares: quantity × price in tenge; bonds: quantity × face × price / 100."""
    unit = subscription.face_value * price / 100 if subscription.is_bond else price
    return (unit * quantity).quantize(CENT, ROUND_HALF_UP)


def _investor(user: User, entry: OfferingBidEntry) -> tuple[str, str, str, bool]:
    """A client bid names its investor; an own-account bid is the member's (BIN, name)."""
    if not entry.investor_iin:
        org = user.organisation
        return org.bin, org.name, entry.investor_category, True
    iin = sealed_bids.iin(SUBSCRIPTION, entry.investor_iin, "investor_iin")
    name = (entry.investor_name or "").strip()
    if not name:
        raise OfferingError(_l("Give the investor's name."), "investor_name")
    return iin, name, entry.investor_category, bool(entry.qualified)


def _check_limits(subscription: Subscription, amount: Decimal, iin: str, qualified: bool,
                  replacing: SubscriptionBid | None) -> None:
    if subscription.is_private:
        try:
            rules.check_private_bid(amount, qualified)
            others = [_investor_bid(bid) for bid in active_bids(subscription) if bid is not replacing]
            rules.check_investor_limit(others, iin)
        except rules.OfferingRuleBroken as error:
            raise broken(error, "investor_iin") from error
    if amount < subscription.minimum_bid_amount:
        raise OfferingError(_l("The bid is below the minimum of %(minimum)s ₸.", minimum=subscription.minimum_bid_amount),
                            "quantity", code="below_minimum")


def _investor_bid(bid: SubscriptionBid) -> rules.InvestorBid:
    return rules.InvestorBid(bid.id, bid.organisation_id, bid.investor_iin, bid.qualified, bid.amount)


# --- custodians and the collateral check -------------------------------------------------------------

def confirm_bid(session, bid: SubscriptionBid, user: User, confirmed: bool, now: datetime) -> SubscriptionBid:
    """App.9: a refused bid leaves the register."""
    sealed_bids.check_custodian_of(SUBSCRIPTION, bid, user)
    locked(session, bid.subscription)  # the close, which refuses pending bids, waits
    sealed_bids.check_awaiting(SUBSCRIPTION, bid)
    if now >= bid.subscription.collateral_check_at:
        raise OfferingError(_l("The collateral check time has passed."), code="window_closed")
    return sealed_bids.answered(session, SUBSCRIPTION, bid, confirmed, SubscriptionBidStatus.REFUSED, now)


def bids_to_confirm(session, custodian_id: int) -> list[SubscriptionBid]:
    return sealed_bids.bids_to_confirm(session, SUBSCRIPTION, custodian_id)


def sealed_digest(bid: SubscriptionBid) -> str:
    return sealed_bids.sealed_digest(SUBSCRIPTION, bid)
