"""Withdrawals in the JSON API: the client's (/api/v1/cabinet/withdrawals) and the back office's
(/api/v1/brokerage/withdrawals). Creating one answers with the document to sign: the app goes
on with the signing API (/api/v1/cabinet/documents/<id>/code, /confirm, /eds)."""
from apiflask import APIBlueprint, Schema
from apiflask.fields import Date, Integer, List, Nested, String
from apiflask.validators import Length, OneOf
from flask_babel import gettext as _
from flask_login import current_user

from app.api.errors import ApiError
from app.api.fields import AwareDateTime, DecimalString
from app.auth.access import roles_required
from app.auth.roles import Role
from app.brokerage.reads import own_client
from app.cabinet.loaders import api_client
from app.cabinet.periods import PeriodRefused, check_period
from app.clock.services import now
from app.domain.calendar import almaty_date
from app.extensions import db
from app.withdrawals import reads, services
from app.withdrawals.models import WithdrawalInstruction, WithdrawalStatus

bp = APIBlueprint("withdrawals_api", __name__, url_prefix="/api/v1/cabinet/withdrawals", tag="Withdrawals")
office_bp = APIBlueprint("withdrawals_office_api", __name__, url_prefix="/api/v1/brokerage/withdrawals",
                         tag="Withdrawals (back office)")
NOT_FOUND = {404: "No such withdrawal, or not yours"}
ERRORS = {**NOT_FOUND, 409: "Not in a state that allows this (`invalid_transition`)",
          422: "Refused: `code` names the rule (`insufficient_money`, `invalid_iban`, `invalid_bank`, "
               "`invalid_amount`, `invalid_reason`, …)"}


class WithdrawalIn(Schema):
    currency = String(required=True, validate=OneOf(["KZT", "USD"]))
    amount = DecimalString(2, required=True)
    iban = String(required=True, validate=Length(max=40), metadata={"example": "KZ86125KZT5004100100"})
    bank_id = Integer(required=True)


class WithdrawalOut(Schema):
    id = Integer()
    currency = String()
    amount = DecimalString(2)
    iban = String()
    bank_id = Integer()
    bank_name = String()
    bank_bic = String()
    beneficiary = String()
    status = String(metadata={"enum": [str(status) for status in WithdrawalStatus]})
    document_id = Integer(allow_none=True, metadata={"description": "The signed document (sign it through the signing API)."})
    created_at = AwareDateTime()
    signed_at = AwareDateTime(allow_none=True)
    decided_at = AwareDateTime(allow_none=True)
    paid_at = AwareDateTime(allow_none=True)
    reason = String(allow_none=True)
    payment_reference = String(allow_none=True)
    client_id = Integer()


class WithdrawalRowOut(WithdrawalOut):
    """A list's row: its own class, as one schema class is put in the spec once."""


class WithdrawalsOut(Schema):
    withdrawals = List(Nested(WithdrawalRowOut))


class PeriodIn(Schema):
    date_from = Date(load_default=None)
    date_to = Date(load_default=None)


class QueueIn(Schema):
    status = String(load_default=None, validate=OneOf([str(status) for status in WithdrawalStatus]))
    day = Date(load_default=None)


class PayIn(Schema):
    reference = String(load_default=None, validate=Length(max=60))


class RejectIn(Schema):
    reason = String(required=True, validate=Length(min=1, max=services.MAX_REASON))


def describe(instruction: WithdrawalInstruction) -> dict:
    return {"id": instruction.id, "currency": instruction.currency, "amount": instruction.amount,
            "iban": instruction.iban, "bank_id": instruction.bank_id, "bank_name": instruction.bank.name,
            "bank_bic": instruction.bank.bic, "beneficiary": instruction.beneficiary, "status": instruction.status,
            "document_id": instruction.document_id, "created_at": instruction.created_at,
            "signed_at": instruction.signed_at, "decided_at": instruction.decided_at, "paid_at": instruction.paid_at,
            "reason": instruction.reason, "payment_reference": instruction.payment_reference,
            "client_id": instruction.client_id}


def applied(operation) -> dict:
    try:
        return describe(operation())
    except services.WithdrawalError as error:
        db.session.rollback()
        raise ApiError(409 if error.code == "invalid_transition" else 422, error.code, str(error.message)) from error




