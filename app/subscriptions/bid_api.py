"""JSON API of subscription bids: sealed to their firm, idempotent on submission, confirmed by
custodians; investor details after the period. Same blueprint and rules as app.subscriptions.api."""
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.api.errors import ApiError, refusals
from app.auctions.schemas import IdempotencyHeaders
from app.auth.access import roles_required
from app.auth.roles import Role
from app.clock.services import now
from app.extensions import db
from app.subscriptions import bidding, results
from app.subscriptions import schemas as s
from app.subscriptions.blueprint import api_bp as bp
from app.subscriptions.loaders import ERRORS, MEMBERS, bid_row, current_subscription, not_found, refreshed
from app.subscriptions.models import Subscription, SubscriptionBid

CUSTODIAN = Role.COLLATERAL_CONTROLLER
ENTRY_FIELDS = tuple(s.OfferingBidIn._declared_fields)


def own_bid(subscription: Subscription, bid_id: int) -> SubscriptionBid:
    bid = db.session.get(SubscriptionBid, bid_id)
    if bid is None or bid.subscription_id != subscription.id or bid.organisation_id != current_user.organisation_id:
        raise not_found(_("There is no such bid."))
    return bid


def controlled_bids(subscription_id: int) -> list[SubscriptionBid]:
    """A custodian's view: the bids on the accounts it controls. It may confirm those even in a
    private placement, which it cannot otherwise see."""
    refreshed()
    bids = list(db.session.scalars(select(SubscriptionBid).where(
        SubscriptionBid.subscription_id == subscription_id,
        SubscriptionBid.custodian_id == current_user.organisation_id).order_by(SubscriptionBid.id)))
    if not bids:
        current_subscription(subscription_id)  # 404 unless it exists and the custodian may read it
    return bids


def controlled_bid(subscription_id: int, bid_id: int) -> SubscriptionBid:
    refreshed()
    bid = db.session.get(SubscriptionBid, bid_id)
    if bid is None or bid.subscription_id != subscription_id or bid.custodian_id != current_user.organisation_id:
        raise not_found(_("There is no such bid."))
    return bid


def entry_of(bid: SubscriptionBid, changes: dict) -> bidding.OfferingBidEntry:
    """The bid as it stands, with the fields sent; an own-account bid names no investor."""
    stored = {name: getattr(bid, name) for name in ENTRY_FIELDS}
    if bid.is_own_account:
        stored.update(investor_iin=None, investor_name=None)
    return bidding.OfferingBidEntry(**{**stored, **changes})


@bp.get("/<int:subscription_id>/bids")
@roles_required(*MEMBERS, CUSTODIAN)
@bp.output(s.OfferingBidOut(many=True))
@bp.doc(responses={404: ERRORS[404]})
def list_bids(subscription_id: int):
    """Your firm's bids (sealed: no one else's)

    A custodian gets the bids on the accounts it controls, to confirm or refuse them. The
    seller, the issuer and staff read every bid in the accepted register after the period.
    """
    if current_user.role == CUSTODIAN:
        return [bid_row(bid, details=False) for bid in controlled_bids(subscription_id)]
    subscription = current_subscription(subscription_id)
    return [bid_row(bid) for bid in bidding.firm_bids(db.session, subscription, current_user.organisation_id)]


@bp.get("/<int:subscription_id>/bids/<int:bid_id>")
@roles_required(*MEMBERS, CUSTODIAN)
@bp.output(s.OfferingBidOut)
@bp.doc(responses={404: "No such bid, or not your firm's"})
def get_bid(subscription_id: int, bid_id: int):
    """One of your firm's bids (a custodian: one on an account it controls)"""
    if current_user.role == CUSTODIAN:
        return bid_row(controlled_bid(subscription_id, bid_id), details=False)
    return bid_row(own_bid(current_subscription(subscription_id), bid_id))


@bp.post("/<int:subscription_id>/bids")
@roles_required(*MEMBERS)
@bp.input(IdempotencyHeaders, location="headers", arg_name="headers")
@bp.input(s.OfferingBidIn, arg_name="data")
@bp.output(s.OfferingBidOut, status_code=201)
@bp.doc(responses={200: {"description": "A repeat with the same Idempotency-Key: the bid it created",
                         "content": {"application/json": {"schema": s.OfferingBidOut}}},
                   400: "No Idempotency-Key header", **ERRORS})
