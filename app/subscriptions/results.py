"""After the bid period (App.8 §6–12): close, collateral check, accepted register, the seller's
satisfied register, deals, notifications, settlement and results."""
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select

from app.audit.services import record
from app.placement.vocabulary import Confirmation
from app.domain import offering_rules as rules
from app.formatting import almaty_datetime
from app.subscriptions.bidding import active_bids, bid_stream, money_amount
from app.placement import lifecycle
from app.placement.messages import rule_message
from app.subscriptions.messages import RULE_MESSAGES
from app.subscriptions.models import (MemberNotification, SettlementCode, Subscription, SubscriptionBid,
                                      SubscriptionBidStatus, SubscriptionDeal, SubscriptionStatus)
from app.subscriptions.kind import SUBSCRIPTION, OfferingError
from app.subscriptions.services import publish_notice, require_status


def advance_due(session, now: datetime, store: bool = True) -> list[Subscription]:
    """Close every announced subscription whose bid period has ended (app.placement.lifecycle)."""
    return lifecycle.advance_due(session, SUBSCRIPTION, close_period, freeze, now, store)


def up_to_date(session, subscription: Subscription, now: datetime, store: bool = True) -> Subscription:
    return lifecycle.up_to_date(session, SUBSCRIPTION, close_period, freeze, subscription, now, store)


def close_period(session, subscription: Subscription, now: datetime) -> Subscription:
    return lifecycle.closed(session, SUBSCRIPTION, subscription, freeze, now, "failed")


def freeze(subscription: Subscription, now: datetime) -> Subscription:
    """Bids freeze; unconfirmed bids on controlled accounts are refused (App.9); the failure rules
    of App.8 §6 apply, counting investors by IIN/BIN."""
    for bid in active_bids(subscription):
        if bid.confirmation == Confirmation.PENDING:
            bid.status, bid.status_reason, bid.updated_at = SubscriptionBidStatus.REFUSED, "not_confirmed", now
    subscription.closed_at = now
    reason = rules.failure_reason([investor_bid(bid) for bid in active_bids(subscription)], is_public_offering(subscription))
    subscription.status = SubscriptionStatus.FAILED if reason else SubscriptionStatus.CLOSED
    subscription.failure_reason = reason
    return subscription


def is_public_offering(subscription: Subscription) -> bool:
    return not subscription.is_gko and not subscription.is_private


def investor_bid(bid: SubscriptionBid) -> rules.InvestorBid:
    return rules.InvestorBid(bid.id, bid.organisation_id, bid.investor_iin, bid.qualified, bid.amount)


@dataclass(frozen=True)
class InvestorCount:
    participants: int
    investors: int
    bids: int
    quantity: int
    amount: Decimal
    shared_investors: int     # investors who bid through more than one member


def counts(session, subscription: Subscription) -> InvestorCount:
    """Counted in the database: a people's IPO has tens of thousands of bids."""
    active = (SubscriptionBid.subscription_id == subscription.id,
              SubscriptionBid.status == SubscriptionBidStatus.ACTIVE)
    participants, investors, bids, quantity, amount = session.execute(select(
        func.count(distinct(SubscriptionBid.organisation_id)), func.count(distinct(SubscriptionBid.investor_iin)),
        func.count(SubscriptionBid.id), func.sum(SubscriptionBid.quantity), func.sum(SubscriptionBid.amount),
    ).where(*active)).one()
    shared = select(SubscriptionBid.investor_iin).where(*active).group_by(SubscriptionBid.investor_iin) \
        .having(func.count(distinct(SubscriptionBid.organisation_id)) > 1).subquery()
    return InvestorCount(participants, investors, bids, quantity or 0, amount or Decimal(0),
                         session.scalar(select(func.count()).select_from(shared)))


