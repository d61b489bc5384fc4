"""Bids in the bid period (App.8 §6–7): for the member itself or for its clients, each with the
investor's identity; private-placement limits counted by IIN/BIN across members; custodians
confirm; collateral is checked when the settlement code says.

Bids take the offering's row in share mode, so firms bid side by side and the close (FOR UPDATE)
waits for them; in a private placement the investor limits count across firms, so there a bid
takes the row exclusively."""
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.audit.sealing import sealed
from app.audit.services import record
from app.placement.vocabulary import Confirmation
from app.auth.models import Organisation, User
from app.auth.roles import OrganisationKind, Role
from app.domain import offering_rules as rules
from app.subscriptions.models import (SettlementCode, Subscription, SubscriptionBid, SubscriptionBidStatus,
                                      SubscriptionStatus)
from app.subscriptions.services import OfferingError, broken

BIDDERS = (Role.PRIMARY_DEALER, Role.PARTICIPANT)
CENT = Decimal("0.01")
FOUR_PLACES = Decimal("0.0001")


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
    """One audit chain per firm and offering: firms bidding side by side never share a head."""
    return f"subscription:{bid.subscription_id}:organisation:{bid.organisation_id}"


def firm_bids(session, subscription: Subscription, organisation_id: int) -> list[SubscriptionBid]:
    return list(session.scalars(select(SubscriptionBid).where(
        SubscriptionBid.subscription_id == subscription.id,
        SubscriptionBid.organisation_id == organisation_id).order_by(SubscriptionBid.id)))


def active_bids(subscription: Subscription) -> list[SubscriptionBid]:
    return [bid for bid in subscription.bids if bid.status == SubscriptionBidStatus.ACTIVE]


def find_by_key(session, organisation_id: int, key: str) -> SubscriptionBid | None:
    return session.scalar(select(SubscriptionBid).where(SubscriptionBid.organisation_id == organisation_id,
                                                        SubscriptionBid.idempotency_key == key))


def submit_bid(session, subscription: Subscription, user: User, entry: OfferingBidEntry, key: str,
               now: datetime) -> tuple[SubscriptionBid, bool]:
    key = (key or "").strip()
    if not key or len(key) > 64:
        raise OfferingError(_l("Every bid needs an idempotency key of 1–64 characters."), "idempotency_key")
    existing = find_by_key(session, user.organisation_id, key)
    if existing is not None:
        if existing.subscription_id != subscription.id:
            raise OfferingError(_l("Your firm used this idempotency key for a bid in another offering."),
                                "idempotency_key", code="idempotency_key_reused")
        return existing, False
    subscription = locked(session, subscription)
    bid = SubscriptionBid(subscription_id=subscription.id, organisation_id=user.organisation_id,
                          submitted_by_id=user.id, idempotency_key=key, status=SubscriptionBidStatus.ACTIVE,
                          created_at=now, updated_at=now)
    _fill(session, subscription, user, bid, entry, now)
    session.add(bid)
    session.flush()
    record(session, "subscription_bid.submit", "subscription_bid", bid.id, None, bid_snapshot(bid),
           stream=bid_stream(bid))
    return bid, True


def amend_bid(session, bid: SubscriptionBid, user: User, entry: OfferingBidEntry, now: datetime) -> SubscriptionBid:
    subscription = locked(session, bid.subscription)
    _check_own(bid, user)
    bid = _locked_bid(session, bid.id)
    if bid.status != SubscriptionBidStatus.ACTIVE:
        raise OfferingError(_l("This bid is no longer active."))
    before = bid_snapshot(bid)
    _fill(session, subscription, user, bid, entry, now, replacing=bid)
    bid.updated_at = now
    session.flush()
    record(session, "subscription_bid.amend", "subscription_bid", bid.id, before, bid_snapshot(bid),
           stream=bid_stream(bid))
    return bid


def withdraw_bid(session, bid: SubscriptionBid, user: User, now: datetime) -> SubscriptionBid:
    subscription = locked(session, bid.subscription)
    _check_own(bid, user)
    bid = _locked_bid(session, bid.id)
    _check_open(subscription, now)
    if bid.status != SubscriptionBidStatus.ACTIVE:
        raise OfferingError(_l("This bid is no longer active."))
    before = bid_snapshot(bid)
    bid.status, bid.updated_at = SubscriptionBidStatus.WITHDRAWN, now
    session.flush()
    record(session, "subscription_bid.withdraw", "subscription_bid", bid.id, before, bid_snapshot(bid),
           stream=bid_stream(bid))
    return bid


def _locked_bid(session, bid_id: int) -> SubscriptionBid:
    """The bid as it stands now, kept until commit: a second edit of it waits for the first."""
    return session.scalars(select(SubscriptionBid).where(SubscriptionBid.id == bid_id)
                           .with_for_update(key_share=True).execution_options(populate_existing=True)).one()


def _check_own(bid: SubscriptionBid, user: User) -> None:
    if bid.organisation_id != user.organisation_id:
        raise OfferingError(_l("Bid not found."), code="not_found")


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
    quantity = _quantity(entry.quantity)
    amount = money_amount(subscription, price if price is not None else subscription.price_max, quantity)
    iin, name, category, qualified = _investor(user, entry)
    _check_limits(subscription, amount, iin, qualified, replacing)
    bid.kind, bid.price, bid.quantity, bid.amount = entry.kind, price, quantity, amount
    bid.investor_iin, bid.investor_name, bid.investor_category = iin, name, category
    bid.qualified, bid.is_own_account = qualified, not entry.investor_iin
    bid.custodian_id = _custodian(session, entry.custodian_id)
    bid.confirmation = Confirmation.PENDING if bid.custodian_id else Confirmation.NOT_REQUIRED
    bid.secured = bool(entry.secured) if subscription.settlement_code == SettlementCode.Z0 else False
    if subscription.settlement_code == SettlementCode.Z0 and not bid.secured:
        raise OfferingError(_l("Settlement code Z0: the cover is checked at submission — confirm it is blocked."),
                            "secured")


