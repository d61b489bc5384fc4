"""Withdrawals: the client signs an instruction, the back office approves, pays or rejects it.

Nothing is executed unsigned: an instruction waits for its signed document, and the signing
handler (`on_signed`, in the signature's transaction) re-checks the free money, so a withdrawal
that no longer fits is refused together with its signature. Signed and approved instructions
block their money (`reads.blocked_money`); paying posts the ledger's debit. Services flush; every
change is audited; the client hears of each decision in its notices.
"""
import re
from dataclasses import replace
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from sqlalchemy import or_, select

from app.audit.services import record
from app.auth.models import User
from app.brokerage.models import BrokerClient, ClientStatus, Currency, LedgerSource
from app.brokerage.services import CENT, MAX_AMOUNT, balances, lock_client, post
from app.cabinet.portfolio import portfolio
from app.cabinet.signing import services as signing
from app.cabinet.signing.models import DocumentStatus, SignedDocument
from app.domain import margin
from app.formatting import money
from app.margin.risk import RiskUnavailable, client_risk, withdrawal_verdict
from app.notices.services import notify
from app.refusals import Refusal
from app.withdrawals import reads
from app.withdrawals.models import Bank, WithdrawalInstruction, WithdrawalStatus

KIND = "withdrawal"
BIC = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?")
KZ_IBAN_LENGTH = 20
MAX_REASON = 500
Status = WithdrawalStatus


class WithdrawalError(Refusal):
    """A refused withdrawal step; `code` is stable for the API (`invalid_transition` is a 409)."""


# --- banks (the administrator's list) ------------------------------------------------------------

def check_bic(value: str) -> str:
    bic = (value or "").strip().upper()
    if not BIC.fullmatch(bic):
        raise WithdrawalError(_l("A BIC (SWIFT code) has 8 or 11 letters and digits: bank, country, place "
                                 "(and branch), e.g. HSBKKZKX."), "bic", "invalid_bic")
    return bic


def add_bank(session, name: str, bic: str, at: datetime) -> Bank:
    bank = Bank(name=_bank_name(name), bic=_free_bic(session, check_bic(bic)), is_active=True)
    session.add(bank)
    session.flush()
    record(session, "bank.added", "bank", bank.id, None, bank_snapshot(bank))
    return bank


def edit_bank(session, bank: Bank, name: str, bic: str, is_active: bool) -> Bank:
    before = bank_snapshot(bank)
    bank.name, bank.bic, bank.is_active = _bank_name(name), _free_bic(session, check_bic(bic), bank), bool(is_active)
    session.flush()
    record(session, "bank.edited", "bank", bank.id, before, bank_snapshot(bank))
    return bank


def deactivate_bank(session, bank: Bank) -> Bank:
    """A deactivated bank is offered no more; instructions already made to it keep it."""
    return edit_bank(session, bank, bank.name, bank.bic, False)


def _bank_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise WithdrawalError(_l("Enter the bank's name (at most 200 characters)."), "name")
    return name


def _free_bic(session, bic: str, bank: Bank | None = None) -> str:
    taken = session.scalar(select(Bank.id).where(Bank.bic == bic))
    if taken is not None and (bank is None or taken != bank.id):
        raise WithdrawalError(_l("Another bank already has this BIC."), "bic", "bic_taken")
    return bic


def bank_snapshot(bank: Bank) -> dict:
    return {"name": bank.name, "bic": bank.bic, "is_active": bank.is_active}


# --- the client's instruction --------------------------------------------------------------------

def check_iban(value: str) -> str:
    """A Kazakhstan IIC: KZ, 2 check digits, 16 more characters (20 in all), checked mod 97."""
    compact = re.sub(r"\s+", "", value or "").upper()
    try:
        iban = IBAN(compact)
    except (SchwiftyException, ValueError) as error:
        raise WithdrawalError(_l("This IIC (IBAN) does not check: a Kazakhstan IIC is KZ, two check digits "
                                 "and 16 more characters; check every character."), "iban", "invalid_iban") from error
    if iban.country_code != "KZ" or len(iban.compact) != KZ_IBAN_LENGTH:
        raise WithdrawalError(_l("Withdrawals go to an account in Kazakhstan: an IIC starting with KZ, "
                                 "20 characters."), "iban", "invalid_iban")
    return iban.compact


def check_amount(amount) -> Decimal:
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or value <= 0 or value >= MAX_AMOUNT:
        raise WithdrawalError(_l("Enter an amount above zero."), "amount", "invalid_amount")
    if value != value.quantize(CENT):
        raise WithdrawalError(_l("Money has at most two decimal places."), "amount", "invalid_amount")
    return value.quantize(CENT)


def check_currency(currency: str) -> str:
    if currency not in set(Currency):
        raise WithdrawalError(_l("Choose KZT or USD."), "currency", "invalid_currency")
    return currency


