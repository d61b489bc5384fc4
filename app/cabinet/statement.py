"""The client's statement for a period (seed 000: the client's report): per sub-account — money
per currency, securities per venue and instrument — the opening balance at the start of the
period, every movement in it, and the closing balance.

The period is whole Almaty calendar days, `first` to `last` inclusive. Two queries whatever the
period: the sums of everything before it, and its movements (at most MAX_MOVEMENTS).
"""
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.brokerage.models import BrokerClient, LedgerEntry
from app.brokerage.services import CENT
from app.cabinet.periods import Period, PeriodRefused

MAX_MOVEMENTS = 5_000
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Movement:
    at: datetime
    source: str
    reference: str | None
    amount: Decimal
    settles_on: date | None


@dataclass(frozen=True)
class Account:
    venue: str | None            # None: money, `asset` is its currency
    asset: str
    opening: Decimal
    movements: tuple[Movement, ...]

    @property
    def is_money(self) -> bool:
        return self.venue is None

    @property
    def credits(self) -> Decimal:
        return _shown(sum((m.amount for m in self.movements if m.amount > 0), ZERO), self.venue)

    @property
    def debits(self) -> Decimal:
        return _shown(sum((m.amount for m in self.movements if m.amount < 0), ZERO), self.venue)

    @property
    def closing(self) -> Decimal:
        return _shown(self.opening + self.credits + self.debits, self.venue)


@dataclass(frozen=True)
class Statement:
    client: BrokerClient
    period: Period
    accounts: list[Account]

    @property
    def money(self) -> list[Account]:
        return [account for account in self.accounts if account.is_money]

    @property
    def securities(self) -> list[Account]:
        return [account for account in self.accounts if not account.is_money]


def statement(session, client: BrokerClient, period: Period) -> Statement:
    openings = _openings(session, client, period)
    movements = _movements(session, client, period)
    keys = sorted({*openings, *movements}, key=lambda key: (key[0] is not None, key[0] or "", key[1]))
    accounts = [Account(venue, asset, _shown(openings.get((venue, asset), ZERO), venue),
                        tuple(movements.get((venue, asset), ()))) for venue, asset in keys]
    return Statement(client, period, [account for account in accounts if account.opening or account.movements])


def _openings(session, client: BrokerClient, period: Period) -> dict[tuple[str | None, str], Decimal]:
    rows = session.execute(select(LedgerEntry.venue, LedgerEntry.asset, func.sum(LedgerEntry.amount))
                           .where(LedgerEntry.client_id == client.id, LedgerEntry.created_at < period.starts_at)
                           .group_by(LedgerEntry.venue, LedgerEntry.asset)).all()
    return {(venue, asset): Decimal(amount) for venue, asset, amount in rows}


def _movements(session, client: BrokerClient, period: Period) -> dict[tuple[str | None, str], list[Movement]]:
    entries = session.scalars(select(LedgerEntry).where(
        LedgerEntry.client_id == client.id, LedgerEntry.created_at >= period.starts_at,
        LedgerEntry.created_at < period.ends_at).order_by(LedgerEntry.created_at, LedgerEntry.id)
        .limit(MAX_MOVEMENTS + 1)).all()
    if len(entries) > MAX_MOVEMENTS:
        raise PeriodRefused(_l("More than %(count)d movements in this period: choose a shorter one.",
                               count=MAX_MOVEMENTS), "date_to", "too_many_movements")
    found: dict[tuple[str | None, str], list[Movement]] = {}
    for entry in entries:
        found.setdefault((entry.venue, entry.asset), []).append(
            Movement(entry.created_at, entry.source, entry.reference, _shown(entry.amount, entry.venue),
                     entry.settles_on))
    return found


def _shown(amount: Decimal, venue: str | None) -> Decimal:
    """Money to the tiyn; securities in whole pieces when they are whole (40, not 40.00)."""
    amount = Decimal(amount).quantize(CENT)
    if venue is not None and amount == amount.to_integral_value():
        return amount.quantize(Decimal(1))
    return amount
