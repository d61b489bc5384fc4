"""Subscription applications (App.8 §1–4): filing, the exchange's check, the depository's consent,
the announcement.

Services flush; the view, API call or CLI command that called them commits once.
"""
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from app.auth.models import Organisation, User
from app.auth.roles import OrganisationKind, Role
from app.calendar.services import business_calendar
from app.domain import offering_rules as rules
from app.domain.calendar import almaty_date
from app.domain.isin import isin_is_valid
from app.placement import lifecycle
from app.placement.messages import rule_message
from app.subscriptions.kind import SUBSCRIPTION, OfferingError
from app.subscriptions.messages import RULE_MESSAGES
from app.subscriptions.models import (InvestorCategory, SettlementCode, Subscription, SubscriptionColumn,
                                      SubscriptionNotice, SubscriptionStatus)

CATEGORIES = tuple(category.value for category in InvestorCategory)


def broken(error: rules.OfferingRuleBroken, field: str | None = None) -> OfferingError:
    return OfferingError(rule_message(RULE_MESSAGES, error.rule, error.values), field, code=error.rule)


@dataclass
class OfferingTerms:
    """What the seller (or the Ministry) states in the application."""

    security_name: str
    isin: str
    face_value: Decimal
    quantity: int
    price_min: Decimal
    price_max: Decimal
    period_start_at: datetime
    period_end_at: datetime
    settlement_code: str
    minimum_bid_amount: Decimal
    register_due_at: datetime
    answer_due_at: datetime
    collateral_check_at: datetime
    is_bond: bool = False
    with_ccp: bool = False
    settlement_organisation: str | None = None
    investor_categories: list[str] = field(default_factory=lambda: list(CATEGORIES))
    is_private: bool = False
    market_bids_allowed: bool = False
    issuer_id: int | None = None
    terms_note: str | None = None


def get_subscription(session, subscription_id: int) -> Subscription | None:
    return session.get(Subscription, subscription_id)


def file_application(session, user: User, terms: OfferingTerms, now: datetime,
                     also_with_ccp: bool = False) -> Subscription:
    """App.8 §1. With `also_with_ccp` a second application with the CCP is filed with it: one offering."""
    column = _column_for(user)
    if not user.organisation.bin:
        raise OfferingError(_l("Your organisation has no BIN on file; the registers need it. Ask the exchange's "
                               "administrator to add it."), code="no_bin")
    _check_terms(session, terms, column)
    calendar = business_calendar(session, almaty_date(terms.period_start_at).year)
    try:
        rules.check_filing(calendar, almaty_date(terms.period_start_at), almaty_date(terms.period_end_at), now)
    except rules.OfferingRuleBroken as error:
        raise broken(error, "period_start_at") from error
    first = _create(session, user, column, terms, now)
    if also_with_ccp and not terms.with_ccp:
        if column == SubscriptionColumn.GKO:
            raise OfferingError(_l("GKO subscriptions run without the central counterparty only."), "with_ccp")
        second = _create(session, user, column, OfferingTerms(**{**asdict(terms), "with_ccp": True}), now)
        first.paired_with_id, second.paired_with_id = second.id, first.id
        session.flush()
    return first


def _create(session, user: User, column: SubscriptionColumn, terms: OfferingTerms, now: datetime) -> Subscription:
    values = {**asdict(terms), "isin": terms.isin.strip().upper()}
    return lifecycle.filed(session, SUBSCRIPTION, Subscription(
        column=column, status=SubscriptionStatus.SUBMITTED, seller_id=user.organisation_id, filed_by_id=user.id,
        filed_at=now, **values))


def _column_for(user: User) -> SubscriptionColumn:
    if user.role == Role.MINFIN:
        return SubscriptionColumn.GKO
    if user.role in (Role.PARTICIPANT, Role.PRIMARY_DEALER):
        return SubscriptionColumn.SECURITIES
    raise OfferingError(_l("A member firm acting as seller, or the Ministry of Finance, files subscriptions."))


def _check_terms(session, terms: OfferingTerms, column: SubscriptionColumn) -> None:
    if not isin_is_valid(terms.isin.strip().upper()):
        raise OfferingError(_l("This is not a valid ISIN: 12 characters with a correct check digit."), "isin")
    if terms.quantity <= 0:
        raise OfferingError(_l("The quantity must be at least one security."), "quantity")
    if not 0 < terms.price_min <= terms.price_max:
        raise OfferingError(_l("Give a positive price, or a range whose lower end is not above its upper end."),
                            "price_min")
    if terms.face_value <= 0:
        raise OfferingError(_l("The face value must be positive."), "face_value")
    if terms.settlement_code not in SettlementCode.__members__.values():
        raise OfferingError(_l("Choose a settlement code."), "settlement_code")
    if not terms.investor_categories or set(terms.investor_categories) - set(CATEGORIES):
        raise OfferingError(_l("Choose at least one investor category."), "investor_categories")
    _check_times(terms)
    _check_column(session, terms, column)


