"""The risk staff's client pages (/brokerage/risk/clients): every client of the firm with its
figures, the weakest first, and one client's drill-down — figures, the close-out preview, the
margin call, close-outs and debts — with the risk staff's actions: demand the call be met today,
suspend the client's orders, execute the forced close-out (cancelling the orders picked), record
confirmed news of the client's death. The back office reads the pages; only the risk staff act."""
from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.roles import Role
from app.brokerage.forms import VENUE_LABELS
from app.clock.services import now
from app.extensions import db
from app.margin import calls, clients, closeout, history
from app.margin.categories.forms import ActionForm
from app.margin.forms import (CALL_STATUS_LABELS, CATEGORY_LABELS, CLOSE_OUT_STATUS_LABELS, GROUND_LABELS,
                              WAITING_LABELS, CloseOutForm, DeathForm, RiskFilterForm)
from app.margin.models import CloseOut, CloseOutGround, CloseOutStatus
from app.pages import apply
from app.orders.forms import ORDER_STATUS_LABELS
from app.secondary.trading.forms import SIDE_LABELS, TYPE_LABELS

bp = Blueprint("risk_clients", __name__, url_prefix="/brokerage/risk/clients")
READERS = (Role.BROKER_RISK, Role.BROKER_OFFICE)
RISK = (Role.BROKER_RISK,)


@bp.context_processor
def vocabulary() -> dict:
    return {"CATEGORIES": CATEGORY_LABELS, "VENUES": VENUE_LABELS, "SIDES": SIDE_LABELS, "TYPES": TYPE_LABELS,
            "ORDER_STATUS": ORDER_STATUS_LABELS, "CALL_STATUS": CALL_STATUS_LABELS,
            "CLOSE_OUT_STATUS": CLOSE_OUT_STATUS_LABELS, "GROUNDS": GROUND_LABELS, "WAITING": WAITING_LABELS,
            "can_act": current_user.is_authenticated and current_user.role == Role.BROKER_RISK}


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
    found, at = _client(client_id), now()
    row = clients.risk_row(db.session, found, at)
    orders = calls.live_orders(db.session, found)
    close_outs = closeout.close_outs_of(db.session, found)
    return render_template(
        "margin/client.html", client=found, risk=row.risk, missing_fx=row.missing_fx, at=at,
        plan=clients.close_out_preview(row.risk) if row.risk else [], orders=orders,
        call=calls.open_call(db.session, found), calls=calls.calls_of(db.session, found),
        debts=calls.open_debts(db.session, found), close_outs=close_outs,
        close_out_orders={item.id: closeout.orders_of(db.session, item) for item in close_outs},
        running=closeout.running_close_out(db.session, found),
        chart=history.chart(history.days_of(db.session, found, at, row.figures)),
        action_form=ActionForm(), close_out_form=close_out_form(orders, ticked=True), death_form=DeathForm(formdata=None))


@bp.route("/<int:client_id>/close-out", methods=["POST"])
@roles_required(*RISK)
def execute_close_out(client_id: int):
    found = _client(client_id)
    form = close_out_form(calls.live_orders(db.session, found))
    return apply(form, lambda: closeout.start(db.session, found, CloseOutGround.BROKER, current_user, now(),
                                              cancel=set(form.cancel.data or ())),
                 outcome, url_for("risk_clients.client", client_id=found.id))


@bp.route("/<int:client_id>/call/same-day", methods=["POST"])
@roles_required(*RISK)
def demand(client_id: int):
    found = _client(client_id)
    return apply(ActionForm(), lambda: calls.demand_same_day(db.session, calls.required_open_call(db.session, found), current_user, now()),
                 _("The client must meet the margin call today; the client is told the new deadline."),
                 url_for("risk_clients.client", client_id=found.id))


@bp.route("/<int:client_id>/call/suspend-orders", methods=["POST"])
@roles_required(*RISK)
def suspend(client_id: int):
    found = _client(client_id)
    return apply(ActionForm(), lambda: calls.suspend_orders(db.session, calls.required_open_call(db.session, found), current_user, now()),
                 lambda count: _("%(count)s open orders of the client are cancelled until collateral arrives.",
                                 count=count),
                 url_for("risk_clients.client", client_id=found.id))


@bp.route("/<int:client_id>/death", methods=["POST"])
@roles_required(*RISK)
def record_death(client_id: int):
    found = _client(client_id)
    form = DeathForm()
    return apply(form, lambda: closeout.record_death(db.session, found, form.reference.data, current_user, now()),
                 outcome, url_for("risk_clients.client", client_id=found.id))


def _client(client_id: int):
    found = clients.firm_risk_client(db.session, current_user.organisation_id, client_id)
    if found is None:
        abort(404)
    return found


def close_out_form(orders, ticked: bool = False) -> CloseOutForm:
    form = CloseOutForm(formdata=None) if ticked else CloseOutForm()
    form.cancel.choices = [(order.id, f"№{order.id} {order.code}") for order in orders]
    if ticked:
        form.cancel.data = [order.id for order in orders]        # all ticked to begin with
    return form


def outcome(close_out: CloseOut) -> str:
    if close_out.status == CloseOutStatus.DONE:
        return _("The close-out is done: NPR1 is back at or above zero.")
    if close_out.status == CloseOutStatus.SHORTFALL:
        return _("The close-out sold everything it could; the shortfall is recorded as the client's debt.")
    waiting = WAITING_LABELS.get(close_out.waiting, close_out.waiting or "")
    return _("The close-out is under way; it now waits for %(what)s.", what=waiting)