def _check_bidder(subscription: Subscription, user: User, entry: OfferingBidEntry) -> None:
    if user.role not in BIDDERS:
        raise OfferingError(_l("Only exchange members bid."), code="forbidden")
    if not user.organisation.bin:
        raise OfferingError(_l("Your firm has no BIN on file; the registers need it. Ask the exchange's "
                               "administrator to add it."), code="no_bin")
    if subscription.is_gko:
        if not user.organisation.is_primary_dealer:
            raise OfferingError(_l("Only primary dealers bid for GKO."), code="not_primary_dealer")
        if entry.investor_iin:
            raise OfferingError(_l("A primary dealer bids for GKO in its own name and for its own account only."),
                                "investor_iin")


def _price(subscription: Subscription, entry: OfferingBidEntry) -> Decimal | None:
    if entry.kind == "market":
        if not subscription.market_bids_allowed:
            raise OfferingError(_l("This offering takes no market bids."), "kind")
        if entry.price is not None:
            raise OfferingError(_l("A market bid carries no price."), "price")
        return None
    if entry.kind != "limit":
        raise OfferingError(_l("A bid is a limit bid or a market bid."), "kind")
    try:
        price = Decimal(entry.price)
    except (InvalidOperation, TypeError, ValueError):
        raise OfferingError(_l("Give the price with at most 4 decimals."), "price") from None
    if price != price.quantize(FOUR_PLACES):
        raise OfferingError(_l("Give the price with at most 4 decimals."), "price")
    if not subscription.price_min <= price <= subscription.price_max:
        raise OfferingError(_l("The price must lie within the offering's terms: %(low)s–%(high)s.",
                               low=subscription.price_min, high=subscription.price_max), "price")
    return price


def _quantity(quantity) -> int:
    if not isinstance(quantity, int) or quantity <= 0:
        raise OfferingError(_l("The quantity is a whole number of securities, at least one."), "quantity")
    return quantity


def money_amount(subscription: Subscription, price: Decimal, quantity: int) -> Decimal:
    """Shares: quantity × price in tenge; bonds: quantity × face × price / 100."""
    unit = subscription.face_value * price / 100 if subscription.is_bond else price
    return (unit * quantity).quantize(CENT, ROUND_HALF_UP)


def _investor(user: User, entry: OfferingBidEntry) -> tuple[str, str, str, bool]:
    """A client bid names its investor; an own-account bid is the member's (BIN, name)."""
    if not entry.investor_iin:
        org = user.organisation
        return org.bin, org.name, entry.investor_category, True
    iin = entry.investor_iin.strip()
    if len(iin) != 12 or not iin.isdigit():
        raise OfferingError(_l("An IIN/BIN has 12 digits."), "investor_iin")
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


def _custodian(session, custodian_id: int | None) -> int | None:
    if custodian_id is None:
        return None
    custodian = session.get(Organisation, custodian_id)
    if custodian is None or custodian.kind != OrganisationKind.CUSTODIAN:
        raise OfferingError(_l("Choose a custodian from the list."), "custodian_id")
    return custodian.id


# --- custodians and the collateral check -------------------------------------------------------------

def confirm_bid(session, bid: SubscriptionBid, user: User, confirmed: bool, now: datetime) -> SubscriptionBid:
    """App.9: a refused bid leaves the register."""
    if bid.custodian_id != user.organisation_id:
        raise OfferingError(_l("Bid not found."), code="not_found")
    locked(session, bid.subscription)  # the close, which refuses pending bids, waits
    if bid.status != SubscriptionBidStatus.ACTIVE or bid.confirmation != Confirmation.PENDING:
        raise OfferingError(_l("This bid does not await your confirmation."))
    if now >= bid.subscription.collateral_check_at:
        raise OfferingError(_l("The collateral check time has passed."), code="window_closed")
    before = bid_snapshot(bid)
    bid.confirmation = Confirmation.CONFIRMED if confirmed else Confirmation.REFUSED
    if not confirmed:
        bid.status, bid.status_reason = SubscriptionBidStatus.REFUSED, "refused_by_custodian"
    bid.updated_at = now
    session.flush()
    record(session, "subscription_bid.confirm" if confirmed else "subscription_bid.refuse", "subscription_bid",
           bid.id, before, bid_snapshot(bid), stream=bid_stream(bid))
    return bid


def bids_to_confirm(session, custodian_id: int) -> list[SubscriptionBid]:
    return list(session.scalars(select(SubscriptionBid).join(Subscription).where(
        SubscriptionBid.custodian_id == custodian_id, Subscription.status == SubscriptionStatus.ANNOUNCED)
        .order_by(SubscriptionBid.id)))


def bid_snapshot(bid: SubscriptionBid) -> dict:
    """What the audit trail keeps of a bid in the period: the terms and the investor only sealed
    (app.audit.sealing), since staff read the trail before the offering closes."""
    return {
        "subscription_id": bid.subscription_id, "organisation_id": bid.organisation_id, "kind": bid.kind,
        "status": bid.status, "confirmation": bid.confirmation, "custodian_id": bid.custodian_id,
        "secured": bid.secured, "sealed": sealed_digest(bid),
    }


def sealed_digest(bid: SubscriptionBid) -> str:
    return sealed([bid.id, str(bid.price), bid.quantity, str(bid.amount), bid.investor_iin, bid.investor_name,
                   bid.investor_category, bid.qualified])
