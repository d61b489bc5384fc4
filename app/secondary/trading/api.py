"""JSON API of the secondary market (SPEC §4, App.6), under /api/v1/market.

Orders go through the sequencer (`services.execute` commits before it answers, so an
acknowledgement is never lost); everything read comes from the projected tables. A member
firm sees only its own orders, trades and positions: another firm's order answers 404, never
403, so its existence does not leak. Staff read every firm's trades and positions.
"""
from decimal import Decimal

from apiflask import APIBlueprint
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.api.errors import ApiError, refusals
from app.auth.access import any_role, roles_required
from app.auth.roles import STAFF_ROLES, Role
from app.clock.services import now
from app.domain.calendar import almaty_date
from app.extensions import db
from app.secondary.assets import is_currency
from app.secondary.engine.commands import AmendOrder, CancelOrder, PlaceOrder
from app.secondary.messages import MarketError
from app.secondary.models import OPEN, Instrument, MarketOrder, MarketTrade
from app.secondary.reference import services as reference
from app.secondary.trading import schemas as s
from app.secondary.trading import services

bp = APIBlueprint("market_api", __name__, url_prefix="/api/v1/market", tag="Market")
MEMBERS = (Role.PRIMARY_DEALER, Role.PARTICIPANT)
STAFF = tuple(sorted(STAFF_ROLES))
MAX_ORDERS_LISTED = 500
CENT = Decimal("0.01")
ERRORS = {404: "No such order, or not your firm's",
          422: "Refused: `code` names the failed check (`insufficient_cover`, `outside_corridor`, "
               "`session_closed`, …), `message` says why, `details.json` the field"}
REPEAT = {"description": "A repeat with the same Idempotency-Key: the order first placed, `duplicate: true`",
          "content": {"application/json": {"schema": s.AckOut}}}


# --- access ----------------------------------------------------------------------------------------

def is_staff() -> bool:
    return current_user.role in STAFF_ROLES


def own_order(order_id: int) -> MarketOrder:
    order = db.session.get(MarketOrder, order_id)
    if order is None or order.organisation_id != current_user.organisation_id:
        raise ApiError(404, "not_found", _("There is no such order."))
    return order


def placement(data: dict, key: str | None) -> PlaceOrder:
    return PlaceOrder(current_user.organisation_id, data["account"], data["instrument"], data["settlement_code"],
                      data["side"], data["type"], data["lots"], data["price"], data["client_code"],
                      data["expires_on"], current_user.id, key.strip() if key else None)


# --- what is shown ---------------------------------------------------------------------------------

def fills_of(order_ids: list[int]) -> dict[int, list[MarketTrade]]:
    """Each order's trades, oldest first, in one query."""
    fills = {order_id: [] for order_id in order_ids}
    query = (select(MarketTrade).where(MarketTrade.buy_order_id.in_(order_ids)
                                       | MarketTrade.sell_order_id.in_(order_ids)).order_by(MarketTrade.id))
    for trade in db.session.scalars(query):
        for order_id in {trade.buy_order_id, trade.sell_order_id} & fills.keys():
            fills[order_id].append(trade)
    return fills


def fill_row(trade: MarketTrade) -> dict:
    return {"trade_id": trade.id, "price": trade.price, "lots": trade.lots, "quantity": trade.quantity,
            "amount": trade.amount, "settles_on": trade.settles_on, "status": trade.status,
            "traded_at": trade.traded_at}


def order_row(order: MarketOrder, fills: list[MarketTrade], **extra) -> dict:
    names = ("id", "seq", "instrument_id", "settlement_code", "board", "side", "price", "lots", "remaining_lots",
             "filled_lots", "client_code", "expires_on", "status", "placed_at", "updated_at")
    return {**{name: getattr(order, name) for name in names}, "type": order.kind, "account": order.account_id,
            "account_code": order.account.code, "instrument": order.instrument.code,
            "fills": [fill_row(trade) for trade in fills], **extra}


def described(orders: list[MarketOrder]) -> list[dict]:
    fills = fills_of([order.id for order in orders])
    return [order_row(order, fills[order.id]) for order in orders]


def acknowledged(acks: list) -> list[dict]:
    """The orders the acknowledgements name, as they stand after the commit."""
    ids = [ack.order_id for ack in acks]
    query = (select(MarketOrder).where(MarketOrder.id.in_(ids))   # with what order_row shows: one query
             .options(joinedload(MarketOrder.account), joinedload(MarketOrder.instrument)))
    orders = {order.id: order for order in db.session.scalars(query)}
    fills = fills_of(ids)
    return [order_row(orders[ack.order_id], fills[ack.order_id], duplicate=ack.duplicate) for ack in acks]


