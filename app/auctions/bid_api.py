"""JSON API of bids: sealed to their firm, idempotent on submission, confirmed by custodians.
Same blueprint and rules as app.auctions.api (app.auctions.blueprint, loaders)."""
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.api.errors import ApiError, refusals
from app.auctions import bidding
from app.auctions import schemas as s
from app.auctions.blueprint import api_bp as bp
from app.auctions.loaders import BIDDERS, ERRORS, controlled_bid, current_auction, own_bid
from app.auctions.models import Auction, Bid
from app.auth.access import roles_required
from app.auth.roles import Role
from app.clock.services import now
from app.extensions import db


# --- bids --------------------------------------------------------------------------------------------

@bp.get("/<int:auction_id>/bids")
@roles_required(*BIDDERS, Role.COLLATERAL_CONTROLLER)
@bp.output(s.BidOut(many=True))
@bp.doc(responses={404: ERRORS[404]})
def list_bids(auction_id: int):
    """Your firm's bids (sealed: no one else's)

    A custodian gets the bids placed on the accounts it controls, to confirm or refuse them.
    """
    auction = current_auction(auction_id)
    if current_user.role == Role.COLLATERAL_CONTROLLER:
        return [bid for bid in auction.bids if bid.custodian_id == current_user.organisation_id]
    return bidding.sealed_bids_of(db.session, auction, current_user.organisation_id)


@bp.get("/<int:auction_id>/bids/<int:bid_id>")
@roles_required(*BIDDERS, Role.COLLATERAL_CONTROLLER)
@bp.output(s.BidOut)
@bp.doc(responses={404: "No such bid, or not your firm's"})
def get_bid(auction_id: int, bid_id: int):
    """One of your firm's bids (a custodian: one on an account it controls)"""
    auction = current_auction(auction_id)
    if current_user.role == Role.COLLATERAL_CONTROLLER:
        return controlled_bid(auction, bid_id)
    return own_bid(auction, bid_id)


@bp.post("/<int:auction_id>/bids")
@roles_required(*BIDDERS)
@bp.input(s.IdempotencyHeaders, location="headers", arg_name="headers")
@bp.input(s.BidIn, arg_name="data")
@bp.output(s.BidOut, status_code=201)
@bp.doc(responses={200: {"description": "A repeat with the same Idempotency-Key: the bid it created",
                         "content": {"application/json": {"schema": s.BidOut}}},
                   400: "No Idempotency-Key header", **ERRORS})
def submit_bid(auction_id: int, headers: dict, data: dict):
    """Submit a bid in the window [open, close)

    Send a new `Idempotency-Key` with every new bid; repeating a request with the same key
    (after a timeout, say) creates nothing and answers 200 with the first bid.
    """
    key = headers["idempotency_key"].strip()
    if not key:
        raise ApiError(400, "idempotency_key_required", _("Send an Idempotency-Key header with every new bid."))
    auction = current_auction(auction_id)
    try:
        with refusals():
            bid, created = bidding.submit_bid(db.session, auction, current_user, bidding.BidEntry(**data), key, now())
    except IntegrityError:
        bid, created = repeated_bid(auction, key), False
    return bid, 201 if created else 200


def repeated_bid(auction: Auction, key: str) -> Bid:
    """Two requests with one key at once: the second lost the race to insert; answer with the first."""
    db.session.rollback()
    bid = bidding.find_by_key(db.session, current_user.organisation_id, key)
    if bid is None or bid.auction_id != auction.id:
        raise ApiError(409, "conflict", _("Another request with this Idempotency-Key is in progress; repeat it."))
    return bid


@bp.put("/<int:auction_id>/bids/<int:bid_id>")
@roles_required(*BIDDERS)
@bp.input(s.BidIn, arg_name="data")
@bp.output(s.BidOut)
@bp.doc(responses=ERRORS)
def replace_bid(auction_id: int, bid_id: int, data: dict):
    """Change a bid in the window: every field as sent"""
    return amended(auction_id, bid_id, data)


@bp.patch("/<int:auction_id>/bids/<int:bid_id>")
@roles_required(*BIDDERS)
@bp.input(s.BidChangeIn, arg_name="data")
@bp.output(s.BidOut)
@bp.doc(responses=ERRORS)
def change_bid(auction_id: int, bid_id: int, data: dict):
    """Change a bid in the window: only the fields sent

    A better price or a larger quantity starts the bid's time priority anew.
    """
    return amended(auction_id, bid_id, data)


def amended(auction_id: int, bid_id: int, data: dict) -> Bid:
    bid = own_bid(current_auction(auction_id), bid_id)
    entry = {name: getattr(bid, name) for name in s.BidIn._declared_fields}
    with refusals():
        bidding.amend_bid(db.session, bid, current_user, bidding.BidEntry(**{**entry, **data}), now())
    return bid


@bp.delete("/<int:auction_id>/bids/<int:bid_id>")
@roles_required(*BIDDERS)
@bp.output(s.BidOut)
@bp.doc(responses=ERRORS)
def withdraw_bid(auction_id: int, bid_id: int):
    """Withdraw a bid in the window (it stays, marked withdrawn)"""
    bid = own_bid(current_auction(auction_id), bid_id)
    with refusals():
        bidding.withdraw_bid(db.session, bid, current_user, now())
    return bid


@bp.post("/<int:auction_id>/bids/<int:bid_id>/confirm")
@roles_required(Role.COLLATERAL_CONTROLLER)
@bp.output(s.BidOut)
@bp.doc(responses=ERRORS)
def confirm_bid(auction_id: int, bid_id: int):
    """Confirm a bid on an account you control (App.9), before the confirmation deadline"""
    return confirmed(auction_id, bid_id, True)


@bp.post("/<int:auction_id>/bids/<int:bid_id>/refuse")
@roles_required(Role.COLLATERAL_CONTROLLER)
@bp.output(s.BidOut)
@bp.doc(responses=ERRORS)
def refuse_bid(auction_id: int, bid_id: int):
    """Refuse a bid on an account you control: it is annulled"""
    return confirmed(auction_id, bid_id, False)


def confirmed(auction_id: int, bid_id: int, confirm: bool) -> Bid:
    bid = controlled_bid(current_auction(auction_id), bid_id)
    with refusals():
        bidding.confirm_bid(db.session, bid, current_user, confirm, now())
    return bid
