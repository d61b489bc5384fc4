"""Income paid on a security — a coupon or a dividend — entered by the back office once per
payment (seed 003): every client of the firm holding the instrument on the record day gets the
income on its ledger; a client short of it (the broker lent it the securities) has the same
income withheld, since it belongs to the lender. All the clients' entries are written, or none."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit.services import record
from app.auth.models import Organisation, User
from app.brokerage.models import BrokerClient, Currency, LedgerEntry, LedgerSource, Venue
from app.brokerage.services import BrokerageError, post
from app.domain.calendar import almaty_date, almaty_instant

CENT = Decimal("0.01")
MAX_PER_UNIT = Decimal(10) ** 9
KINDS = ("coupon", "dividend")


@dataclass(frozen=True)
class IncomeEntry:
    venue: str
    code: str
    kind: str                  # coupon or dividend
    per_unit: Decimal          # money per security, in `currency`
    currency: str
    record_day: date           # the holders at the end of this day are paid
    reference: str | None = None


@dataclass(frozen=True)
class IncomeRun:
    credited: int              # clients paid (long)
    withheld: int              # clients it was withheld from (short)
    total_credited: Decimal
    total_withheld: Decimal


def record_income(session, firm: Organisation, entry: IncomeEntry, by: User, at: datetime) -> IncomeRun:
    entry = _checked(entry, at)
    holders = _holders(session, firm.id, entry)
    if not holders:
        raise BrokerageError(_l("No client of the firm held or owed %(code)s at the end of the record day.",
                                code=entry.code), "code")
    reference = f"{entry.kind.upper()} {entry.code} {entry.reference or entry.record_day.isoformat()}"
    credited = withheld = 0
    total_credited = total_withheld = Decimal(0)
    for client, quantity in holders:
        amount = (entry.per_unit * quantity).quantize(CENT, ROUND_HALF_UP)
        if amount == 0:
            continue
        note = f"{quantity} × {entry.per_unit} {entry.currency}"
        post(session, client, None, entry.currency, amount, LedgerSource.INCOME, reference, by, at, note=note)
        if amount > 0:
            credited, total_credited = credited + 1, total_credited + amount
        else:
            withheld, total_withheld = withheld + 1, total_withheld - amount
    run = IncomeRun(credited, withheld, total_credited, total_withheld)
    record(session, "income.recorded", "organisation", firm.id, None,
           {"venue": entry.venue, "code": entry.code, "kind": entry.kind, "per_unit": entry.per_unit,
            "currency": entry.currency, "record_day": entry.record_day, "credited": credited, "withheld": withheld})
    return run


def _checked(entry: IncomeEntry, at: datetime) -> IncomeEntry:
    code = (entry.code or "").strip().upper()
    if entry.venue not in set(Venue) or not code or len(code) > 20:
        raise BrokerageError(_l("Choose the venue and enter the instrument's code."), "code")
    if entry.kind not in KINDS:
        raise BrokerageError(_l("Choose a coupon or a dividend."), "kind")
    if entry.currency not in set(Currency):
        raise BrokerageError(_l("Choose KZT or USD."), "currency")
    per_unit = entry.per_unit
    if per_unit is None or not per_unit.is_finite() or not 0 < per_unit < MAX_PER_UNIT or per_unit != per_unit.quantize(
            Decimal("0.000001")):
        raise BrokerageError(_l("Enter the income per security: above zero, at most six decimal places."), "per_unit")
    if entry.record_day is None or entry.record_day > almaty_date(at):
        raise BrokerageError(_l("The record day must be today or earlier."), "record_day")
    return IncomeEntry(entry.venue, code, entry.kind, per_unit, entry.currency, entry.record_day,
                       (entry.reference or "").strip() or None)


def _holders(session, firm_id: int, entry: IncomeEntry) -> list[tuple[BrokerClient, int]]:
    """Each client's position at the end of the record day: long (held) or short (lent to it)."""
    end = almaty_instant(entry.record_day, datetime.max.time())
    rows = session.execute(select(BrokerClient, func.sum(LedgerEntry.amount))
                           .join(LedgerEntry, LedgerEntry.client_id == BrokerClient.id)
                           .where(BrokerClient.firm_id == firm_id, LedgerEntry.venue == entry.venue,
                                  LedgerEntry.asset == entry.code, LedgerEntry.created_at <= end)
                           .group_by(BrokerClient.id).order_by(BrokerClient.id)).all()
    return [(client, int(quantity)) for client, quantity in rows if quantity]
