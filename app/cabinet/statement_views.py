"""The client's statement for a period (seed 000): a page, XLSX and PDF, all from the same reads."""
from flask import Blueprint, render_template, request

from app.auth.access import roles_required
from app.auth.roles import Role
from app.brokerage.forms import LEDGER_SOURCE_LABELS, VENUE_LABELS
from app.cabinet import statement as reads
from app.cabinet.loaders import cabinet_client
from app.cabinet.statement_files import file_name, statement_pdf, statement_xlsx
from app.cabinet.statement_forms import PeriodForm
from app.clock.services import now
from app.domain.calendar import almaty_date
from app.extensions import db
from app.registers import pdf_response, xlsx_response

# Rules "/statement.xlsx" need the prefix "/cabinet": Flask joins a prefix and a rule with "/".
bp = Blueprint("cabinet_statement", __name__, url_prefix="/cabinet")


@bp.context_processor
def vocabulary() -> dict:
    return {"VENUES": VENUE_LABELS, "LEDGER_SOURCES": LEDGER_SOURCE_LABELS}


@bp.route("/statement")
@roles_required(Role.CLIENT)
def page():
    client, form, found = _read()
    return render_template("cabinet/statement.html", client=client, form=form, statement=found), \
        200 if found else 422


@bp.route("/statement.xlsx")
@roles_required(Role.CLIENT)
def xlsx():
    client, form, found = _read()
    if found is None:
        return render_template("cabinet/statement.html", client=client, form=form, statement=None), 422
    return xlsx_response(statement_xlsx(found), file_name(found, "xlsx"))


@bp.route("/statement.pdf")
@roles_required(Role.CLIENT)
def pdf():
    client, form, found = _read()
    if found is None:
        return render_template("cabinet/statement.html", client=client, form=form, statement=None), 422
    return pdf_response(statement_pdf(found), file_name(found, "pdf"))


def _read() -> tuple:
    """(client, form, the statement) — or None for it, the form carrying the reason."""
    client, form = cabinet_client(), PeriodForm(request.args)
    try:
        found = reads.statement(db.session, client, _period(form))
    except reads.PeriodRefused as error:
        _field_error(form, error)
        return client, form, None
    for field, day in ((form.date_from, found.period.first), (form.date_to, found.period.last)):
        field.data, field.raw_data = day, None      # show the period the defaults filled in
    return client, form, found


def _period(form: PeriodForm) -> reads.Period:
    if not form.validate():
        field = next(name for name in ("date_from", "date_to") if getattr(form, name).errors)
        raise reads.PeriodRefused(getattr(form, field).errors[0], field, "bad_period")
    return reads.check_period(form.date_from.data, form.date_to.data, almaty_date(now()))


def _field_error(form: PeriodForm, error: reads.PeriodRefused) -> None:
    field = getattr(form, error.field or "date_to")
    if str(error.message) not in [str(message) for message in field.errors]:
        field.errors = [*field.errors, str(error.message)]


