"""JSON API of subscriptions and public offerings (App.8), under /api/v1/subscriptions.

Every view first closes the subscriptions whose bid period has ended (results.advance_due,
committed apart as the pages do); then it commits its own change once, or rolls back on a
refusal. What the caller may not see answers 404, never 403: an application is its seller's
(and issuer's) until announced, a private placement is announced to members only, bids are
sealed to their firm. Who reads what is decided in app.subscriptions.access, as for the pages.
"""

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.api.errors import ApiError, refusals
from app.auth.access import any_role, roles_required
from app.auth.roles import STAFF_ROLES, Role
from app.clock.services import now
from app.extensions import db
from app.subscriptions import access, bidding, results, services
from app.subscriptions import schemas as s
from app.subscriptions.blueprint import api_bp as bp
from app.subscriptions.loaders import ERRORS, MEMBERS, bid_row, current_subscription, not_found, refreshed
from app.subscriptions.labels import status_label
from app.subscriptions.models import Subscription, SubscriptionBid, SubscriptionBidStatus, SubscriptionDeal
from app.subscriptions.services import OfferingTerms

STAFF = tuple(sorted(STAFF_ROLES))
SELLERS = (*MEMBERS, Role.MINFIN)


# --- access ---------------------------------------------------------------------------------------

def confidential_subscription(subscription_id: int) -> Subscription:
    """Seller, issuer and staff; to anyone else it does not exist."""
    subscription = current_subscription(subscription_id)
    if not access.reads_registers(subscription, current_user):
        raise not_found()
    return subscription


def sellers_subscription(subscription_id: int) -> Subscription:
    subscription = current_subscription(subscription_id)
    if not access.is_seller(subscription, current_user):
        raise not_found()
    return subscription


def require_closed(subscription: Subscription) -> None:
    if subscription.closed_at is None:
        message = services.STATUS_REFUSAL % {"status": status_label(subscription.status)}
        raise ApiError(409, "wrong_status", str(message))


def applied(subscription: Subscription, operation) -> dict:
    """Run one state change: commit it, or roll back and answer the refusal."""
    with refusals():
        operation()
    return describe(subscription)


# --- what is shown ---------------------------------------------------------------------------------

def describe(subscription: Subscription) -> dict:
    """Terms and state; the exchange's note stays with the seller, the issuer and staff."""
    row = {name: getattr(subscription, name, None) for name in s.OfferingOut._declared_fields}
    phase = bidding.phase(subscription, now()) if subscription.announced_at is not None else None
    row.update(status_label=status_label(subscription.status), phase=phase,
               review_note=subscription.review_note if access.reads_registers(subscription, current_user) else None)
    return row


def deal_row(deal: SubscriptionDeal) -> dict:
    row = {name: getattr(deal, name) for name in s.OfferingDealOut._declared_fields if hasattr(deal, name)}
    return {**row, "investor_name": deal.bid.investor_name, "investor_iin": deal.bid.investor_iin}


def terms_of(data: dict) -> OfferingTerms:
    fields = {name: value for name, value in data.items() if name in OfferingTerms.__dataclass_fields__}
    return OfferingTerms(**fields)


# --- applications ----------------------------------------------------------------------------------

@bp.get("")
@any_role
@bp.output(s.OfferingBriefOut(many=True))
def list_subscriptions():
    """Subscriptions you may see

    Staff: all. A seller: its own applications; an issuer: those for its securities. Members:
    every announced subscription, private placements included; everyone else: announced ones
    that are not private. Latest bid period first, at most 200.
    """
    refreshed()
    return [describe(subscription) for subscription in access.visible(db.session, current_user)]


@bp.post("")
@roles_required(*SELLERS)
@bp.input(s.OfferingApplicationIn, arg_name="data")
@bp.output(s.OfferingOut, status_code=201)
@bp.doc(responses={422: ERRORS[422]})
def file_application(data: dict):
    """File an application (App.8 §1)

    A member firm sells for an issuer; the Ministry of Finance files GKO subscriptions (without
    the CCP, in its own column). At least 2 business days before the bid period, by the business
    clock. With `also_with_ccp` a second application with the CCP is filed with it.
    """
    with refusals():
        subscription = services.file_application(db.session, current_user, terms_of(data), now(),
                                                 also_with_ccp=data["also_with_ccp"])
    return describe(subscription)