def collateral_check(session, subscription: Subscription, unsecured_ids: set[int], now: datetime) -> int:
    """App.8 §6: at the check time (T0 full, Y0 partial cover) bids without cover leave the
    register; Z0 was checked at submission and B0 is checked with the settlement report."""
    require_status(subscription, SubscriptionStatus.ANNOUNCED, SubscriptionStatus.CLOSED)
    if now < subscription.collateral_check_at:
        raise OfferingError(_l("The collateral check is at %(time)s.", time=almaty_datetime(subscription.collateral_check_at)))
    if subscription.settlement_code not in (SettlementCode.T0, SettlementCode.Y0):
        raise OfferingError(_l("This settlement code has no separate collateral check."))
    refused = 0
    for bid in active_bids(subscription):
        before = bid_state(bid)
        if bid.id in unsecured_ids:
            bid.status, bid.status_reason, refused = SubscriptionBidStatus.REFUSED, "not_secured", refused + 1
        else:
            bid.secured = True
        record(session, "subscription_bid.collateral", "subscription_bid", bid.id, before, bid_state(bid),
               stream=bid_stream(bid))
    session.flush()
    record(session, "subscription.collateral_check", "subscription", subscription.id, None,
           {"refused": refused, "checked_at": now.isoformat()})
    return refused


def bid_state(bid: SubscriptionBid) -> dict:
    return {"status": bid.status, "secured": bid.secured}


# --- the satisfied register (App.8 §9) --------------------------------------------------------------

@dataclass(frozen=True)
class SatisfiedLine:
    row_number: int
    bid_id: int
    price: Decimal | None
    quantity: int


class RegisterProblems(OfferingError):
    def __init__(self, problems: list[tuple[int | None, str]]):
        super().__init__(_l("The satisfied register has problems; nothing was stored."), "file",
                         code="register_invalid", problems=problems)


def apply_satisfied_register(session, subscription: Subscription, lines: list[SatisfiedLine],
                             now: datetime) -> Subscription:
    """Validate every row against the accepted bids; store only when there is no problem."""
    require_status(subscription, SubscriptionStatus.CLOSED)
    accepted = {bid.id: accepted_bid(bid) for bid in active_bids(subscription)}
    problems = rules.check_satisfied_register(
        accepted, [rules.Satisfaction(line.row_number, line.bid_id, line.price, line.quantity) for line in lines],
        subscription.price_min, subscription.price_max, subscription.is_private, subscription.is_gko,
        subscription.quantity)
    if problems:
        raise RegisterProblems([(problem.row_number, rule_message(RULE_MESSAGES, problem.rule, problem.values))
                                for problem in problems])
    if not any(line.quantity > 0 for line in lines):
        raise OfferingError(_l("The register satisfies no bid: refuse all bids with a reason instead."), "file")
    satisfied = {line.bid_id: line for line in lines}

    def allocated():
        for bid in active_bids(subscription):
            line = satisfied.get(bid.id)
            bid.satisfied_quantity = line.quantity if line else 0
            bid.satisfied_price = line.price if line and line.quantity else None
        subscription.status, subscription.allocated_at = SubscriptionStatus.ALLOCATED, now
        return {"rows": len(lines)}
    return lifecycle.changed(session, SUBSCRIPTION, subscription, "satisfied_register", allocated)


def accepted_bid(bid: SubscriptionBid) -> rules.AcceptedBid:
    return rules.AcceptedBid(bid.id, bid.organisation_id, bid.investor_iin, bid.price, bid.quantity,
                             bid.organisation.is_primary_dealer)


def refuse_all(session, subscription: Subscription, reason: str, now: datetime) -> Subscription:
    require_status(subscription, SubscriptionStatus.CLOSED)
    reason = (reason or "").strip()
    if not reason:
        raise OfferingError(_l("A refusal of all bids must state its reason."), "reason")

    def refused():
        subscription.status, subscription.failure_reason = SubscriptionStatus.FAILED, "all_refused"
        subscription.refusal_reason = reason
        publish_notice(session, subscription, "failed", now, reason)
        _notify_all(session, subscription, now)
    return lifecycle.changed(session, SUBSCRIPTION, subscription, "refuse_all", refused)


