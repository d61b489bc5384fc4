"""The risk staff's client list and drill-down in the JSON API, under
/api/v1/brokerage/risk/clients: read-only, the firm's own clients only."""
from decimal import ROUND_HALF_UP, Decimal

from apiflask import APIBlueprint
from flask_babel import gettext as _
from flask_login import current_user

from app.api.errors import ApiError
from app.auth.access import roles_required
from app.auth.roles import Role
from app.clock.services import now
from app.domain import margin
from app.extensions import db
from app.margin import clients
from app.margin.risk import ClientRisk
from app.margin.schemas import RiskClientDetailOut, RiskClientOut, RiskClientsQuery

bp = APIBlueprint("risk_clients_api", __name__, url_prefix="/api/v1/brokerage/risk/clients", tag="Margin clients")
READERS = (Role.BROKER_RISK, Role.BROKER_OFFICE)
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
@bp.doc(responses={404: "No such client of this firm"})
def get_client(client_id: int):
    """One client's figures, positions, money and the close-out preview (never executed)"""
    found = clients.firm_risk_client(db.session, current_user.organisation_id, client_id)
    if found is None:
        raise ApiError(404, "not_found", _("There is no such client."))
    row = clients.risk_row(db.session, found, now())
    return {**client_out(row), **_detail(row.risk)}


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