@bp.get("/<int:subscription_id>")
@any_role
@bp.output(s.OfferingOut)
@bp.doc(responses={404: ERRORS[404]})
def get_subscription(subscription_id: int):
    """A subscription: terms, status and bid period phase"""
    return describe(current_subscription(subscription_id))


@bp.post("/<int:subscription_id>/accept")
@roles_required(*STAFF)
@bp.output(s.OfferingOut)
@bp.doc(responses=ERRORS)
def accept(subscription_id: int):
    """Accept an application: it gets its number (App.8 §2)"""
    subscription = current_subscription(subscription_id)
    return applied(subscription, lambda: services.accept_application(db.session, subscription, now()))


@bp.post("/<int:subscription_id>/refuse")
@roles_required(*STAFF)
@bp.input(s.OfferingNoteIn, arg_name="data")
@bp.output(s.OfferingOut)
@bp.doc(responses=ERRORS)
def refuse(subscription_id: int, data: dict):
    """Refuse an application, saying why"""
    subscription = current_subscription(subscription_id)
    return applied(subscription, lambda: services.refuse_application(db.session, subscription, data["note"]))


@bp.post("/<int:subscription_id>/consent")
@roles_required(*STAFF)
@bp.input(s.OfferingConsentIn, arg_name="data")
@bp.output(s.OfferingOut)
@bp.doc(responses=ERRORS)
def consent(subscription_id: int, data: dict):
    """Record the central depository's consent (App.8 §3)"""
    subscription = current_subscription(subscription_id)
    return applied(subscription, lambda: services.record_consent(db.session, subscription, True, data["note"], now()))


@bp.post("/<int:subscription_id>/no-consent")
@roles_required(*STAFF)
@bp.input(s.OfferingNoteIn, arg_name="data")
@bp.output(s.OfferingOut)
@bp.doc(responses=ERRORS)
def no_consent(subscription_id: int, data: dict):
    """Record the depository's refusal: it goes back to the seller with the reason"""
    subscription = current_subscription(subscription_id)
    return applied(subscription, lambda: services.record_consent(db.session, subscription, False, data["note"], now()))


@bp.post("/<int:subscription_id>/announce")
@roles_required(*STAFF)
@bp.output(s.OfferingOut)
@bp.doc(responses=ERRORS)
def announce(subscription_id: int):
    """Publish the announcement (App.8 §4: by the next business day after the consent)

    A private placement is announced to members only.
    """
    subscription = current_subscription(subscription_id)
    return applied(subscription, lambda: services.announce(db.session, subscription, now()))


@bp.put("/<int:subscription_id>/terms")
@roles_required(*STAFF)
@bp.input(s.OfferingTermsChangeIn, arg_name="data")
@bp.output(s.OfferingOut)
@bp.doc(responses=ERRORS)
def change_terms(subscription_id: int, data: dict):
    """Change the terms on the seller's written request (App.8 §2), before the announcement"""
    subscription = current_subscription(subscription_id)
    terms = terms_of(data)
    return applied(subscription, lambda: services.change_terms(db.session, subscription, terms, data["note"]))


# --- after the bid period --------------------------------------------------------------------------

@bp.get("/<int:subscription_id>/counts")
@any_role
@bp.output(s.OfferingCountsOut)
@bp.doc(responses={404: ERRORS[404]})
def counts(subscription_id: int):
    """Participants and investors of the active bids (investors by IIN/BIN across members)"""
    return results.counts(db.session, current_subscription(subscription_id))


@bp.get("/<int:subscription_id>/accepted-bids")
@roles_required(*STAFF, *SELLERS, Role.ISSUER)
@bp.input(s.AcceptedBidsQuery, location="query", arg_name="query")
@bp.output(s.AcceptedBidOut(many=True))
@bp.doc(responses={404: ERRORS[404], 409: "Not before the bid period has ended"})
def accepted_bids(subscription_id: int, query: dict):
    """The accepted bids register, once the bid period has ended (App.8 §8)

    Seller, issuer and staff: the active bids with their investors, by bid number, in pages
    (`after_id` = the last id of the previous page).
    """
    subscription = confidential_subscription(subscription_id)
    require_closed(subscription)
    return [bid_row(bid) for bid in register_page(subscription, query["after_id"], query["limit"])]


