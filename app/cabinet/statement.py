"""The client's statement for a period (seed 000: the client's report): per sub-account — money
per currency, securities per venue and instrument — the opening balance at the start of the
period, every movement in it, and the closing balance.

The period is whole Almaty calendar days, `first` to `last` inclusive. Two queries whatever the
period: the sums of everything before it, and its movements (at most MAX_MOVEMENTS).
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.brokerage.models import BrokerClient, LedgerEntry
from app.brokerage.services import CENT
from app.domain.calendar import almaty_instant
from app.refusals import Refusal

MAX_YEARS = 3
MAX_MOVEMENTS = 5_000
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
ZERO = Decimal("0.00")


class PeriodRefused(Refusal):
    """A period the statement cannot cover; `field` is date_from or date_to."""


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def starts_at(self) -> datetime:
        return almaty_instant(self.first, time())

    @property
    def ends_at(self) -> datetime:
        """The first instant after the period (midnight after `last`, Almaty)."""
        return almaty_instant(self.last + timedelta(days=1), time())


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


def default_period(today: date) -> Period:
    """From the first of the current month to today."""
    return Period(today.replace(day=1), today)


def check_period(first: date | None, last: date | None, today: date) -> Period:
    """The period asked for, either end defaulting (to: today; from: the first of to's month)."""
    last = last or today
    first = first or last.replace(day=1)
    for field, day in (("date_from", first), ("date_to", last)):
        if not FIRST_DAY <= day <= LAST_DAY:
            raise PeriodRefused(_l("Choose dates from %(first)s to %(last)s.", first=FIRST_DAY.isoformat(),
                                   last=LAST_DAY.isoformat()), field, "bad_period")
    if first > last:
        raise PeriodRefused(_l("The start of the period is after its end."), "date_from", "bad_period")
    if last >= _years_after(first, MAX_YEARS):
        raise PeriodRefused(_l("A statement covers at most %(years)d years: choose a shorter period.",
                               years=MAX_YEARS), "date_to", "bad_period")
    return Period(first, last)


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:          # 29 February
        return day.replace(year=day.year + years, day=28)


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
