"""What the client and the back office may read of withdrawals; others' instructions are 404."""
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from flask import abort
from sqlalchemy import func, or_, select

from app.auth.models import User
from app.brokerage.models import BrokerClient
from app.cabinet.periods import Period
from app.withdrawals.models import BLOCKING, Bank, WithdrawalInstruction, WithdrawalStatus

SHOWN = 500


def blocked_money(session, client_ids: list[int]) -> dict[tuple[int, str], Decimal]:
    """(client id, currency) → the money signed or approved withdrawals hold back (one query)."""
    if not client_ids:
        return {}
    rows = session.execute(select(WithdrawalInstruction.client_id, WithdrawalInstruction.currency,
                                  func.sum(WithdrawalInstruction.amount))
                           .where(WithdrawalInstruction.client_id.in_(list(client_ids)),
                                  WithdrawalInstruction.status.in_(BLOCKING))
                           .group_by(WithdrawalInstruction.client_id, WithdrawalInstruction.currency)).all()
    found: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for client_id, currency, amount in rows:
        found[(client_id, currency)] = Decimal(amount).quantize(Decimal("0.01"))
    return dict(found)


def active_banks(session) -> list[Bank]:
    return list(session.scalars(select(Bank).where(Bank.is_active.is_(True)).order_by(Bank.name)))


def all_banks(session) -> list[Bank]:
    return list(session.scalars(select(Bank).order_by(Bank.is_active.desc(), Bank.name)))


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[the start of the Almaty day, the start of the next)."""
    period = Period(day, day)
    return period.starts_at, period.ends_at


def instructions_of(session, client: BrokerClient, period: Period) -> list[WithdrawalInstruction]:
    return list(session.scalars(select(WithdrawalInstruction)
                                .where(WithdrawalInstruction.client_id == client.id,
                                       WithdrawalInstruction.created_at >= period.starts_at,
                                       WithdrawalInstruction.created_at < period.ends_at)
                                .order_by(WithdrawalInstruction.id.desc()).limit(SHOWN)))


def own_instruction(session, client: BrokerClient | None, instruction_id: int) -> WithdrawalInstruction:
    """The client's own instruction; another's does not exist for it (404)."""
    instruction = session.get(WithdrawalInstruction, instruction_id)
    if client is None or instruction is None or instruction.client_id != client.id:
        abort(404)
    return instruction


def firm_instruction(session, user: User, instruction_id: int) -> WithdrawalInstruction:
    """An instruction of the user's firm's client; another firm's does not exist for it (404)."""
    instruction = session.get(WithdrawalInstruction, instruction_id)
    if instruction is None or instruction.client.firm_id != user.organisation_id:
        abort(404)
    return instruction


def queue(session, firm_id: int, status: str | None = None, day: date | None = None) -> list[WithdrawalInstruction]:
    """The firm's signed instructions (never the unsigned ones), oldest first within a status."""
    query = (select(WithdrawalInstruction).join(BrokerClient, BrokerClient.id == WithdrawalInstruction.client_id)
             .where(BrokerClient.firm_id == firm_id,
                    WithdrawalInstruction.status.notin_((WithdrawalStatus.AWAITING_SIGNATURE, WithdrawalStatus.EXPIRED))))
    if status:
        query = query.where(WithdrawalInstruction.status == status)
    if day:
        start, end = day_bounds(day)
        query = query.where(WithdrawalInstruction.signed_at >= start, WithdrawalInstruction.signed_at < end)
    return list(session.scalars(query.order_by(WithdrawalInstruction.signed_at, WithdrawalInstruction.id).limit(SHOWN)))


def register_rows(session, firm_id: int, day: date) -> list[WithdrawalInstruction]:
    """The day's payment register: approved and waiting to be paid by the end of `day`, and paid that day."""
    start, end = day_bounds(day)
    return list(session.scalars(
        select(WithdrawalInstruction).join(BrokerClient, BrokerClient.id == WithdrawalInstruction.client_id)
        .where(BrokerClient.firm_id == firm_id,
               or_((WithdrawalInstruction.status == WithdrawalStatus.APPROVED) & (WithdrawalInstruction.decided_at < end),
                   (WithdrawalInstruction.status == WithdrawalStatus.PAID) & (WithdrawalInstruction.paid_at >= start)
                   & (WithdrawalInstruction.paid_at < end)))
        .order_by(WithdrawalInstruction.currency, WithdrawalInstruction.id)))