def register_page(subscription: Subscription, after_id: int, limit: int) -> list[SubscriptionBid]:
    """Keyset pages: a people's IPO has more bids than one answer should carry."""
    return list(db.session.scalars(select(SubscriptionBid).where(
        SubscriptionBid.subscription_id == subscription.id, SubscriptionBid.status == SubscriptionBidStatus.ACTIVE,
        SubscriptionBid.id > after_id).order_by(SubscriptionBid.id).limit(limit)))


@bp.post("/<int:subscription_id>/collateral-check")
@roles_required(*STAFF)
@bp.input(s.CollateralCheckIn, arg_name="data")
@bp.output(s.CollateralCheckOut)
@bp.doc(responses=ERRORS)
def collateral_check(subscription_id: int, data: dict):
    """At the check time (T0, Y0): bids without cover leave the register (App.8 §6)"""
    subscription = current_subscription(subscription_id)
    unsecured = set(data["unsecured_bid_ids"])
    if not unsecured <= {bid.id for bid in bidding.active_bids(subscription)}:
        raise ApiError(422, "not_an_active_bid", _("Some fields are not valid."), {"json": {
            "unsecured_bid_ids": [_("Name only active bids of this subscription.")]}})
    with refusals():
        refused = results.collateral_check(db.session, subscription, unsecured, now())
    return {"refused": refused, "subscription": describe(subscription)}


@bp.post("/<int:subscription_id>/satisfied-register")
@roles_required(*SELLERS)
@bp.input(s.SatisfiedRegisterIn, arg_name="data")
@bp.output(s.OfferingOut)
@bp.doc(responses={**ERRORS, 422: "Refused; with code `register_invalid`, `details.rows` lists every "
                                  "problem as {row, message} (row 1 = the first; null: the whole register)"})
def satisfied_register(subscription_id: int, data: dict):
    """The seller's satisfied register (App.8 §9): stored whole, or not at all"""
    subscription = sellers_subscription(subscription_id)
    lines = [results.SatisfiedLine(number, row["bid_number"], row["price"], row["quantity"])
             for number, row in enumerate(data["rows"], start=1)]
    with refusals({"file": "rows"}):
        results.apply_satisfied_register(db.session, subscription, lines, now())
    return describe(subscription)


@bp.post("/<int:subscription_id>/refuse-all")
@roles_required(*SELLERS)
@bp.input(s.RefuseAllIn, arg_name="data")
@bp.output(s.OfferingOut)
@bp.doc(responses=ERRORS)
def refuse_all(subscription_id: int, data: dict):
    """Refuse all bids with a reason: the subscription fails (App.8 §9)"""
    subscription = sellers_subscription(subscription_id)
    return applied(subscription, lambda: results.refuse_all(db.session, subscription, data["reason"], now()))


@bp.post("/<int:subscription_id>/deals")
@roles_required(*STAFF)
@bp.output(s.OfferingDealOut(many=True), status_code=201)
@bp.doc(responses=ERRORS)
def form_deals(subscription_id: int):
    """Form one deal per satisfied bid; each member is notified (App.8 §10)"""
    subscription = current_subscription(subscription_id)
    with refusals():
        deals = results.form_deals(db.session, subscription, now())
    return [deal_row(deal) for deal in deals]


@bp.get("/<int:subscription_id>/deals")
@roles_required(*STAFF, *SELLERS, Role.ISSUER)
@bp.output(s.OfferingDealOut(many=True))
@bp.doc(responses={404: ERRORS[404]})
def list_deals(subscription_id: int):
    """The deals: all of them for the seller, the issuer and staff; a member's own deals only"""
    subscription = current_subscription(subscription_id)
    if access.reads_registers(subscription, current_user):
        return [deal_row(deal) for deal in subscription.deals]
    if current_user.role not in MEMBERS:
        raise not_found()
    return [deal_row(deal) for deal in subscription.deals if deal.organisation_id == current_user.organisation_id]


@bp.post("/<int:subscription_id>/settlement")
@roles_required(*STAFF)
@bp.output(s.OfferingOut)
@bp.doc(responses=ERRORS)
def settle(subscription_id: int):
    """Record settlement (App.8 §11–12); the results are published unless the placement is private"""
    subscription = current_subscription(subscription_id)
    return applied(subscription, lambda: results.settle(db.session, subscription, now()))
