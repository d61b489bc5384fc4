"""JSON API of subscriptions and public offerings (App.8), under /api/v1/subscriptions: what is
the offering's own (the depository's consent, the registers, the collateral check, the seller's
satisfied register, settlement) beside the operations every offering has (app.placement.api).
A private placement is announced to members only; who reads what is decided in
app.subscriptions.access, as for the pages.
"""
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.api.errors import ApiError, refusals
from app.auth.access import any_role, roles_required
from app.auth.roles import Role
from app.clock.services import now
from app.extensions import db
from app.placement.api import STAFF, PlacementApi, add_placement_api, applied, own_bid, require_closed
from app.subscriptions import access, bidding, results, services
from app.subscriptions import schemas as s
from app.subscriptions.blueprint import api_bp as bp
from app.subscriptions.kind import SUBSCRIPTION
from app.subscriptions.labels import status_label
from app.subscriptions.loaders import ERRORS, MEMBERS, bid_row, current_subscription, not_found, refreshed
from app.subscriptions.models import Subscription, SubscriptionBid, SubscriptionBidStatus, SubscriptionDeal
from app.subscriptions.services import OfferingTerms

SELLERS = (*MEMBERS, Role.MINFIN)
ENTRY_FIELDS = tuple(s.OfferingBidIn._declared_fields)


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


def entry_of(bid: SubscriptionBid, changes: dict) -> bidding.OfferingBidEntry:
    """The bid as it stands, with the fields sent; an own-account bid names no investor."""
    stored = {name: getattr(bid, name) for name in ENTRY_FIELDS}
    if bid.is_own_account:
        stored.update(investor_iin=None, investor_name=None)
    return bidding.OfferingBidEntry(**{**stored, **changes})


API = PlacementApi(
    kind=SUBSCRIPTION, services=services, results=results, bidding=bidding, current=current_subscription,
    refreshed=refreshed, visible=access.visible, describe=describe, reads_deals=access.reads_registers,
    deal_row=deal_row, bid_row=lambda bid, details: bid_row(bid, details),
    entry=lambda data: bidding.OfferingBidEntry(**data), entry_of=entry_of,
    schemas={"brief": s.OfferingBriefOut, "out": s.OfferingOut, "note": s.OfferingNoteIn,
             "bid_in": s.OfferingBidIn, "bid_change": s.OfferingBidChangeIn, "bid_out": s.OfferingBidOut,
             "deal_out": s.OfferingDealOut},
    docs={"section": "App.8", "window": "bid period [start, end) (App.8 §6–7)",
          "list": ("Subscriptions you may see", "Staff: all. A seller: its own applications; an issuer: those for "
                   "its securities. Members: every announced subscription, private placements included; everyone "
                   "else: announced ones that are not private. Latest bid period first, at most 200."),
          "get": "A subscription: terms, status and bid period phase",
          "announce": "Publish the announcement (App.8 §4: by the next business day after the consent)",
          "announce_more": "A private placement is announced to members only.",
          "form_deals": "Form one deal per satisfied bid; each member is notified (App.8 §10)",
          "list_bids": "A custodian gets the bids on the accounts it controls, to confirm or refuse them. The "
                       "seller, the issuer and staff read every bid in the accepted register after the period.",
          "submit_bid": "For the member's own account, or for a client named by IIN/BIN. A private placement "
                        "takes bids of at least 100,000 ₸ from qualified investors, at most 50 investors across "
                        "members. Send a new `Idempotency-Key` with every new bid; a repeat answers 200 with the "
                        "first bid.",
          "confirm_bid": "Confirm a bid on an account you control (App.9), before the collateral check time",
          "refuse_bid": "Refuse a bid on an account you control: it leaves the register"},
)
add_placement_api(bp, API)


# --- applications ----------------------------------------------------------------------------------

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


@bp.post("/<int:subscription_id>/consent")
@roles_required(*STAFF)
@bp.input(s.OfferingConsentIn, arg_name="data")
@bp.output(s.OfferingOut)
@bp.doc(responses=ERRORS)
def consent(subscription_id: int, data: dict):
    """Record the central depository's consent (App.8 §3)"""
    subscription = current_subscription(subscription_id)
    return applied(API, subscription, lambda: services.record_consent(db.session, subscription, True, data["note"], now()))


@bp.post("/<int:subscription_id>/no-consent")
@roles_required(*STAFF)
@bp.input(s.OfferingNoteIn, arg_name="data")
@bp.output(s.OfferingOut)
@bp.doc(responses=ERRORS)
def no_consent(subscription_id: int, data: dict):
    """Record the depository's refusal: it goes back to the seller with the reason"""
    subscription = current_subscription(subscription_id)
    return applied(API, subscription, lambda: services.record_consent(db.session, subscription, False, data["note"], now()))


@bp.put("/<int:subscription_id>/terms")
@roles_required(*STAFF)
@bp.input(s.OfferingTermsChangeIn, arg_name="data")
@bp.output(s.OfferingOut)
@bp.doc(responses=ERRORS)
def change_terms(subscription_id: int, data: dict):
    """Change the terms on the seller's written request (App.8 §2), before the announcement"""
    subscription = current_subscription(subscription_id)
    terms = terms_of(data)
    return applied(API, subscription, lambda: services.change_terms(db.session, subscription, terms, data["note"]))


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
    require_closed(SUBSCRIPTION, subscription)
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
    return applied(API, subscription, lambda: results.refuse_all(db.session, subscription, data["reason"], now()))


@bp.post("/<int:subscription_id>/settlement")
@roles_required(*STAFF)
@bp.output(s.OfferingOut)
@bp.doc(responses=ERRORS)
def settle(subscription_id: int):
    """Record settlement (App.8 §11–12); the results are published unless the placement is private"""
    subscription = current_subscription(subscription_id)
    return applied(API, subscription, lambda: results.settle(db.session, subscription, now()))


# --- bids beside the shared ones ---------------------------------------------------------------------

@bp.put("/<int:subscription_id>/bids/<int:bid_id>/investor-details")
@roles_required(*MEMBERS)
@bp.input(s.InvestorDetailsIn, arg_name="data")
@bp.output(s.OfferingBidOut)
@bp.doc(responses=ERRORS)
def investor_details(subscription_id: int, bid_id: int, data: dict):
    """Enter a client's details after the period, when the depository has none (App.8 §7)

    Confidential: the seller and the issuer read them (and staff); other members never.
    """
    bid = own_bid(API, subscription_id, bid_id)
    with refusals():
        results.enter_investor_details(db.session, bid, current_user, data, now())
    return bid_row(bid)
