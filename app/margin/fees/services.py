"""The margin fee: the risk staff's tariff entries, and the worker's accrual (seed 003: margin
borrowers pay the broker's tariff; the client's report lists the commission).

Once the market has closed (MARKET_CLOSES, Almaty) on a business day, each firm with a tariff in
force at the close charges every client that owes — a negative money sub-account or a short —
the day's fee on its planned positions as the margin figures value them, in tenge, to its
ledger. A day the worker misses entirely is not charged afterwards: the fee is for the positions
held at that day's close, which a later portfolio no longer shows. Services flush; the request
or the worker's round commits."""
import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit.services import record
from app.auth.models import Organisation, User
from app.brokerage.models import BrokerClient, ClientStatus, LedgerEntry, LedgerSource
from app.brokerage.services import lock_client, post
from app.calendar.services import build_calendar
from app.domain.calendar import almaty_date, almaty_instant
from app.domain.margin_fee import ROUNDING, TIYN, FeeBase, daily_fee, fee_base
from app.margin.fees import reads
from app.margin.fees.models import FeeAccrual, FeeRun, MarginTariff
from app.margin.risk import RiskUnavailable, client_risk
from app.margin.services import checked_effective_from
from app.refusals import Refusal
from app.secondary.schedule import default_times

log = logging.getLogger("desk.margin_fee")
MAX_DAILY_RATE = Decimal(1)       # per cent a day: anything above is a typing slip, not a tariff
RATE_PLACES = Decimal("0.0001")
CURRENCY = "KZT"                  # the tariff charges tenge, whatever the debt's currency


class TariffError(Refusal):
    """A tariff entry refused; `field` names the input."""


@dataclass(frozen=True)
class TariffEntry:
    """Per cent a day on money debt and on lent securities, from `effective_from` (None: now)."""
    money_rate: Decimal | None
    securities_rate: Decimal | None
    effective_from: datetime | None = None


def add_tariff(session, firm: Organisation, entry: TariffEntry, by: User, at: datetime) -> MarginTariff:
    """A new tariff entry: it supersedes the one in force from its `effective_from` (now or later)."""
    tariff = MarginTariff(firm_id=firm.id, money_rate=checked_daily_rate(entry.money_rate, "money_rate"),
                          securities_rate=checked_daily_rate(entry.securities_rate, "securities_rate"),
                          effective_from=checked_effective_from(entry.effective_from, at), created_by_id=by.id,
                          created_at=at)
    session.add(tariff)
    session.flush()
    record(session, "margin_tariff.added", "margin_tariff", tariff.id, None, tariff_snapshot(tariff))
    return tariff


def checked_daily_rate(value: Decimal | None, field: str) -> Decimal:
    """Per cent a day, 0 to 1, to 0.0001; more places are refused, never rounded."""
    if (not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value <= MAX_DAILY_RATE
            or value != value.quantize(RATE_PLACES)):
        raise TariffError(_l("A daily rate is from 0 to 1 per cent a day, with at most 4 decimal places."), field,
                          "invalid_rate")
    return value.quantize(RATE_PLACES)


# --- the worker's accrual ------------------------------------------------------------------------

def accrue_due(session, at: datetime) -> int:
    """The worker's timed step: the day's fees of every firm not yet charged today, once the
    market has closed on a business day; the number of clients charged."""
    day = almaty_date(at)
    closes_at = almaty_instant(day, default_times()[1])
    if at < closes_at:
        return 0
    due = _firms_due(session, day, closes_at)
    if not due or not build_calendar(session, day.year).is_business_day(day):
        return 0
    return sum(accrue_firm(session, tariff, day, at) for tariff in due)


def _firms_due(session, day: date, closes_at: datetime) -> list[MarginTariff]:
    """The tariff in force at the close of each firm whose day is not done yet."""
    done = set(session.scalars(select(FeeRun.firm_id).where(FeeRun.day == day)))
    return [tariff for firm_id, tariff in sorted(reads.tariffs_in_force(session, closes_at).items())
            if firm_id not in done]


