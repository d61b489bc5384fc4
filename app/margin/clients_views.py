"""The risk staff's client pages (/brokerage/risk/clients): every client of the firm with its
figures, the weakest first, and one client's drill-down with the close-out preview. The back
office reads them too; nothing here changes anything."""
from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.roles import Role
from app.brokerage.forms import VENUE_LABELS
from app.clock.services import now
from app.extensions import db
from app.margin import clients
from app.margin.forms import CATEGORY_LABELS, RiskFilterForm
from app.orders.forms import ORDER_STATUS_LABELS
from app.secondary.forms import SIDE_LABELS, TYPE_LABELS

bp = Blueprint("risk_clients", __name__, url_prefix="/brokerage/risk/clients")
READERS = (Role.BROKER_RISK, Role.BROKER_OFFICE)


@bp.context_processor
def vocabulary() -> dict:
    return {"CATEGORIES": CATEGORY_LABELS, "VENUES": VENUE_LABELS, "SIDES": SIDE_LABELS, "TYPES": TYPE_LABELS,
            "ORDER_STATUS": ORDER_STATUS_LABELS}


@bp.route("")
@roles_required(*READERS)
def index():
    filters = RiskFilterForm(request.args)
    at = now()
    rows = clients.risk_rows(db.session, current_user.organisation_id, filters.chosen(), at)
    return render_template("margin/clients.html", filters=filters, rows=rows, at=at)


@bp.route("/<int:client_id>")
@roles_required(*READERS)
def client(client_id: int):
    found = clients.firm_risk_client(db.session, current_user.organisation_id, client_id)
    if found is None:
        abort(404)
    at = now()
    row = clients.risk_row(db.session, found, at)
    return render_template("margin/client.html", client=found, risk=row.risk, missing_fx=row.missing_fx, at=at,
                           plan=clients.close_out_preview(row.risk) if row.risk else [],
                           orders=clients.live_orders(db.session, found))
