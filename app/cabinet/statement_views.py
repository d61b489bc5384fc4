"""The client's statement for a period (seed 000): a page, XLSX and PDF, all from the same reads."""
from flask import Blueprint, render_template, request

from app.auth.access import roles_required
from app.auth.roles import Role
from app.brokerage.forms import LEDGER_SOURCE_LABELS, VENUE_LABELS
from app.cabinet import statement as reads
from app.cabinet.loaders import cabinet_client
from app.cabinet.periods import PeriodForm
from app.cabinet.statement_files import file_name, statement_pdf, statement_xlsx
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
    period = form.period(almaty_date(now()))
    if period is None:
        return client, form, None
    try:
        return client, form, reads.statement(db.session, client, period)
    except reads.PeriodRefused as error:       # too many movements
        form.date_to.errors = [*form.date_to.errors, str(error.message)]
        return client, form, None
