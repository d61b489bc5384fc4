"""The repo JSON API, /api/v1/market/repo (seed 004 §29–32): automatic repo orders traded on
the rate, direct repo offers and their answers, early close by both sides, and the firm's repos
with both legs and the inputs of their arithmetic.

Rates are % a year as decimal strings with 2 places, discounts fractions with 4, money with 2.
A refused instruction answers 422 with the market's check `code` (`repo_term_not_standard`,
`insufficient_cover`, `repo_early_close_same_day`, …); another firm's offer or repo is 404.
"""
from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Date, Integer, List, Nested, String
from apiflask.validators import Length, OneOf
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.api.errors import ApiError, refusals
from app.api.fields import AwareDateTime, BoundedInteger, DecimalString
from app.auth.access import roles_required
from app.auth.roles import STAFF_ROLES, Role
from app.domain.repo import REPO_TERMS
from app.extensions import db
from app.secondary.engine.direct import AnswerDirectDeal
from app.secondary.models import MarketOrder
from app.secondary.repo import reads
from app.secondary.repo.services import CloseRepoEarly, OfferDirectRepo, PlaceRepoOrder
from app.secondary.trading import services
from app.secondary.trading.schemas import LOTS, OrderKeyHeaders

bp = APIBlueprint("market_repo_api", __name__, url_prefix="/api/v1/market/repo", tag="Repo")
MEMBERS = (Role.PRIMARY_DEALER, Role.PARTICIPANT)
STAFF = tuple(sorted(STAFF_ROLES))
RATE_PLACES, DISCOUNT_PLACES, MONEY_PLACES, PRICE_PLACES = 2, 4, 2, 4
CHOOSE = _l("Choose one of: {choices}.")
RENAMED = {"price": "rate"}
ROLES = {reads.BORROWER: "borrower", reads.LENDER: "lender"}
SIDES = {"buy": "borrow", "sell": "lend"}
REFUSED = {422: "Refused: `code` names the failed check, `message` says why"}


# --- schemas ---------------------------------------------------------------------------------------

class RepoOrderIn(Schema):
    account = BoundedInteger(required=True, strict=True, metadata={"description": "Your firm's trading account id."})
    instrument = BoundedInteger(required=True, strict=True, metadata={"description": "An instrument on the repo list."})
    days = BoundedInteger(required=True, strict=True, metadata={
        "description": f"The term: one of {', '.join(map(str, REPO_TERMS))} (else `repo_term_not_standard`)."})
    side = String(required=True, validate=OneOf(tuple(SIDES.values()), error=CHOOSE), metadata={
        "description": "borrow: deliver securities now, receive money; lend: the opposite."})
    rate = DecimalString(RATE_PLACES, required=True, metadata={"description": "% a year."})
    lots = BoundedInteger(required=True, strict=True, validate=LOTS)
    client_code = String(allow_none=True, load_default=None, validate=Length(max=30))


class DirectRepoIn(RepoOrderIn):
    counterparty = BoundedInteger(required=True, strict=True, metadata={"description": "The member firm addressed."})
    days = BoundedInteger(required=True, strict=True, metadata={"description": "1 to 90 calendar days."})
    discount = DecimalString(DISCOUNT_PLACES, required=True, metadata={
        "description": "Agreed discount, a fraction: P = Ptk × (1 − discount)."})


class AnswerIn(Schema):
    accept = Boolean(required=True)
    account = BoundedInteger(strict=True, allow_none=True, load_default=None, metadata={
        "description": "Your account for the deal; required to accept."})
    client_code = String(allow_none=True, load_default=None, validate=Length(max=30))


class ReposQuery(Schema):
    state = String(load_default="all", validate=OneOf(("open", "all"), error=CHOOSE), metadata={
        "description": "open: the closing leg is not delivered yet."})


class RepoOrderOut(Schema):
    id = Integer()
    seq = Integer()
    kind = String(metadata={"description": "auto (on the book) or direct (an offer to a counterparty)."})
    instrument_id = Integer()
    instrument = String()
    days = Integer(allow_none=True)
    side = String(metadata={"description": "borrow or lend."})
    rate = DecimalString(RATE_PLACES)
    lots = Integer()
    remaining_lots = Integer()
    filled_lots = Integer()
    account = Integer()
    account_code = String()
    client_code = String(allow_none=True)
    counterparty = Integer(allow_none=True)
    status = String()
    placed_at = AwareDateTime()
    repo_ids = List(Integer(), metadata={"description": "Repos this order opened."})
    duplicate = Boolean()