def accrue_firm(session, tariff: MarginTariff, day: date, at: datetime) -> int:
    charged = skipped = 0
    for client in owing_clients(session, tariff.firm_id, day):
        try:
            risk = client_risk(session, client, at)
        except RiskUnavailable as error:
            log.warning("margin fee of client %s for %s skipped: no %s FX rate", client.id, day, error.currency)
            skipped += 1
            continue
        charged += accrue_client(session, client, tariff, fee_base(risk.portfolio), day, at) is not None
    run = FeeRun(firm_id=tariff.firm_id, day=day, tariff_id=tariff.id, charged=charged, skipped=skipped,
                 finished_at=at)
    session.add(run)
    session.flush()
    record(session, "margin_fee.day_accrued", "organisation", tariff.firm_id, None,
           {"day": day.isoformat(), "tariff_id": tariff.id, "charged": charged, "skipped": skipped})
    return charged


def owing_clients(session, firm_id: int, day: date) -> list[BrokerClient]:
    """The firm's clients (not closed) with a negative sub-account — a money debt or a short —
    not yet charged for `day`: one aggregate, so the clients who owe nothing are never valued."""
    negative = (select(LedgerEntry.client_id).join(BrokerClient, BrokerClient.id == LedgerEntry.client_id)
                .where(BrokerClient.firm_id == firm_id, BrokerClient.status != ClientStatus.CLOSED)
                .group_by(LedgerEntry.client_id, LedgerEntry.venue, LedgerEntry.asset)
                .having(func.sum(LedgerEntry.amount) < 0))
    charged = select(FeeAccrual.client_id).where(FeeAccrual.day == day)
    return list(session.scalars(select(BrokerClient).where(BrokerClient.id.in_(negative),
                                                           BrokerClient.id.not_in(charged))
                                .order_by(BrokerClient.id)))


def accrue_client(session, client: BrokerClient, tariff: MarginTariff, base: FeeBase, day: date,
                  at: datetime) -> FeeAccrual | None:
    """The day's fee on `base` to the client's ledger; None when it rounds to nothing."""
    amount = daily_fee(base, tariff.money_rate, tariff.securities_rate)
    if amount <= 0:
        return None
    lock_client(session, client)       # the fee takes money an order or a withdrawal may be checking
    # The entry is the tariff's: its author is the risk staff who set it, not the worker.
    entry = post(session, client, None, CURRENCY, -amount, LedgerSource.FEE, fee_reference(day), tariff.created_by,
                 at, note=f"margin fee {day.isoformat()}: debt {base.money_debt}, lent {base.lent_value}")
    accrual = FeeAccrual(client_id=client.id, day=day, tariff_id=tariff.id, money_debt=_tiyn(base.money_debt),
                         lent_value=_tiyn(base.lent_value), money_rate=tariff.money_rate,
                         securities_rate=tariff.securities_rate, amount=amount, ledger_entry_id=entry.id,
                         accrued_at=at)
    session.add(accrual)
    session.flush()
    record(session, "margin_fee.accrued", "broker_client", client.id, None, accrual_snapshot(accrual))
    return accrual


def fee_reference(day: date) -> str:
    """The ledger reference the statement shows: names the day charged."""
    return f"MARGIN FEE {day.isoformat()}"


def _tiyn(value: Decimal) -> Decimal:
    """For the record of what was charged on; the fee itself is computed from the exact figure."""
    return value.quantize(TIYN, context=ROUNDING)


def tariff_snapshot(tariff: MarginTariff) -> dict:
    return {"firm_id": tariff.firm_id, "money_rate": str(tariff.money_rate),
            "securities_rate": str(tariff.securities_rate), "effective_from": tariff.effective_from.isoformat()}


def accrual_snapshot(accrual: FeeAccrual) -> dict:
    return {"day": accrual.day.isoformat(), "tariff_id": accrual.tariff_id, "money_debt": str(accrual.money_debt),
            "lent_value": str(accrual.lent_value), "money_rate": str(accrual.money_rate),
            "securities_rate": str(accrual.securities_rate), "amount": str(accrual.amount),
            "ledger_entry_id": accrual.ledger_entry_id}
