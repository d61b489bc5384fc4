"""Withdrawal pages: the client's instructions, the back office's payment queue and register,
and the administrator's list of banks. A refusal is shown on its field or as a flash message,
with a 4xx answer, and the transaction is rolled back: nothing is half-written."""
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.roles import Role
from app.brokerage.models import BrokerClient
from app.cabinet.loaders import cabinet_client
from app.cabinet.periods import PeriodForm
from app.cabinet.signing import access
from app.cabinet.signing.services import is_expired
from app.clock.services import now
from app.domain.calendar import ALMATY
from app.domain.calendar import almaty_date
from app.extensions import db
from app.pages import form_errors_text
from app.withdrawals import payment_register, reads, services
from app.withdrawals.forms import (STATUS_LABELS, ActionForm, BankEditForm, BankForm, PayForm,
                                   QueueFilterForm, RegisterDayForm, RejectForm, WithdrawalForm)
from app.withdrawals.models import Bank, WithdrawalInstruction, WithdrawalStatus

bp = Blueprint("withdrawals", __name__, url_prefix="/cabinet/withdrawals")
office_bp = Blueprint("withdrawals_office", __name__, url_prefix="/brokerage/withdrawals")
banks_bp = Blueprint("banks", __name__, url_prefix="/admin/banks")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def firm_reads_its_clients(user, document) -> bool:
    """A broker's back office downloads what its own firm's clients signed."""
    if user.role != Role.BROKER_OFFICE:
        return False
    firm = db.session.scalar(db.select(BrokerClient.firm_id).where(BrokerClient.user_id == document.signer_id))
    return firm is not None and firm == user.organisation_id


if firm_reads_its_clients not in access.readers:
    access.readers.append(firm_reads_its_clients)


@bp.context_processor
@office_bp.context_processor
def vocabulary() -> dict:
    return {"WITHDRAWAL_STATUS": STATUS_LABELS, "shown_status": shown_status}


def shown_status(instruction: WithdrawalInstruction) -> str:
    """An unsigned instruction whose document can no longer be signed reads as expired."""
    if instruction.status == WithdrawalStatus.AWAITING_SIGNATURE and instruction.document is not None \
            and is_expired(instruction.document, now()):
        return WithdrawalStatus.EXPIRED
    return instruction.status


def refuse(form, error: services.WithdrawalError) -> None:
    db.session.rollback()
    field = form._fields.get(error.field) if error.field else None
    if field is None:
        flash(str(error.message), "error")
    else:
        field.errors = [*field.errors, str(error.message)]


# --- the client's cabinet ------------------------------------------------------------------------



@bp.route("/")
@roles_required(Role.CLIENT)
def index():
    client, form = cabinet_client(), PeriodForm(request.args)
    period = form.period(almaty_date(now()))
    rows = reads.instructions_of(db.session, client, period) if period else []
    return render_template("withdrawals/index.html", client=client, rows=rows, form=form, period=period), \
        200 if period else 422


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.CLIENT)
def new():
    client = cabinet_client()
    form = WithdrawalForm(currency=request.args.get("currency", "KZT"))
    form.bank_id.choices = [(bank.id, f"{bank.name} ({bank.bic})") for bank in reads.active_banks(db.session)]
    if form.validate_on_submit():
        try:
            instruction = services.start_withdrawal(db.session, client, current_user, form.currency.data,
                                                    form.amount.data, form.iban.data, form.bank_id.data, now())
        except services.WithdrawalError as error:
            refuse(form, error)
        else:
            return redirect(url_for("signing.show", document_id=instruction.document_id))
    free = {currency: services.free_money(db.session, client, currency) for currency in ("KZT", "USD")}
    return render_template("withdrawals/new.html", form=form, client=client, free=free), \
        422 if form.is_submitted() else 200


@bp.route("/<int:instruction_id>")
@roles_required(Role.CLIENT)
def show(instruction_id: int):
    instruction = reads.own_instruction(db.session, cabinet_client(), instruction_id)
    return render_template("withdrawals/show.html", instruction=instruction, history=history(instruction),
                           form=ActionForm())


@bp.route("/<int:instruction_id>/cancel", methods=["POST"])
@roles_required(Role.CLIENT)
def cancel(instruction_id: int):
    instruction = reads.own_instruction(db.session, cabinet_client(), instruction_id)
    return decide(ActionForm(), instruction, lambda form: services.cancel(db.session, instruction, now()),
                  _("The withdrawal is cancelled."), "withdrawals.show", "withdrawals/show.html")


def history(instruction: WithdrawalInstruction) -> list[tuple[str, object]]:
    """The instruction's steps, from its own timestamps."""
    steps = [(_("Created"), instruction.created_at), (_("Signed"), instruction.signed_at)]
    if instruction.decided_at is not None:
        decided = WithdrawalStatus.APPROVED if instruction.status == WithdrawalStatus.PAID else instruction.status
        steps.append((str(STATUS_LABELS[decided]), instruction.decided_at))
    steps.append((_("Paid"), instruction.paid_at))
    return [(label, at) for label, at in steps if at is not None]


def decide(form, instruction: WithdrawalInstruction, operation, done: str, endpoint: str, template: str):
    """One state change on an instruction; a refusal answers the page again with 409 or 422."""
    if not form.validate_on_submit():
        flash(form_errors_text(form), "error")
        return _page_again(instruction, template, 422, form)
    try:
        operation(form)
    except services.WithdrawalError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _page_again(instruction, template, 409 if error.code == "invalid_transition" else 422, form)
    flash(done, "success")
    return redirect(url_for(endpoint, instruction_id=instruction.id))