class LegOut(Schema):
    trade_id = Integer()
    settles_on = Date()
    amount = DecimalString(MONEY_PLACES)
    status = String(metadata={"description": "pending, settled, failed or cancelled."})


class RepoOut(Schema):
    repo_id = Integer(metadata={"description": "The opening leg's trade id."})
    kind = String(metadata={"description": "auto or direct."})
    instrument_id = Integer()
    instrument = String()
    side = String(allow_none=True, metadata={"description": "borrower or lender; null for staff."})
    borrower_account = String(allow_none=True, metadata={"description": "Null when it is not yours."})
    lender_account = String(allow_none=True, metadata={"description": "Null when it is not yours."})
    rate = DecimalString(RATE_PLACES, metadata={"description": "r, % a year."})
    lots = Integer()
    quantity = Integer(metadata={"description": "K, securities."})
    reference_price = DecimalString(PRICE_PLACES, allow_none=True, metadata={"description": "Ptk."})
    discount = DecimalString(DISCOUNT_PLACES, allow_none=True, metadata={"description": "Disc, a fraction."})
    opening_price = DecimalString(allow_none=True, metadata={"description": "P: money value of one security."})
    days = Integer(allow_none=True, metadata={"description": "n."})
    year_days = Integer(allow_none=True, metadata={"description": "T."})
    opens_on = Date()
    closes_on = Date(allow_none=True, metadata={"description": "The agreed closing date."})
    open_sum = DecimalString(MONEY_PLACES, metadata={"description": "So = P × K."})
    close_sum = DecimalString(MONEY_PLACES, metadata={
        "description": "Sc = So × (1 + r × n / (100 × T)), or Scn = So + I after an early close."})
    closed_early = Boolean()
    early_close_agreed = List(String(), metadata={"description": "Sides agreed to close early."})
    opening = Nested(LegOut)
    closing = Nested(LegOut)


class AnswerOut(Schema):
    offer_id = Integer()
    status = String(metadata={"description": "filled (accepted) or rejected."})
    repo = Nested(RepoOut, allow_none=True)


# --- what is shown ---------------------------------------------------------------------------------

def leg_row(trade) -> dict:
    return {"trade_id": trade.id, "settles_on": trade.settles_on, "amount": trade.amount, "status": trade.status}


def repo_row(view: reads.RepoView, mine: set[int] | None) -> dict:
    """`mine`: the caller's account ids (None for staff); the other side's account stays hidden."""
    side = None if mine is None else view.side_of(mine)
    math = view.math
    return {"repo_id": view.repo_id, "kind": view.kind, "instrument_id": view.instrument.id,
            "instrument": view.instrument.code, "side": ROLES.get(side),
            "borrower_account": view.closing.buyer_account.code if side in (None, reads.BORROWER) else None,
            "lender_account": view.closing.seller_account.code if side in (None, reads.LENDER) else None,
            "rate": view.opening.price, "lots": view.opening.lots, "quantity": view.opening.quantity,
            "reference_price": math and math.reference, "discount": math and math.discount,
            "opening_price": math and math.price, "days": math and math.days, "year_days": math and math.year_days,
            "opens_on": view.opening.trade_day, "closes_on": math and math.closes_on,
            "open_sum": view.opening.amount, "close_sum": view.closing.amount, "closed_early": view.closed_early,
            "early_close_agreed": sorted(ROLES[side] for side in view.agreed),
            "opening": leg_row(view.opening), "closing": leg_row(view.closing)}


def order_row(order: MarketOrder, ack) -> dict:
    direct = order.settlement_code.startswith("X")
    if direct:
        math = reads.offer_views(db.session, [order])[0].math
        days = math and math.days
    else:
        days = int(order.settlement_code[1:])
    return {"id": order.id, "seq": order.seq, "kind": reads.DIRECT if direct else reads.AUTO,
            "instrument_id": order.instrument_id, "instrument": order.instrument.code, "days": days,
            "side": SIDES[order.side], "rate": order.price, "lots": order.lots,
            "remaining_lots": order.remaining_lots, "filled_lots": order.filled_lots, "account": order.account_id,
            "account_code": order.account.code, "client_code": order.client_code,
            "counterparty": order.counterparty_id, "status": order.status, "placed_at": order.placed_at,
            "repo_ids": sorted({trade.repo_id for trade in ack.trades}), "duplicate": ack.duplicate}


def is_staff() -> bool:
    return current_user.role in STAFF_ROLES