# --- deals, notifications, settlement ---------------------------------------------------------------

def form_deals(session, subscription: Subscription, now: datetime) -> list[SubscriptionDeal]:
    require_status(subscription, SubscriptionStatus.ALLOCATED)
    satisfied = (bid for bid in active_bids(subscription) if bid.satisfied_quantity)
    deals = [SubscriptionDeal(
        number=f"{subscription.number}-{index:05d}", subscription_id=subscription.id, bid_id=bid.id,
        organisation_id=bid.organisation_id, quantity=bid.satisfied_quantity, price=bid.satisfied_price,
        amount=money_amount(subscription, bid.satisfied_price, bid.satisfied_quantity), status="formed",
        created_at=now) for index, bid in enumerate(satisfied, start=1)]

    def formed():
        session.add_all(deals)
        subscription.status, subscription.deals_formed_at = SubscriptionStatus.DEALS_FORMED, now
        _notify_all(session, subscription, now)
        return {"deals": len(deals)}
    lifecycle.changed(session, SUBSCRIPTION, subscription, "form_deals", formed)
    return deals


def satisfaction(bid: SubscriptionBid) -> str:
    if not bid.satisfied_quantity:
        return "none"
    return "full" if bid.satisfied_quantity == bid.quantity else "partial"


def _notify_all(session, subscription: Subscription, now: datetime) -> None:
    """App.8 §10: each member learns, bid by bid, whether it was satisfied in full, in part or not."""
    from app.subscriptions.labels import SATISFACTION_LABELS

    by_firm: dict[int, list[SubscriptionBid]] = {}
    for bid in active_bids(subscription):
        by_firm.setdefault(bid.organisation_id, []).append(bid)
    for organisation_id, bids in by_firm.items():
        lines = [f"#{bid.id} {bid.investor_name}: {SATISFACTION_LABELS[satisfaction(bid)]} "
                 f"({bid.satisfied_quantity or 0} / {bid.quantity})" for bid in bids]
        session.add(MemberNotification(
            organisation_id=organisation_id, subscription_id=subscription.id, created_at=now,
            subject=_("Results of your bids in %(number)s", number=subscription.number), body="\n".join(lines)))


def settle(session, subscription: Subscription, now: datetime) -> Subscription:
    """App.8 §11–12: settlement through the depository (or another organisation: then no
    certificates); the results notice is published, except for a private placement."""
    require_status(subscription, SubscriptionStatus.DEALS_FORMED)

    def settled():
        for deal in subscription.deals:
            deal.status = "settled"
        subscription.status, subscription.settled_at = SubscriptionStatus.SETTLED, now
        if not subscription.is_private:
            publish_notice(session, subscription, "results", now)
    return lifecycle.changed(session, SUBSCRIPTION, subscription, "settle", settled)


def issues_certificates(subscription: Subscription) -> bool:
    return subscription.settlement_organisation is None


DETAIL_FIELDS = ("address", "document", "account")


def enter_investor_details(session, bid: SubscriptionBid, user, details: dict, now: datetime) -> SubscriptionBid:
    """App.8 §7: after the period, the member enters its client's details when the depository has
    none; they are shown to the seller and the issuer only."""
    if bid.organisation_id != user.organisation_id:
        raise OfferingError(_l("Bid not found."), code="not_found")
    if bid.subscription.closed_at is None:
        raise OfferingError(_l("Investor details are entered after the bid period."))
    cleaned = {name: (details.get(name) or "").strip() for name in DETAIL_FIELDS}
    if not all(cleaned.values()):
        raise OfferingError(_l("Fill in every detail."), "address")
    bid.investor_details, bid.details_source, bid.updated_at = cleaned, "member", now
    session.flush()
    # The audit trail records that details were entered, not the confidential details themselves.
    record(session, "subscription_bid.details", "subscription_bid", bid.id, None, {"details_source": "member"},
           stream=bid_stream(bid))
    return bid