def batch_result(result, order: dict | None) -> dict:
    if isinstance(result, MarketError):
        return {"accepted": False, "order": None, "code": result.code, "message": str(result.message),
                "field": result.field}
    return {"accepted": True, "order": order, "code": None, "message": None, "field": None}


def trade_row(trade: MarketTrade, mine: set[int] | None) -> dict:
    """`mine`: the caller's account ids (None for staff); the other side stays hidden."""
    buyer = mine is None or trade.buyer_account_id in mine
    seller = mine is None or trade.seller_account_id in mine
    names = ("id", "seq", "instrument_id", "settlement_code", "kind", "price", "lots", "quantity", "amount",
             "trade_day", "settles_on", "status", "traded_at")
    return {**{name: getattr(trade, name) for name in names}, "instrument": trade.instrument.code,
            "buyer_account": trade.buyer_account.code if buyer else None,
            "seller_account": trade.seller_account.code if seller else None,
            "buy_order_id": trade.buy_order_id if buyer else None,
            "sell_order_id": trade.sell_order_id if seller else None}


def position_row(view: services.PositionView) -> dict:
    """Money to the tiyn in its currency; securities as the count the ledger holds."""
    exact = (lambda amount: amount.quantize(CENT)) if is_currency(view.asset) else (lambda amount: amount)
    account = view.account
    return {"account": account.id, "account_code": account.code, "organisation": account.organisation.name,
            "asset": view.asset, "incoming": exact(view.incoming), "current": exact(view.current),
            "planned": exact(view.planned), "settlement": exact(view.settlement),
            "ahead": [{"day": day, "amount": exact(amount)} for day, amount in view.ahead]}


def quote_row(quote: services.Quote) -> dict:
    return {"instrument_id": quote.instrument.id, "instrument": quote.instrument.code,
            "settlement_code": quote.code, "bid": quote.bid, "ask": quote.ask, "last": quote.last,
            "reference": quote.reference, "change": quote.change, "lots": quote.lots,
            "amount": quote.amount, "trades": quote.trades}


def instrument_row(row: reference.InstrumentRow, day) -> dict:
    instrument = row.instrument
    names = ("id", "code", "isin", "name", "kind", "group", "currency", "face_value", "lot_size", "price_step",
             "price_subject", "corridor_percent", "halted", "halt_reason")
    return {**{name: getattr(instrument, name) for name in names}, "settlement_codes": instrument.codes,
            "trading_day": day, "reference_price": row.reference, "corridor_low": row.low,
            "corridor_high": row.high}


# --- market data -----------------------------------------------------------------------------------

@bp.get("/instruments")
@any_role
@bp.output(s.InstrumentOut(many=True))
def list_instruments():
    """Instruments: terms, today's reference price and price corridor

    Prices outside [`corridor_low`, `corridor_high`] are refused; without a reference price
    no order is taken in that instrument.
    """
    day = almaty_date(now())
    return [instrument_row(row, day) for row in reference.instrument_rows(db.session, day)]


@bp.get("/quotes")
@any_role
@bp.output(s.QuoteOut(many=True))
def list_quotes():
    """Quotes per book (instrument and settlement code) on the current trading day

    Best bid and ask, last price, its change against the reference price, and the day's volume.
    """
    return [quote_row(quote) for quote in services.quotes(db.session, services.market_day(db.session))]


@bp.get("/books/<int:instrument_id>/<code>")
@roles_required(*MEMBERS, *STAFF)
@bp.output(s.BookOut)
@bp.doc(responses={404: "No such instrument, or it does not trade with that settlement code"})
def get_book(instrument_id: int, code: str):
    """Order book depth: 10 price levels each side, and the last trades

    `code` is the settlement code, T0 or T2. Levels aggregate live limit orders; no firm is shown.
    """
    instrument = db.session.get(Instrument, instrument_id)
    if instrument is None or code not in instrument.codes:
        raise ApiError(404, "not_found", _("There is no such order book."))
    bids, asks = services.book_depth(db.session, instrument.id, code, 10)
    trades = services.recent_trades(db.session, instrument.id, code)
    return {"instrument_id": instrument.id, "instrument": instrument.code, "settlement_code": code,
            "bids": bids, "asks": asks, "trades": trades}


# --- orders ----------------------------------------------------------------------------------------

