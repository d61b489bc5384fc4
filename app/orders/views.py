"""The cabinet's Orders and Deals (seed 000): the order form, the lists for a period with their
details and XLSX exports, and cancelling an active order."""
from decimal import ROUND_FLOOR, Decimal

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.roles import Role
from app.brokerage.forms import VENUE_LABELS
from app.cabinet.portfolio import free_of
from app.cabinet.loaders import cabinet_client
from app.cabinet.periods import PeriodForm
from app.clock.services import now
from app.domain.calendar import almaty_date
from app.extensions import db
from app.formatting import money
from app.orders import exports, instruments, reads, services
from app.orders.checks import venue_hours
from app.orders.messages import summary_of
from app.orders.forms import ORDER_STATUS_LABELS, ActionForm, OrderForm, OrderPeriodForm
from app.pages import apply, form_errors_text, show_error
from app.refusals import Refusal
from app.secondary.trading.forms import SIDE_LABELS, TYPE_LABELS

bp = Blueprint("orders", __name__, url_prefix="/cabinet")
CLIENT = (Role.CLIENT,)
CENT = Decimal("0.01")


@bp.context_processor
def vocabulary() -> dict:
    return {"VENUES": VENUE_LABELS, "SIDES": SIDE_LABELS, "TYPES": TYPE_LABELS, "ORDER_STATUS": ORDER_STATUS_LABELS,
            "order_last_day": services.last_day}


@bp.app_context_processor
def order_words() -> dict:
    """An order's summary on any page that lists orders (the cabinet's home, the dealing queue)."""
    return {"order_summary": summary_of}


@bp.route("/orders/new", methods=["GET", "POST"])
@roles_required(*CLIENT)
def new_order():
    client = cabinet_client()
    form = OrderForm(data=None if request.method == "POST" else _prefill())
    tradable = instruments.find(db.session, client.firm_id, form.venue.data or "", form.code.data or "")
    if tradable is None:
        return render_template("orders/no_instrument.html"), 404
    if form.validate_on_submit():
        try:
            order = services.place(db.session, client, current_user, form.draft(), now())
        except Refusal as error:
            db.session.rollback()
            show_error(form, error)
        else:
            return redirect(url_for("signing.show", document_id=order.document_id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("orders/new.html", form=form, tradable=tradable, hours=_hours(tradable),
                           free=_free(client, tradable), npr1_now=services.preview_npr1(db.session, client, now())), \
        status


@bp.route("/orders/check")
@roles_required(*CLIENT)
def check_order():
    """NPR1 now and after the order the form holds, for the form to show as the client types
    (seed 003: the client sees the figure before signing). Reads only."""
    client = cabinet_client()
    form = OrderForm(request.args, meta={"csrf": False})
    if not form.validate():
        return jsonify(npr1_now=None, npr1_after=None, accepted=False, message=form_errors_text(form))
    found = services.preview(db.session, client, form.draft(), now())
    return jsonify(npr1_now=_shown(found.npr1_now), npr1_after=_shown(found.npr1_after),
                   accepted=found.refusal is None, message=found.refusal and str(found.refusal.message))


def _shown(value) -> str | None:
    return None if value is None else money(value.quantize(CENT, ROUND_FLOOR))


def _free(client, tradable) -> dict:
    """The free money and free securities the form shows: the two the order can use."""
    return {**free_of(db.session, client, None, tradable.currency),
            **free_of(db.session, client, tradable.venue, tradable.code)}


def _prefill() -> dict:
    return {"venue": request.args.get("venue", ""), "code": request.args.get("code", ""),
            "side": request.args.get("side", "buy") if request.args.get("side") in ("buy", "sell") else "buy"}


def _hours(tradable):
    return None if tradable.is_kase else venue_hours(tradable.venue)


@bp.route("/orders")
@roles_required(*CLIENT)
def orders():
    client = cabinet_client()
    form, period = _period(OrderPeriodForm)
    found = reads.orders_of(db.session, client, period, form.status.data or None, _before()) if period else []
    return render_template("orders/list.html", form=form, orders=found, period=period,
                           earlier=_earlier(found, found[-1].id if found else None)), 200 if period else 422


def _before() -> int | None:
    return request.args.get("before", type=int)


def _earlier(found: list, last_id: int | None) -> str | None:
    """The next page's address, when this page is full."""
    if len(found) < reads.PAGE:
        return None
    return url_for(request.endpoint, **{**request.args.to_dict(), "before": last_id})


def _period(form_class):
    form = form_class(request.args)
    return form, form.period(almaty_date(now()))


@bp.route("/orders/<int:order_id>")
@roles_required(*CLIENT)
def order(order_id: int):
    found = reads.own_order(db.session, order_id, cabinet_client())
    return render_template("orders/order.html", order=found, fills=reads.fills_of_order(db.session, found),
                           action_form=ActionForm())


@bp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@roles_required(*CLIENT)
def cancel(order_id: int):
    found = reads.own_order(db.session, order_id, cabinet_client())
    return apply(ActionForm(), lambda: services.cancel(db.session, found, current_user, now()),
                 _("The order is cancelled; what was filled before stays filled."),
                 url_for("orders.order", order_id=found.id))


@bp.route("/deals")
@roles_required(*CLIENT)
def deals():
    client = cabinet_client()
    form, period = _period(PeriodForm)
    found = reads.fills_of(db.session, client, period, _before()) if period else []
    return render_template("orders/deals.html", form=form, deals=found, period=period,
                           earlier=_earlier(found, found[-1][0].id if found else None)), 200 if period else 422


@bp.route("/deals/<int:fill_id>")
@roles_required(*CLIENT)
def deal(fill_id: int):
    fill = reads.own_fill(db.session, fill_id, cabinet_client())
    return render_template("orders/deal.html", fill=fill, order=fill.order)


@bp.route("/orders.xlsx")
@roles_required(*CLIENT)
def orders_xlsx():
    client = cabinet_client()
    form, period = _period(OrderPeriodForm)
    if period is None:
        return render_template("orders/list.html", form=form, orders=[], period=None, earlier=None), 422
    found = reads.orders_of(db.session, client, period, form.status.data or None, limit=reads.EXPORT_ROWS)
    return _xlsx(exports.orders_xlsx(found), f"orders-{period.first}-{period.last}.xlsx")


@bp.route("/deals.xlsx")
@roles_required(*CLIENT)
def deals_xlsx():
    client = cabinet_client()
    form, period = _period(PeriodForm)
    if period is None:
        return render_template("orders/deals.html", form=form, deals=[], period=None, earlier=None), 422
    found = reads.fills_of(db.session, client, period, limit=reads.EXPORT_ROWS)
    return _xlsx(exports.deals_xlsx(found), f"deals-{period.first}-{period.last}.xlsx")


def _xlsx(content: bytes, name: str) -> Response:
    return Response(content, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
