"""The risk staff's client list and drill-down in the JSON API, under
/api/v1/brokerage/risk/clients, the firm's own clients only: the figures, the close-out
preview, the margin call, debts and close-outs; and the risk staff's actions — demand the call
today, suspend the client's orders, execute the forced close-out, record the client's death."""
from decimal import ROUND_HALF_UP, Decimal

from apiflask import APIBlueprint
from flask_babel import gettext as _
from flask_login import current_user

from app.api.errors import ApiError, refusals
from app.auth.access import roles_required
from app.auth.roles import Role
from app.clock.services import now
from app.domain import margin
from app.extensions import db
from app.margin import calls, clients, closeout
from app.margin.models import CloseOutGround
from app.margin.risk import ClientRisk
from app.margin.schemas import (CloseOutIn, DeathIn, DemandedCallOut, RiskClientOut, RiskClientsQuery,
                                RiskClientDetailOut, StartedCloseOutOut, SuspendedOut)

bp = APIBlueprint("risk_clients_api", __name__, url_prefix="/api/v1/brokerage/risk/clients", tag="Margin clients")
READERS = (Role.BROKER_RISK, Role.BROKER_OFFICE)
RISK = (Role.BROKER_RISK,)
NOT_FOUND = {404: "No such client of this firm"}
CENT = Decimal("0.01")
STANDINGS = {margin.Standing.OK: "ok", margin.Standing.NPR1_NEGATIVE: "npr1_negative",
             margin.Standing.NPR2_NEGATIVE: "npr2_negative"}


@bp.get("")
@roles_required(*READERS)
@bp.input(RiskClientsQuery, location="query", arg_name="query")
@bp.output(RiskClientOut(many=True))
def list_clients(query: dict):
    """The firm's clients with their margin figures now, unavailable ones first, then NPR2 ascending"""
    chosen = clients.RiskFilter(query["standing"], query["category"], query["q"])
    rows = clients.risk_rows(db.session, current_user.organisation_id, chosen, now())
    return [client_out(row) for row in rows]


@bp.get("/<int:client_id>")
@roles_required(*READERS)
@bp.output(RiskClientDetailOut)
@bp.doc(responses=NOT_FOUND)
def get_client(client_id: int):
    """One client's figures, positions, money, the close-out preview, margin call, debts and close-outs"""
    found = _client(client_id)
    row = clients.risk_row(db.session, found, now())
    return {**client_out(row), **_detail(row.risk), "margin_call": calls.open_call(db.session, found),
            "debts": calls.open_debts(db.session, found),
            "close_outs": [close_out_out(item) for item in closeout.close_outs_of(db.session, found)]}


@bp.post("/<int:client_id>/call/same-day")
@roles_required(*RISK)
@bp.output(DemandedCallOut)
@bp.doc(responses={**NOT_FOUND, 422: "No open call (`no_open_call`, `call_not_open`) or already demanded "
                                     "(`already_demanded`)"})
def demand(client_id: int):
    """Demand that the open margin call be met today (17:00, or now once that has passed)"""
    found = _client(client_id)
    with refusals():
        return calls.demand_same_day(db.session, calls.required_open_call(db.session, found), current_user, now())


@bp.post("/<int:client_id>/call/suspend-orders")
@roles_required(*RISK)
@bp.output(SuspendedOut)
@bp.doc(responses={**NOT_FOUND, 422: "No open call (`no_open_call`)"})
def suspend(client_id: int):
    """Suspend (cancel) the client's open orders until the margin call is met"""
    found = _client(client_id)
    with refusals():
        return {"cancelled": calls.suspend_orders(db.session, calls.required_open_call(db.session, found), current_user, now())}


@bp.post("/<int:client_id>/close-out")
@roles_required(*RISK)
@bp.input(CloseOutIn, arg_name="body")
@bp.output(StartedCloseOutOut, status_code=201)
@bp.doc(responses={**NOT_FOUND, 422: "Nothing to close out (`nothing_to_close_out`), one already running "
                                     "(`close_out_running`) or no FX rate (`no_fx_rate`)"})
def close_out(client_id: int, body: dict):
    """Execute the forced close-out: cancel the open orders picked (all when omitted), then trade at market"""
    found = _client(client_id)
    picked = set(body["cancel"]) if body.get("cancel") is not None else None
    with refusals():
        return close_out_out(closeout.start(db.session, found, CloseOutGround.BROKER, current_user, now(),
                                            cancel=picked))


@bp.post("/<int:client_id>/death")
@roles_required(*RISK)
@bp.input(DeathIn, arg_name="body")
@bp.output(StartedCloseOutOut, status_code=201)
@bp.doc(responses={**NOT_FOUND, 422: "No reference (`reference_required`) or a close-out already running "
                                     "(`close_out_running`)"})
def record_death(client_id: int, body: dict):
    """Record confirmed news of the client's death: the forced close-out starts at once"""
    found = _client(client_id)
    with refusals():
        return close_out_out(closeout.record_death(db.session, found, body["reference"], current_user, now()))


def _client(client_id: int):
    found = clients.firm_risk_client(db.session, current_user.organisation_id, client_id)
    if found is None:
        raise ApiError(404, "not_found", _("There is no such client."))
    return found


def close_out_out(item) -> dict:
    return {**closeout.snapshot(item), "id": item.id, "started_at": item.started_at, "finished_at": item.finished_at,
            "order_ids": [order.id for order in closeout.orders_of(db.session, item)]}


def client_out(row: clients.RiskRow) -> dict:
    client = row.client
    return {"id": client.id, "full_name": client.full_name, "iin": client.iin, "client_code": client.client_code,
            "category": client.margin_category, "figures": _figures(row.figures) if row.figures else None,
            "unavailable": row.unavailable, "missing_fx": row.missing_fx}


def _figures(figures: margin.Figures) -> dict:
    return {"S": _cent(figures.s), "M0": _cent(figures.m0), "Mx": _cent(figures.mx), "NPR1": _cent(figures.npr1),
            "NPR2": _cent(figures.npr2), "standing": STANDINGS[figures.standing]}


def _detail(risk: ClientRisk | None) -> dict:
    if risk is None:
        return {"positions": [], "money": [], "close_out_plan": []}
    return {"positions": [_position(row) for row in risk.figures.positions],
            "money": [{"currency": row.currency, "amount": row.amount, "fx_rate": row.fx, "value": _cent(row.value),
                       "rate": row.rate, "margin": _cent(row.margin)} for row in risk.figures.money],
            "close_out_plan": [{"venue": trade.instrument[0], "code": trade.instrument[1], "side": trade.side,
                                "quantity": trade.quantity, "lots": trade.lots, "price": trade.price}
                               for trade in clients.close_out_preview(risk)]}


def _position(row: margin.PositionRow) -> dict:
    venue, code = row.instrument
    return {"venue": venue, "code": code, "quantity": row.quantity, "price": row.price, "value": _cent(row.value),
            "rate": row.rate, "margin": _cent(row.margin), "stale": row.stale}


def _cent(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)