@bp.post("/orders")
@roles_required(*MEMBERS)
@bp.input(s.OrderKeyHeaders, location="headers", arg_name="headers")
@bp.input(s.OrderIn, arg_name="data")
@bp.output(s.AckOut, status_code=201)
@bp.doc(responses={200: REPEAT, 422: ERRORS[422]})
def place_order(headers: dict, data: dict):
    """Place an order on one of your firm's accounts

    Checked for the open session, lots, price step, corridor, client code and full cover
    (App.6 §1); accepted orders block their cover and match at once. The answer carries the
    trades made. Send an `Idempotency-Key` to make a retry safe.
    """
    with refusals():
        ack = services.execute(db.session, placement(data, headers["idempotency_key"]))
    [order] = acknowledged([ack])
    return order, 200 if ack.duplicate else 201


@bp.post("/orders/batch")
@roles_required(*MEMBERS)
@bp.input(s.BatchIn, arg_name="data")
@bp.output(s.BatchOut)
def place_orders(data: dict):
    """Place up to 500 orders in one sequenced transaction

    Each order is checked and matched in turn, as if sent one by one; a refused one does not
    undo the others. One result per order, in the order sent. Each may carry its own
    `idempotency_key`. A body that fails validation places nothing (422).
    """
    commands = [placement(item, item["idempotency_key"]) for item in data["orders"]]
    results = services.execute_many(db.session, commands)
    orders = iter(acknowledged([result for result in results if not isinstance(result, MarketError)]))
    return {"results": [batch_result(result, None if isinstance(result, MarketError) else next(orders))
                        for result in results]}


@bp.get("/orders")
@roles_required(*MEMBERS)
@bp.input(s.OrdersQuery, location="query", arg_name="query")
@bp.output(s.OrderOut(many=True))
def list_orders(query: dict):
    """Your firm's orders, latest first (at most 500), with their fills"""
    status = query["status"]
    statuses = OPEN if status == s.LIVE else (status,) if status else None
    columns = {} if query["instrument"] is None else {"instrument_id": query["instrument"]}
    return described(services.own_orders(db.session, current_user.organisation_id, statuses,
                                         limit=MAX_ORDERS_LISTED, **columns))


@bp.get("/orders/<int:order_id>")
@roles_required(*MEMBERS)
@bp.output(s.OrderOut)
@bp.doc(responses={404: ERRORS[404]})
def get_order(order_id: int):
    """One of your firm's orders, with its fills"""
    return described([own_order(order_id)])[0]


@bp.delete("/orders/<int:order_id>")
@roles_required(*MEMBERS)
@bp.output(s.OrderOut)
@bp.doc(responses=ERRORS)
def cancel_order(order_id: int):
    """Cancel a live order: its unfilled lots leave the book and their cover is released"""
    order = own_order(order_id)
    with refusals():
        services.execute(db.session, CancelOrder(order.id, current_user.organisation_id, current_user.id))
    return described([own_order(order_id)])[0]


@bp.patch("/orders/<int:order_id>")
@roles_required(*MEMBERS)
@bp.input(s.AmendIn, arg_name="data")
@bp.output(s.OrderOut)
@bp.doc(responses=ERRORS)
def amend_order(order_id: int, data: dict):
    """Amend a live limit order: a new price and/or new remaining lots

    A price change or more lots loses time priority (and is checked for cover anew); fewer
    lots at the same price keep it. The amended order may trade at once.
    """
    order = own_order(order_id)
    price, lots = data.get("price", order.price), data.get("lots", order.remaining_lots)
    with refusals():
        services.execute(db.session, AmendOrder(order.id, current_user.organisation_id, price, lots, current_user.id))
    return described([own_order(order_id)])[0]


# --- trades and positions --------------------------------------------------------------------------

@bp.get("/trades")
@roles_required(*MEMBERS, *STAFF)
@bp.input(s.TradesQuery, location="query", arg_name="query")
@bp.output(s.TradeOut(many=True))
def list_trades(query: dict):
    """Trades of a day: your firm's (staff: everyone's), in the order they were made

    To a member the other side's account and order are null.
    """
    day = query["day"] or services.market_day(db.session)
    if is_staff():
        return [trade_row(trade, None) for trade in services.trades_of(db.session, None, day)]
    mine = {account.id for account in reference.accounts_of(db.session, current_user.organisation_id)}
    return [trade_row(trade, mine) for trade in services.trades_of(db.session, current_user.organisation_id, day)]


@bp.get("/positions")
@roles_required(*MEMBERS, *STAFF)
@bp.input(s.PositionsQuery, location="query", arg_name="query")
@bp.output(s.PositionOut(many=True))
def list_positions(query: dict):
    """Positions (App.6 §1): incoming, current, planned, settlement and planned T+n

    Per account and asset, on the current trading day. A member gets its own firm's; staff
    every firm's, or one firm's with `organisation`.
    """
    organisation_id = query["organisation"] if is_staff() else current_user.organisation_id
    views = services.positions(db.session, organisation_id, services.market_day(db.session))
    return [position_row(view) for view in views]