def own_repo(repo_id: int) -> reads.RepoView:
    view = reads.repo_of(db.session, repo_id)
    if view is None or view.side_of(services.firm_account_ids(db.session, current_user.organisation_id)) is None:
        raise ApiError(404, "not_found", _("There is no such repo."))
    return view


def mine() -> set[int]:
    return services.firm_account_ids(db.session, current_user.organisation_id)


# --- instructions ----------------------------------------------------------------------------------

@bp.post("/orders")
@roles_required(*MEMBERS)
@bp.input(OrderKeyHeaders, location="headers", arg_name="headers")
@bp.input(RepoOrderIn, arg_name="data")
@bp.output(RepoOrderOut, status_code=201)
@bp.doc(responses=REFUSED)
def place_order(headers: dict, data: dict):
    """Place an automatic repo order on the book of an instrument and standard term

    Matched on the rate against the other side (at the resting order's rate); each match makes
    both legs at once. Full cover: a borrower's securities, a lender's opening sum.
    """
    key = headers["idempotency_key"]
    command = PlaceRepoOrder(current_user.organisation_id, data["account"], data["instrument"], data["days"],
                             data["side"], data["rate"], data["lots"], data["client_code"], current_user.id,
                             key.strip() if key else None)
    with refusals(RENAMED):
        ack = services.execute(db.session, command)
    order = db.session.get(MarketOrder, ack.order_id)
    return order_row(order, ack), 200 if ack.duplicate else 201


@bp.post("/direct")
@roles_required(*MEMBERS)
@bp.input(DirectRepoIn, arg_name="data")
@bp.output(RepoOrderOut, status_code=201)
@bp.doc(responses=REFUSED)
def offer_direct(data: dict):
    """Offer a direct repo to a member firm: agreed rate, term (1–90 days) and discount

    It blocks its cover until the firm answers, you cancel it, or the session closes.
    """
    command = OfferDirectRepo(current_user.organisation_id, data["account"], data["counterparty"],
                              data["instrument"], data["days"], data["side"], data["rate"], data["lots"],
                              data["discount"], data["client_code"], current_user.id)
    with refusals(RENAMED):
        ack = services.execute(db.session, command)
    return order_row(db.session.get(MarketOrder, ack.order_id), ack)


@bp.post("/direct/<int:offer_id>/answer")
@roles_required(*MEMBERS)
@bp.input(AnswerIn, arg_name="data")
@bp.output(AnswerOut)
@bp.doc(responses={404: "No such direct repo offer to your firm", **REFUSED})
def answer_direct(offer_id: int, data: dict):
    """Accept (on one of your accounts) or reject a direct repo offered to your firm

    Accepting makes both legs: the opening leg settles today, the closing leg on its date.
    """
    offer = db.session.get(MarketOrder, offer_id)
    if not reads.is_repo_offer(offer) or offer.counterparty_id != current_user.organisation_id:
        raise ApiError(404, "not_found", _("There is no such direct repo offer to your firm."))
    command = AnswerDirectDeal(offer.id, current_user.organisation_id, data["accept"], data["account"] or 0,
                               data["client_code"], current_user.id)
    with refusals({"account_id": "account"}):
        ack = services.execute(db.session, command)
    view = reads.repo_of(db.session, ack.trades[0].repo_id) if ack.trades else None
    return {"offer_id": offer_id, "status": ack.status, "repo": view and repo_row(view, mine())}


@bp.post("/<int:repo_id>/close-early")
@roles_required(*MEMBERS)
@bp.output(RepoOut)
@bp.doc(responses={404: "No such repo of your firm", **REFUSED})
def close_early(repo_id: int):
    """Agree to close a direct repo early

    Both sides must agree, each with this call, on a day that is neither the opening nor the
    closing day; the second agreement closes it today for Scn = So + I. `early_close_agreed`
    shows who has agreed. An automatic repo is never closed early.
    """
    own_repo(repo_id)
    with refusals():
        services.execute(db.session, CloseRepoEarly(repo_id, current_user.organisation_id, current_user.id))
    return repo_row(own_repo(repo_id), mine())


@bp.get("")
@roles_required(*MEMBERS, *STAFF)
@bp.input(ReposQuery, location="query", arg_name="query")
@bp.output(RepoOut(many=True))
def list_repos(query: dict):
    """Your firm's repos (staff: every firm's), the newest first, with both legs"""
    if is_staff():
        return [repo_row(view, None) for view in reads.repos(db.session, None, query["state"] == "open")]
    accounts = mine()
    return [repo_row(view, accounts)
            for view in reads.repos(db.session, current_user.organisation_id, query["state"] == "open")]