def active_bank(session, bank_id) -> Bank:
    bank = session.get(Bank, bank_id) if isinstance(bank_id, int) else None
    if bank is None or not bank.is_active:
        raise WithdrawalError(_l("Choose a bank from the list."), "bank_id", "invalid_bank")
    return bank


def free_money(session, client: BrokerClient, currency: str) -> Decimal:
    """The portfolio's free money: the total less what active orders and withdrawals block."""
    row = next((row for row in portfolio(session, client).money if row.currency == currency), None)
    return row.free if row is not None else Decimal("0.00")


def _check_free(session, client: BrokerClient, currency: str, amount: Decimal, at: datetime) -> None:
    """At most the free money, and (seed 003) not taking NPR1 below zero."""
    free = free_money(session, client, currency)
    if amount > free:
        raise WithdrawalError(_l("You can withdraw at most %(free)s now: that is your free money in %(currency)s.",
                                 free=money(max(free, Decimal(0)), currency), currency=currency),
                              "amount", "insufficient_money")
    _check_margin(session, client, currency, amount, at)


def _check_margin(session, client: BrokerClient, currency: str, amount: Decimal, at: datetime) -> None:
    """The other withdrawals not yet paid are not in the ledger yet: they leave with this one."""
    try:
        risk = client_risk(session, client, at)
    except RiskUnavailable as error:
        raise WithdrawalError(error.message, None, "no_fx_rate") from error
    for (_client, pending_currency), pending in reads.blocked_money(session, [client.id]).items():
        risk = replace(risk, portfolio=replace(risk.portfolio, money=margin.with_money(
            risk.portfolio.money, pending_currency, -pending)))
    verdict = withdrawal_verdict(risk, currency, amount)
    if not verdict.accepted:
        shown = money(verdict.npr1_after.quantize(CENT, ROUND_FLOOR))
        raise WithdrawalError(_l("Not enough collateral: NPR1 after this withdrawal would be %(npr1)s (it must stay "
                                 "at or above zero). Withdraw less.", npr1=shown), "amount", "npr1_below_zero")


def start_withdrawal(session, client: BrokerClient, user: User, currency: str, amount, iban: str, bank_id,
                     at: datetime) -> WithdrawalInstruction:
    """The instruction, awaiting the client's signature, and the document to sign (flushes)."""
    if client.status != ClientStatus.ACTIVE:
        raise WithdrawalError(_l("Your account is suspended: ask your broker."), None, "client_suspended")
    currency, amount = check_currency(currency), check_amount(amount)
    iban, bank = check_iban(iban), active_bank(session, bank_id)
    lock_client(session, client)
    _check_free(session, client, currency, amount, at)
    instruction = WithdrawalInstruction(client_id=client.id, currency=currency, amount=amount, iban=iban,
                                        bank_id=bank.id, beneficiary=client.full_name,
                                        status=Status.AWAITING_SIGNATURE, created_at=at)
    session.add(instruction)
    session.flush()
    document = signing.issue(session, KIND, signed_fields(instruction, bank, client), user, client.iin,
                             summary(instruction, bank), f"/cabinet/withdrawals/{instruction.id}", at)
    instruction.document_id = document.id
    session.flush()
    record(session, "withdrawal.created", "withdrawal", instruction.id, None, snapshot(instruction))
    return instruction


def signed_fields(instruction: WithdrawalInstruction, bank: Bank, client: BrokerClient) -> dict[str, str]:
    return {"InstructionId": str(instruction.id), "AgreementNumber": client.agreement_number,
            "Currency": instruction.currency, "Amount": f"{instruction.amount:.2f}", "IBAN": instruction.iban,
            "BankBIC": bank.bic, "BankName": bank.name, "Beneficiary": instruction.beneficiary}


def summary(instruction: WithdrawalInstruction, bank: Bank) -> str:
    """In the current (the client's) language: "Withdraw 100 000,00 ₸ to KZ… (Halyk Bank)"."""
    return _("Withdraw %(amount)s to %(iban)s (%(bank)s)", amount=money(instruction.amount, instruction.currency),
             iban=instruction.iban, bank=bank.name)


def on_signed(session, document: SignedDocument) -> None:
    """The signing handler: the signed instruction is submitted, if its money is still free."""
    instruction = session.scalar(select(WithdrawalInstruction).where(WithdrawalInstruction.document_id == document.id))
    if instruction is None or instruction.status != Status.AWAITING_SIGNATURE:
        raise WithdrawalError(_l("This withdrawal is no longer waiting for a signature."), None, "not_awaiting")
    lock_client(session, instruction.client)
    _check_free(session, instruction.client, instruction.currency, instruction.amount, document.signed_at)
    _move(session, instruction, Status.SUBMITTED, "submitted", signed_at=document.signed_at)