def _own(instruction_id: int) -> WithdrawalInstruction:
    instruction = db.session.get(WithdrawalInstruction, instruction_id)
    client = own_client(db.session, current_user)
    if instruction is None or client is None or instruction.client_id != client.id:
        raise ApiError(404, "not_found", _("There is no such withdrawal."))
    return instruction


def _firm(instruction_id: int) -> WithdrawalInstruction:
    instruction = db.session.get(WithdrawalInstruction, instruction_id)
    if instruction is None or instruction.client.firm_id != current_user.organisation_id:
        raise ApiError(404, "not_found", _("There is no such withdrawal."))
    return instruction


@bp.get("")
@roles_required(Role.CLIENT)
@bp.input(PeriodIn, location="query", arg_name="period")
@bp.output(WithdrawalsOut)
def list_withdrawals(period: dict):
    """The client's withdrawals created in a period (default: this month so far)"""
    client = api_client()
    try:
        found = check_period(period["date_from"], period["date_to"], almaty_date(now()))
    except PeriodRefused as error:
        raise ApiError(422, error.code, str(error.message), {"query": {error.field: [str(error.message)]}}) from error
    return {"withdrawals": [describe(row) for row in reads.instructions_of(db.session, client, found)]}


@bp.post("")
@roles_required(Role.CLIENT)
@bp.input(WithdrawalIn, arg_name="data")
@bp.output(WithdrawalOut, status_code=201)
@bp.doc(responses=ERRORS)
def create_withdrawal(data: dict):
    """A withdrawal instruction to sign: its `document_id` goes on to the signing API"""
    client = api_client()
    return applied(lambda: services.start_withdrawal(db.session, client, current_user, data["currency"],
                                                     data["amount"], data["iban"], data["bank_id"], now()))


@bp.get("/<int:instruction_id>")
@roles_required(Role.CLIENT)
@bp.output(WithdrawalOut)
@bp.doc(responses=NOT_FOUND)
def get_withdrawal(instruction_id: int):
    """One of the client's withdrawals"""
    return describe(_own(instruction_id))


@bp.post("/<int:instruction_id>/cancel")
@roles_required(Role.CLIENT)
@bp.output(WithdrawalOut)
@bp.doc(responses=ERRORS)
def cancel_withdrawal(instruction_id: int):
    """Cancel a withdrawal the back office has not approved yet"""
    instruction = _own(instruction_id)
    return applied(lambda: services.cancel(db.session, instruction, now()))


@office_bp.get("")
@roles_required(Role.BROKER_OFFICE)
@office_bp.input(QueueIn, location="query", arg_name="filters")
@office_bp.output(WithdrawalsOut)
def queue(filters: dict):
    """The firm's signed withdrawals, by status and day of signing"""
    rows = reads.queue(db.session, current_user.organisation_id, filters["status"], filters["day"])
    return {"withdrawals": [describe(row) for row in rows]}


@office_bp.post("/<int:instruction_id>/approve")
@roles_required(Role.BROKER_OFFICE)
@office_bp.output(WithdrawalOut)
@office_bp.doc(responses=ERRORS)
def approve(instruction_id: int):
    """Approve a signed withdrawal for payment (its money stays blocked)"""
    instruction = _firm(instruction_id)
    return applied(lambda: services.approve(db.session, instruction, current_user, now()))


@office_bp.post("/<int:instruction_id>/pay")
@roles_required(Role.BROKER_OFFICE)
@office_bp.input(PayIn, arg_name="data")
@office_bp.output(WithdrawalOut)
@office_bp.doc(responses=ERRORS)
def pay(instruction_id: int, data: dict):
    """Record an approved withdrawal as paid: the client's ledger is debited"""
    instruction = _firm(instruction_id)
    return applied(lambda: services.pay(db.session, instruction, data["reference"], current_user, now()))


@office_bp.post("/<int:instruction_id>/reject")
@roles_required(Role.BROKER_OFFICE)
@office_bp.input(RejectIn, arg_name="data")
@office_bp.output(WithdrawalOut)
@office_bp.doc(responses=ERRORS)
def reject(instruction_id: int, data: dict):
    """Reject a withdrawal not yet paid, with the reason the client reads"""
    instruction = _firm(instruction_id)
    return applied(lambda: services.reject(db.session, instruction, data["reason"], current_user, now()))
