"""The back office in the JSON API, under /api/v1/brokerage: the reconciliation so far."""
from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Integer, List, Nested, String
from flask_login import current_user

from app.api.fields import DecimalString
from app.auth.access import roles_required
from app.auth.roles import Role
from app.brokerage.reconciliation import reconcile
from app.extensions import db

bp = APIBlueprint("brokerage_api", __name__, url_prefix="/api/v1/brokerage", tag="Brokerage")


class LineOut(Schema):
    asset = String(required=True, metadata={"description": "Instrument code on KASE, or currency."})
    clients = DecimalString(signed=True, required=True, metadata={"description": "Sum over the firm's clients."})
    aggregated = DecimalString(signed=True, required=True,
                               metadata={"description": "The aggregated account(s): current + deals to settle."})
    difference = DecimalString(signed=True, required=True, metadata={"description": "clients − aggregated."})


class ReconciliationOut(Schema):
    reconciled = Boolean(required=True)
    differences = Integer(required=True)
    accounts = List(String(), required=True, metadata={"description": "The firm's aggregated account codes."})
    securities = List(Nested(LineOut), required=True)
    money = List(Nested(LineOut), required=True)


@bp.get("/reconciliation")
@roles_required(Role.BROKER_OFFICE)
@bp.output(ReconciliationOut)
def reconciliation():
    """The firm's clients' sub-accounts on KASE against its aggregated client account(s)"""
    result = reconcile(db.session, current_user.organisation_id)
    return {"reconciled": result.reconciled, "differences": result.differences, "accounts": result.accounts,
            "securities": [_line(line) for line in result.securities], "money": [_line(line) for line in result.money]}


def _line(line) -> dict:
    return {"asset": line.asset, "clients": line.clients, "aggregated": line.aggregated, "difference": line.difference}