def _page_again(instruction: WithdrawalInstruction, template: str, status: int, form):
    db.session.refresh(instruction)
    extra = {"pay_form": PayForm(formdata=None), "reject_form": form if isinstance(form, RejectForm) else RejectForm(formdata=None)}
    return render_template(template, instruction=instruction, history=history(instruction), form=ActionForm(),
                           **extra), status


# --- the back office -----------------------------------------------------------------------------

@office_bp.route("/")
@roles_required(Role.BROKER_OFFICE)
def queue():
    filters = QueueFilterForm(request.args)
    valid = filters.validate()
    rows = reads.queue(db.session, current_user.organisation_id, filters.status.data if valid else None,
                       filters.day.data if valid else None)
    return render_template("withdrawals/queue.html", rows=rows, filters=filters,
                           register=RegisterDayForm(request.args, day=now().astimezone(ALMATY).date()))


@office_bp.route("/<int:instruction_id>")
@roles_required(Role.BROKER_OFFICE)
def detail(instruction_id: int):
    instruction = reads.firm_instruction(db.session, current_user, instruction_id)
    return render_template("withdrawals/detail.html", instruction=instruction, history=history(instruction),
                           form=ActionForm(), pay_form=PayForm(formdata=None), reject_form=RejectForm(formdata=None))


def _office_decision(instruction_id: int, form, operation, done: str):
    instruction = reads.firm_instruction(db.session, current_user, instruction_id)
    return decide(form, instruction, lambda checked: operation(instruction, checked), done,
                  "withdrawals_office.detail", "withdrawals/detail.html")


@office_bp.route("/<int:instruction_id>/approve", methods=["POST"])
@roles_required(Role.BROKER_OFFICE)
def approve(instruction_id: int):
    return _office_decision(instruction_id, ActionForm(), lambda instruction, form: services.approve(
        db.session, instruction, current_user, now()), _("The withdrawal is approved; its money stays blocked."))


@office_bp.route("/<int:instruction_id>/pay", methods=["POST"])
@roles_required(Role.BROKER_OFFICE)
def pay(instruction_id: int):
    return _office_decision(instruction_id, PayForm(), lambda instruction, form: services.pay(
        db.session, instruction, form.reference.data, current_user, now()),
        _("The withdrawal is paid and debited from the client's account."))


@office_bp.route("/<int:instruction_id>/reject", methods=["POST"])
@roles_required(Role.BROKER_OFFICE)
def reject(instruction_id: int):
    return _office_decision(instruction_id, RejectForm(), lambda instruction, form: services.reject(
        db.session, instruction, form.reason.data, current_user, now()),
        _("The withdrawal is rejected; its money is free again."))


def _register_day() -> date:
    form = RegisterDayForm(request.args)
    if not form.validate():
        abort(400, description=_("Give the register's day as YYYY-MM-DD."))
    return form.day.data


def _register(day: date):
    firm = current_user.organisation
    return payment_register.RegisterFirm(firm.name, firm.bin), reads.register_rows(db.session, firm.id, day)


@office_bp.route("/register.xlsx")
@roles_required(Role.BROKER_OFFICE)
def register_xlsx():
    day = _register_day()
    firm, rows = _register(day)
    content = payment_register.register_xlsx(firm, day, rows)
    return _download(content, XLSX, f"payment-register-{day.isoformat()}.xlsx")


@office_bp.route("/register.xml")
@roles_required(Role.BROKER_OFFICE)
def register_xml():
    day = _register_day()
    firm, rows = _register(day)
    return _download(payment_register.register_xml(firm, day, rows, now()), "application/xml",
                     f"payment-register-{day.isoformat()}.xml")


@office_bp.route("/payment-register.xsd")
@roles_required(Role.BROKER_OFFICE, Role.ADMIN, Role.EXCHANGE_STAFF)
def register_schema():
    return Response(payment_register.schema_bytes(), mimetype="application/xml")


def _download(content: bytes, mimetype: str, name: str) -> Response:
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                         "Cache-Control": "no-store"})


# --- the administrator's banks -------------------------------------------------------------------

@banks_bp.route("/", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def banks():
    form = BankForm()
    if form.validate_on_submit():
        try:
            bank = services.add_bank(db.session, form.name.data, form.bic.data, now())
        except services.WithdrawalError as error:
            refuse(form, error)
        else:
            flash(_("Bank “%(name)s” added.", name=bank.name), "success")
            return redirect(url_for("banks.banks"))
    return render_template("withdrawals/banks.html", form=form, banks=reads.all_banks(db.session),
                           action_form=ActionForm()), 400 if form.is_submitted() else 200


@banks_bp.route("/<int:bank_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def bank(bank_id: int):
    found = db.session.get(Bank, bank_id) or abort(404)
    form = BankEditForm(obj=found)
    if form.validate_on_submit():
        try:
            services.edit_bank(db.session, found, form.name.data, form.bic.data, form.is_active.data)
        except services.WithdrawalError as error:
            refuse(form, error)
        else:
            flash(_("Bank “%(name)s” saved.", name=found.name), "success")
            return redirect(url_for("banks.banks"))
    return render_template("withdrawals/bank.html", bank=found, form=form), 400 if form.is_submitted() else 200


@banks_bp.route("/<int:bank_id>/deactivate", methods=["POST"])
@roles_required(Role.ADMIN)
def deactivate(bank_id: int):
    found = db.session.get(Bank, bank_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400, description=_("The form has expired; try again."))
    services.deactivate_bank(db.session, found)
    flash(_("Bank “%(name)s” is no longer offered to clients.", name=found.name), "success")
    return redirect(url_for("banks.banks"))