signing.register_kind(KIND, on_signed)


def cancel(session, instruction: WithdrawalInstruction, at: datetime) -> WithdrawalInstruction:
    """The client's: before the back office approves it."""
    _require(instruction, (Status.AWAITING_SIGNATURE, Status.SUBMITTED),
             _l("Only a withdrawal not yet approved can be cancelled."))
    return _move(session, instruction, Status.CANCELLED, "cancelled", decided_at=at)


# --- the back office's decisions -----------------------------------------------------------------

def approve(session, instruction: WithdrawalInstruction, by: User, at: datetime) -> WithdrawalInstruction:
    """Approved for payment: the money stays blocked until it is paid."""
    _require(instruction, (Status.SUBMITTED,), _l("Only a signed withdrawal waiting for a decision can be approved."))
    _move(session, instruction, Status.APPROVED, "approved", decided_at=at, decided_by_id=by.id)
    _tell(session, instruction, "withdrawal_approved", at)
    return instruction


def pay(session, instruction: WithdrawalInstruction, reference: str | None, by: User,
        at: datetime) -> WithdrawalInstruction:
    """Paid out: the client's ledger is debited with the amount."""
    _require(instruction, (Status.APPROVED,), _l("Only an approved withdrawal can be paid."))
    reference = (reference or "").strip()[:60] or f"W{instruction.id:08d}"
    lock_client(session, instruction.client)
    held = next((row.amount for row in balances(session, [instruction.client]).get(instruction.client_id, [])
                 if row.is_money and row.asset == instruction.currency), Decimal(0))
    if held < instruction.amount:
        raise WithdrawalError(_l("The client's account holds less than this withdrawal; reject it."), None,
                              "insufficient_money")
    post(session, instruction.client, None, instruction.currency, -instruction.amount, LedgerSource.WITHDRAWAL,
         reference, by, at, note=f"withdrawal {instruction.id}")
    _move(session, instruction, Status.PAID, "paid", paid_at=at, payment_reference=reference)
    _tell(session, instruction, "withdrawal_paid", at)
    return instruction


def reject(session, instruction: WithdrawalInstruction, reason: str, by: User, at: datetime) -> WithdrawalInstruction:
    """Refused with a reason the client reads: the money is free again."""
    _require(instruction, (Status.SUBMITTED, Status.APPROVED), _l("Only a withdrawal not yet paid can be rejected."))
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise WithdrawalError(_l("Give the client the reason (at most 500 characters)."), "reason", "invalid_reason")
    _move(session, instruction, Status.REJECTED, "rejected", decided_at=at, decided_by_id=by.id, reason=reason)
    _tell(session, instruction, "withdrawal_rejected", at, reason=reason)
    return instruction


def expire_unsigned(session, at: datetime) -> int:
    """The worker's step: instructions whose document can no longer be signed become expired."""
    due = session.scalars(
        select(WithdrawalInstruction).join(SignedDocument, SignedDocument.id == WithdrawalInstruction.document_id)
        .where(WithdrawalInstruction.status == Status.AWAITING_SIGNATURE,
               or_(SignedDocument.status.in_((DocumentStatus.EXPIRED, DocumentStatus.REFUSED)),
                   (SignedDocument.status == DocumentStatus.ISSUED) & (SignedDocument.expires_at <= at)))).all()
    for instruction in due:
        _move(session, instruction, Status.EXPIRED, "expired", decided_at=at)
    return len(due)


def _require(instruction: WithdrawalInstruction, allowed: tuple, message) -> None:
    if instruction.status not in allowed:
        raise WithdrawalError(message, None, "invalid_transition")


def _move(session, instruction: WithdrawalInstruction, status: str, action: str, **values) -> WithdrawalInstruction:
    before = snapshot(instruction)
    instruction.status = status
    for name, value in values.items():
        setattr(instruction, name, value)
    session.flush()
    record(session, f"withdrawal.{action}", "withdrawal", instruction.id, before, snapshot(instruction))
    return instruction


def _tell(session, instruction: WithdrawalInstruction, kind: str, at: datetime, **params: str) -> None:
    text = instruction.document.summary if instruction.document is not None else f"{instruction.amount} {instruction.currency}"
    notify(session, instruction.client.user, kind, {"summary": text, **params},
           f"/cabinet/withdrawals/{instruction.id}", at)


def snapshot(instruction: WithdrawalInstruction) -> dict:
    return {"client_id": instruction.client_id, "currency": instruction.currency, "amount": str(instruction.amount),
            "iban": instruction.iban, "bank_id": instruction.bank_id, "beneficiary": instruction.beneficiary,
            "status": instruction.status, "document_id": instruction.document_id,
            "decided_by_id": instruction.decided_by_id, "reason": instruction.reason,
            "payment_reference": instruction.payment_reference}