def _check_times(terms: OfferingTerms) -> None:
    if terms.period_end_at <= terms.period_start_at:
        raise OfferingError(_l("The bid period must end after it starts."), "period_end_at")
    if terms.register_due_at < terms.period_end_at:
        raise OfferingError(_l("The accepted bids register cannot be due before the bid period ends."),
                            "register_due_at")
    if terms.answer_due_at < terms.register_due_at:
        raise OfferingError(_l("The seller's answer cannot be due before the register."), "answer_due_at")


def _check_column(session, terms: OfferingTerms, column: SubscriptionColumn) -> None:
    if column == SubscriptionColumn.GKO:
        if terms.with_ccp:
            raise OfferingError(_l("GKO subscriptions run without the central counterparty only."), "with_ccp")
        terms.is_private, terms.issuer_id, terms.is_bond = False, None, True
        return
    issuer = session.get(Organisation, terms.issuer_id) if terms.issuer_id else None
    if issuer is None or issuer.kind != OrganisationKind.ISSUER:
        raise OfferingError(_l("Choose the issuer whose securities are offered."), "issuer_id")
    if terms.is_private:
        terms.minimum_bid_amount = max(terms.minimum_bid_amount, rules.PRIVATE_MINIMUM_BID)


# --- the exchange's check, the depository's consent, the announcement ------------------------------

def accept_application(session, subscription: Subscription, now: datetime) -> Subscription:
    return lifecycle.accept(session, SUBSCRIPTION, subscription, "GKS" if subscription.is_gko else "SUB", now)


def refuse_application(session, subscription: Subscription, note: str) -> Subscription:
    require_status(subscription, SubscriptionStatus.SUBMITTED)
    return lifecycle.with_reason(session, SUBSCRIPTION, subscription, SubscriptionStatus.REFUSED, note, "refuse")


def record_consent(session, subscription: Subscription, consented: bool, note: str, now: datetime) -> Subscription:
    """App.8 §3: staff record the depository's answer; a refusal goes back to the seller."""
    require_status(subscription, SubscriptionStatus.ACCEPTED)
    subscription.consent_at = now
    if not consented:
        return lifecycle.with_reason(session, SUBSCRIPTION, subscription, SubscriptionStatus.CONSENT_REFUSED, note,
                                     "consent")

    def consent():
        subscription.status = SubscriptionStatus.CONSENTED
        # A note with the consent (its number, say) is kept; without one, an earlier note stays.
        subscription.review_note = (note or "").strip() or subscription.review_note
    return lifecycle.changed(session, SUBSCRIPTION, subscription, "consent", consent)


def change_terms(session, subscription: Subscription, terms: OfferingTerms, request_note: str) -> Subscription:
    """App.8 §2: terms change on the seller's written request, before the announcement."""
    require_status(subscription, SubscriptionStatus.ACCEPTED, SubscriptionStatus.CONSENTED)
    if not (request_note or "").strip():
        raise OfferingError(_l("Quote the seller's written request."), "note")
    _check_terms(session, terms, SubscriptionColumn(subscription.column))

    def change():
        for name, value in {**asdict(terms), "isin": terms.isin.strip().upper()}.items():
            setattr(subscription, name, value)
        subscription.review_note = request_note.strip()
    return lifecycle.changed(session, SUBSCRIPTION, subscription, "change_terms", change)


def announce(session, subscription: Subscription, now: datetime) -> Subscription:
    """App.8 §4: by the next business day after the consent; a private placement only to members."""
    require_status(subscription, SubscriptionStatus.CONSENTED)
    calendar = business_calendar(session, almaty_date(now).year)
    deadline = rules.announcement_deadline(calendar, almaty_date(subscription.consent_at))
    if now >= deadline or now >= subscription.period_start_at:
        raise broken(rules.OfferingRuleBroken("announcement_late", deadline=min(deadline, subscription.period_start_at)))

    def announced():
        subscription.status, subscription.announced_at = SubscriptionStatus.ANNOUNCED, now
        publish_notice(session, subscription, "announcement", now)
    return lifecycle.changed(session, SUBSCRIPTION, subscription, "announce", announced)


def publish_notice(session, subscription: Subscription, kind: str, now: datetime,
                   note: str | None = None) -> SubscriptionNotice:
    return lifecycle.publish_notice(session, SUBSCRIPTION, subscription, kind, now, note)


def require_status(subscription: Subscription, *statuses: SubscriptionStatus) -> None:
    lifecycle.require_status(SUBSCRIPTION, subscription, *statuses)


def snapshot(subscription: Subscription) -> dict:
    return lifecycle.snapshot(SUBSCRIPTION, subscription)
