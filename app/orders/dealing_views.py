"""The broker's dealing queue (a member firm's dealers): its clients' orders for the external
venues, filled (in parts) at the venue's price or rejected with a reason."""
from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.roles import Role
from app.brokerage.forms import VENUE_LABELS
from app.clock.services import now
from app.extensions import db
from app.orders import reads, services
from app.orders.forms import ORDER_STATUS_LABELS, FillForm, RejectForm
from app.pages import apply
from app.secondary.trading.forms import SIDE_LABELS, TYPE_LABELS

bp = Blueprint("dealing", __name__, url_prefix="/brokerage/dealing")
DEALERS = (Role.PARTICIPANT, Role.PRIMARY_DEALER)


@bp.context_processor
def vocabulary() -> dict:
    return {"VENUES": VENUE_LABELS, "SIDES": SIDE_LABELS, "TYPES": TYPE_LABELS, "ORDER_STATUS": ORDER_STATUS_LABELS,
            "order_last_day": services.last_day}


@bp.route("/")
@roles_required(*DEALERS)
def queue():
    firm = current_user.organisation_id
    return render_template("orders/dealing_queue.html", live=reads.dealing_queue(db.session, firm),
                           recent=reads.dealing_queue(db.session, firm, live_only=False)[:50])


@bp.route("/<int:order_id>")
@roles_required(*DEALERS)
def order(order_id: int):
    found = reads.firm_order(db.session, order_id, current_user)
    return render_template("orders/dealing_order.html", order=found, fills=reads.fills_of_order(db.session, found),
                           fill_form=FillForm(), reject_form=RejectForm())


@bp.route("/<int:order_id>/fill", methods=["POST"])
@roles_required(*DEALERS)
def fill(order_id: int):
    found = reads.firm_order(db.session, order_id, current_user)
    form = FillForm()
    return apply(form, lambda: services.record_fill(db.session, found, form.lots.data, form.price.data,
                                                    current_user, now()),
                 _("The fill is recorded and posted to the client's accounts."),
                 url_for("dealing.order", order_id=found.id))


@bp.route("/<int:order_id>/reject", methods=["POST"])
@roles_required(*DEALERS)
def reject(order_id: int):
    found = reads.firm_order(db.session, order_id, current_user)
    form = RejectForm()
    return apply(form, lambda: services.reject(db.session, found, form.reason.data, current_user, now()),
                 _("The order is rejected; the client is told the reason."),
                 url_for("dealing.order", order_id=found.id))
