"""What is read of margin fee tariffs and accruals: the entry in force at a moment, the scheduled
ones, a firm's history, and its latest accrual days. A firm sees only its own."""
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.brokerage.models import BrokerClient
from app.margin.fees.models import FeeAccrual, FeeRun, MarginTariff

RUNS_SHOWN = 10


@dataclass(frozen=True)
class AccrualDay:
    day: date
    charged: int
    skipped: int
    total: Decimal


def tariffs_in_force(session, at: datetime) -> dict[int, MarginTariff]:
    """Per firm, the entry with the latest `effective_from` not after `at` (of two at the same
    moment, the one added later)."""
    rank = func.row_number().over(partition_by=MarginTariff.firm_id,
                                  order_by=(MarginTariff.effective_from.desc(), MarginTariff.id.desc())).label("rank")
    ranked = select(MarginTariff.id, rank).where(MarginTariff.effective_from <= at).subquery()
    query = (select(MarginTariff).join(ranked, ranked.c.id == MarginTariff.id).where(ranked.c.rank == 1)
             .options(selectinload(MarginTariff.created_by)))
    return {row.firm_id: row for row in session.scalars(query)}


def tariff_in_force(session, firm_id: int, at: datetime) -> MarginTariff | None:
    return session.scalar(select(MarginTariff).where(MarginTariff.firm_id == firm_id, MarginTariff.effective_from <= at)
                          .order_by(MarginTariff.effective_from.desc(), MarginTariff.id.desc()).limit(1))


def tariff_history(session, firm_id: int) -> list[MarginTariff]:
    """Every entry, the latest `effective_from` first (as `app.margin.reads.states` reads them)."""
    return list(session.scalars(select(MarginTariff).where(MarginTariff.firm_id == firm_id)
                                .options(selectinload(MarginTariff.created_by))
                                .order_by(MarginTariff.effective_from.desc(), MarginTariff.id.desc())))


def accrual_days(session, firm_id: int, limit: int = RUNS_SHOWN) -> list[AccrualDay]:
    runs = list(session.scalars(select(FeeRun).where(FeeRun.firm_id == firm_id)
                                .order_by(FeeRun.day.desc()).limit(limit)))
    totals = dict(session.execute(
        select(FeeAccrual.day, func.sum(FeeAccrual.amount)).join(BrokerClient, BrokerClient.id == FeeAccrual.client_id)
        .where(BrokerClient.firm_id == firm_id, FeeAccrual.day.in_([run.day for run in runs]))
        .group_by(FeeAccrual.day)).all()) if runs else {}
    return [AccrualDay(run.day, run.charged, run.skipped, _amount(totals.get(run.day))) for run in runs]


def _amount(value) -> Decimal:
    """A sum of tiyn amounts: SQLite's integer column sums to the count of tiyn."""
    if value is None:
        return Decimal("0.00")
    return Decimal(value) if isinstance(value, Decimal) else Decimal(int(value)).scaleb(-2)
