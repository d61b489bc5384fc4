"""The cabinet's orders and deals in the JSON API, under /api/v1/cabinet (client tokens).

An order is created awaiting its signature: the answer names the document to sign through
/api/v1/cabinet/documents (an SMS code or an EDS signature); only then is it accepted.
"""
from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Date, Function, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range
from flask_login import current_user

from app.api.errors import refusals
from app.api.fields import AwareDateTime, DecimalString
from app.auth.access import roles_required
from app.auth.roles import Role
from app.brokerage.models import Venue
from app.cabinet.loaders import api_client
from app.cabinet.periods import Period, check_period
from app.clock.services import now
from app.domain.calendar import almaty_date
from app.extensions import db
from app.orders import reads, services
from app.orders.checks import OrderDraft
from app.orders.messages import summary_of
from app.orders.models import OrderStatus

bp = APIBlueprint("orders_api", __name__, url_prefix="/api/v1/cabinet", tag="Cabinet orders")
CLIENT = (Role.CLIENT,)
NOT_FOUND = {404: "No such order, or not yours"}


class OrderIn(Schema):
    venue = String(required=True, validate=OneOf([str(venue) for venue in Venue]))
    code = String(required=True, validate=Length(min=1, max=20), metadata={"example": "KZTK"})
    side = String(required=True, validate=OneOf(["buy", "sell"]))
    type = String(required=True, validate=OneOf(["limit", "market"]))
    price = DecimalString(allow_none=True, load_default=None, metadata={"description": "A limit order's price."})
    lots = Integer(required=True, validate=Range(min=1, max=10**9))


class OrderOut(Schema):
    id = Integer()
    venue = String()
    code = String()
    side = String()
    type = String()
    price = DecimalString(allow_none=True)
    lots = Integer()
    lot_size = Integer()
    filled_lots = Integer()
    amount = DecimalString(2)
    currency = String()
    status = String(metadata={"enum": [str(status) for status in OrderStatus]})
    reason = String(allow_none=True)
    valid_until = AwareDateTime()
    created_at = AwareDateTime()
    document_id = Integer(allow_none=True, metadata={"description": "The signed document: sign it to place the order "
                                                                    "(none for a close-out order)."})
    summary = Function(lambda order: summary_of(order), metadata={      # one argument: no context passed
        "type": "string", "description": "What is signed, in plain words (a close-out order: what the broker placed)."})
    close_out = Boolean(metadata={"description": "Placed by the broker in a forced close-out (no signature); "
                                                 "`reason` says why."})


class DealOut(Schema):
    id = Integer()
    order_id = Integer()
    lots = Integer()
    quantity = Integer()
    price = DecimalString()
    amount = DecimalString(2)
    traded_at = AwareDateTime()
    settles_on = Date()


class PeriodIn(Schema):
    date_from = Date(load_default=None)
    date_to = Date(load_default=None)
    before = Integer(load_default=None, validate=Range(min=1, max=2**63 - 1), metadata={
        "description": f"The id of the last row of the previous page; {reads.PAGE} rows a page, newest first."})


class OrdersOut(Schema):
    orders = List(Nested(OrderOut))


class DealsOut(Schema):
    deals = List(Nested(DealOut))


@bp.post("/orders")
@roles_required(*CLIENT)
@bp.input(OrderIn)
@bp.output(OrderOut, status_code=201)
@bp.doc(responses={404: "This login has no brokerage agreement",
                   422: "Refused by the pre-trade check: `code` names it (`npr1_below_zero`, `not_shortable`, "
                        "`outside_corridor`, `price_off_step`, `venue_closed`, `session_closed`, …)"})
def place(json_data):
    """Check an order and issue it for signing (nothing is blocked or sent before the signature)"""
    client = api_client()
    draft = OrderDraft(json_data["venue"], json_data["code"], json_data["side"], json_data["type"],
                       json_data["lots"], json_data["price"] if json_data["type"] == "limit" else None)
    with refusals():
        return services.place(db.session, client, current_user, draft, now()), 201


def _period(query_data) -> Period:
    with refusals():
        return check_period(query_data["date_from"], query_data["date_to"], almaty_date(now()))


@bp.get("/orders")
@roles_required(*CLIENT)
@bp.input(PeriodIn, location="query")
@bp.output(OrdersOut)
def orders(query_data):
    """The client's orders created in the period (both days included; this month by default)"""
    return {"orders": reads.orders_of(db.session, api_client(), _period(query_data), before=query_data["before"])}


@bp.get("/orders/<int:order_id>")
@roles_required(*CLIENT)
@bp.output(OrderOut)
@bp.doc(responses=NOT_FOUND)
def order(order_id: int):
    """One of the client's orders"""
    return reads.own_order(db.session, order_id, api_client())


@bp.post("/orders/<int:order_id>/cancel")
@roles_required(*CLIENT)
@bp.output(OrderOut)
@bp.doc(responses={**NOT_FOUND, 422: "The order is no longer active (`order_not_active`), or the broker placed it in "
                               "a forced close-out (`close_out_order`)"})
def cancel(order_id: int):
    """Cancel an active order; what was filled before stays filled"""
    found = reads.own_order(db.session, order_id, api_client())
    with refusals():
        services.cancel(db.session, found, current_user, now())
    return found


@bp.get("/deals")
@roles_required(*CLIENT)
@bp.input(PeriodIn, location="query")
@bp.output(DealsOut)
def deals(query_data):
    """The client's deals (fills) in the period"""
    found = reads.fills_of(db.session, api_client(), _period(query_data), before=query_data["before"])
    return {"deals": [fill for fill, _order in found]}