def submit_bid(subscription_id: int, headers: dict, data: dict):
    """Submit a bid in the bid period [start, end) (App.8 §6–7)

    For the member's own account, or for a client named by IIN/BIN. A private placement takes
    bids of at least 100,000 ₸ from qualified investors, at most 50 investors across members.
    Send a new `Idempotency-Key` with every new bid; a repeat answers 200 with the first bid.
    """
    key = headers["idempotency_key"].strip()
    if not key:
        raise ApiError(400, "idempotency_key_required", _("Send an Idempotency-Key header with every new bid."))
    subscription = current_subscription(subscription_id)
    try:
        with refusals():
            bid, created = bidding.submit_bid(db.session, subscription, current_user,
                                              bidding.OfferingBidEntry(**data), key, now())
    except IntegrityError:
        bid, created = repeated_bid(subscription, key), False
    return bid_row(bid), 201 if created else 200


def repeated_bid(subscription: Subscription, key: str) -> SubscriptionBid:
    """Two requests with one key at once: the second lost the race to insert; answer with the first."""
    db.session.rollback()
    bid = bidding.find_by_key(db.session, current_user.organisation_id, key)
    if bid is None or bid.subscription_id != subscription.id:
        raise ApiError(409, "conflict", _("Another request with this Idempotency-Key is in progress; repeat it."))
    return bid


@bp.patch("/<int:subscription_id>/bids/<int:bid_id>")
@roles_required(*MEMBERS)
@bp.input(s.OfferingBidChangeIn, arg_name="data")
@bp.output(s.OfferingBidOut)
@bp.doc(responses=ERRORS)
def change_bid(subscription_id: int, bid_id: int, data: dict):
    """Change a bid in the bid period: only the fields sent"""
    bid = own_bid(current_subscription(subscription_id), bid_id)
    entry = entry_of(bid, data)
    with refusals():
        bidding.amend_bid(db.session, bid, current_user, entry, now())
    return bid_row(bid)


@bp.delete("/<int:subscription_id>/bids/<int:bid_id>")
@roles_required(*MEMBERS)
@bp.output(s.OfferingBidOut)
@bp.doc(responses=ERRORS)
def withdraw_bid(subscription_id: int, bid_id: int):
    """Withdraw a bid in the bid period (it stays, marked withdrawn)"""
    bid = own_bid(current_subscription(subscription_id), bid_id)
    with refusals():
        bidding.withdraw_bid(db.session, bid, current_user, now())
    return bid_row(bid)


@bp.post("/<int:subscription_id>/bids/<int:bid_id>/confirm")
@roles_required(CUSTODIAN)
@bp.output(s.OfferingBidOut)
@bp.doc(responses=ERRORS)
def confirm_bid(subscription_id: int, bid_id: int):
    """Confirm a bid on an account you control (App.9), before the collateral check time"""
    return confirmed(subscription_id, bid_id, True)


@bp.post("/<int:subscription_id>/bids/<int:bid_id>/refuse")
@roles_required(CUSTODIAN)
@bp.output(s.OfferingBidOut)
@bp.doc(responses=ERRORS)
def refuse_bid(subscription_id: int, bid_id: int):
    """Refuse a bid on an account you control: it leaves the register"""
    return confirmed(subscription_id, bid_id, False)


def confirmed(subscription_id: int, bid_id: int, confirm: bool) -> dict:
    bid = controlled_bid(subscription_id, bid_id)
    with refusals():
        bidding.confirm_bid(db.session, bid, current_user, confirm, now())
    return bid_row(bid, details=False)


@bp.put("/<int:subscription_id>/bids/<int:bid_id>/investor-details")
@roles_required(*MEMBERS)
@bp.input(s.InvestorDetailsIn, arg_name="data")
@bp.output(s.OfferingBidOut)
@bp.doc(responses=ERRORS)
def investor_details(subscription_id: int, bid_id: int, data: dict):
    """Enter a client's details after the period, when the depository has none (App.8 §7)

    Confidential: the seller and the issuer read them (and staff); other members never.
    """
    bid = own_bid(current_subscription(subscription_id), bid_id)
    with refusals():
        results.enter_investor_details(db.session, bid, current_user, data, now())
    return bid_row(bid)

