"""The back office's pages: clients, a client's ledger and deposits, income on securities, the
reconciliation."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.roles import Role
from app.auth.services import IdentityError
from app.brokerage import income, reads, services
from app.brokerage.forms import (CLIENT_STATUS_LABELS, LEDGER_SOURCE_LABELS, VENUE_LABELS, ClientForm, ClientSearchForm,
                                 DepositForm, IncomeForm)
from app.brokerage.reconciliation import reconcile
from app.clock.services import now
from app.extensions import db
from app.formatting import money
from app.margin.forms import CATEGORY_LABELS

bp = Blueprint("brokerage", __name__, url_prefix="/brokerage")
OFFICE = (Role.BROKER_OFFICE,)


@bp.context_processor
def vocabulary() -> dict:
    return {"VENUES": VENUE_LABELS, "CLIENT_STATUS": CLIENT_STATUS_LABELS, "LEDGER_SOURCES": LEDGER_SOURCE_LABELS,
            "MARGIN_CATEGORIES": CATEGORY_LABELS}


@bp.route("/clients")
@roles_required(*OFFICE)
def clients():
    search = ClientSearchForm(request.args)
    query = search.q.data if search.validate() else None
    found = reads.clients_of(db.session, current_user.organisation_id, query)
    return render_template("brokerage/clients.html", clients=found, search=search,
                           balances=services.balances(db.session, found))


@bp.route("/clients/new", methods=["GET", "POST"])
@roles_required(*OFFICE)
def new_client():
    form = ClientForm()
    if form.validate_on_submit():
        try:
            client, password = services.register_client(db.session, current_user.organisation, form.entry(),
                                                        current_user, now())
        except (services.BrokerageError, IdentityError) as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            # Shown once, on this answer only: the client must change it at the first login.
            return render_template("brokerage/client_created.html", client=client, password=password)
    return render_template("brokerage/new_client.html", form=form), 422 if form.errors else 200


@bp.route("/clients/<int:client_id>")
@roles_required(*OFFICE)
def client(client_id: int):
    return _client_page(reads.firm_client(db.session, client_id, current_user), DepositForm(formdata=None))


@bp.route("/clients/<int:client_id>/deposits", methods=["POST"])
@roles_required(*OFFICE)
def deposit(client_id: int):
    found = reads.firm_client(db.session, client_id, current_user)
    form = DepositForm()
    if form.validate_on_submit():
        try:
            services.record_deposit(db.session, found, form.amount.data, form.asset.data, form.reference.data,
                                    current_user, now(), venue=form.venue.data or None)
        except services.BrokerageError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            flash(_("The deposit is recorded in the client's ledger."), "success")
            return redirect(url_for("brokerage.client", client_id=found.id))
    return _client_page(found, form, 422)


def _client_page(found, form: DepositForm, status: int = 200):
    return render_template("brokerage/client.html", client=found, form=form,
                           balances=services.balances(db.session, [found]).get(found.id, []),
                           ledger=reads.ledger_of(db.session, found)), status


@bp.route("/income", methods=["GET", "POST"])
@roles_required(*OFFICE)
def record_income():
    """A coupon or dividend: credited to the holders, withheld from clients short of it."""
    form = IncomeForm()
    if form.validate_on_submit():
        try:
            run = income.record_income(db.session, current_user.organisation, form.entry(), current_user, now())
        except services.BrokerageError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            flash(_("Income posted: credited to %(credited)s clients (%(paid)s), withheld from %(withheld)s "
                    "clients short of it (%(kept)s).", credited=run.credited, paid=money(run.total_credited),
                    withheld=run.withheld, kept=money(run.total_withheld)), "success")
            return redirect(url_for("brokerage.record_income"))
    return render_template("brokerage/income.html", form=form), 422 if form.errors else 200


def _field_error(form, error) -> None:
    field = getattr(form, error.field or "", None)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, str(error.message)] if isinstance(field.errors, list) else [str(error.message)]
    else:
        flash(str(error.message), "error")


@bp.route("/reconciliation")
@roles_required(*OFFICE)
def reconciliation():
    """The firm's clients against its aggregated account(s) on the desk's market."""
    return render_template("brokerage/reconciliation.html",
                           result=reconcile(db.session, current_user.organisation_id))
