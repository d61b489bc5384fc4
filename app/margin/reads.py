"""What the firm's staff read of its margin tables: the entries in force at a moment, the
scheduled ones, and each key's history. A firm sees only its own tables."""
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.margin.models import DiscountRate, FxRate, RateKey

HUNDRED = Decimal(100)
VENUE_ORDER = {"kase": 0, "aix": 1, "international": 2}     # then money


class EntryState(StrEnum):
    IN_FORCE = "in_force"
    SCHEDULED = "scheduled"       # effective later
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class RateTerms:
    """What a discount rate entry means for the margin figures."""
    long_rate: Decimal
    short_rate: Decimal | None    # None: may not be shorted
    marginal: bool


NOT_MARGINAL = RateTerms(HUNDRED, None, False)


def terms_of(entry: DiscountRate | None) -> RateTerms:
    """Issue 13: an instrument (or currency) with no entry, or one off the marginal list, counts
    with a 100 long rate and may not be shorted."""
    if entry is None or not entry.marginal:
        return NOT_MARGINAL
    return RateTerms(entry.long_rate, entry.short_rate if entry.shortable else None, True)


def rates_in_force(session, firm_id: int, category: str, at: datetime) -> dict[RateKey, DiscountRate]:
    """Per key, the entry with the latest `effective_from` not after `at` (of two at the same
    moment, the one added later)."""
    rank = func.row_number().over(partition_by=(DiscountRate.venue, DiscountRate.code),
                                  order_by=(DiscountRate.effective_from.desc(), DiscountRate.id.desc())).label("rank")
    ranked = (select(DiscountRate.id, rank)
              .where(DiscountRate.firm_id == firm_id, DiscountRate.category == category,
                     DiscountRate.effective_from <= at).subquery())
    query = (select(DiscountRate).join(ranked, ranked.c.id == DiscountRate.id).where(ranked.c.rank == 1)
             .options(selectinload(DiscountRate.created_by)))
    rows = sorted(session.scalars(query), key=lambda row: (VENUE_ORDER.get(row.venue, 3), row.code))
    return {row.key: row for row in rows}


def scheduled_rates(session, firm_id: int, category: str, at: datetime) -> list[DiscountRate]:
    """Entries that apply only after `at`, soonest first."""
    return list(session.scalars(select(DiscountRate).where(
        DiscountRate.firm_id == firm_id, DiscountRate.category == category, DiscountRate.effective_from > at)
        .order_by(DiscountRate.effective_from, DiscountRate.id)))


def rate_history(session, firm_id: int, category: str, key: RateKey) -> list[DiscountRate]:
    """Every entry of one key, the latest `effective_from` first."""
    venue = DiscountRate.venue.is_(None) if key.venue is None else DiscountRate.venue == key.venue
    return list(session.scalars(select(DiscountRate).where(
        DiscountRate.firm_id == firm_id, DiscountRate.category == category, venue, DiscountRate.code == key.code)
        .options(selectinload(DiscountRate.created_by))
        .order_by(DiscountRate.effective_from.desc(), DiscountRate.id.desc())))


def fx_in_force(session, firm_id: int, at: datetime) -> dict[str, FxRate]:
    """Per currency, the FX entry with the latest `effective_from` not after `at`."""
    rank = func.row_number().over(partition_by=FxRate.currency,
                                  order_by=(FxRate.effective_from.desc(), FxRate.id.desc())).label("rank")
    ranked = select(FxRate.id, rank).where(FxRate.firm_id == firm_id, FxRate.effective_from <= at).subquery()
    query = (select(FxRate).join(ranked, ranked.c.id == FxRate.id).where(ranked.c.rank == 1)
             .options(selectinload(FxRate.created_by)).order_by(FxRate.currency))
    return {row.currency: row for row in session.scalars(query)}


def scheduled_fx(session, firm_id: int, at: datetime) -> list[FxRate]:
    return list(session.scalars(select(FxRate).where(FxRate.firm_id == firm_id, FxRate.effective_from > at)
                                .order_by(FxRate.effective_from, FxRate.id)))


def fx_history(session, firm_id: int, currency: str) -> list[FxRate]:
    return list(session.scalars(select(FxRate).where(FxRate.firm_id == firm_id, FxRate.currency == currency)
                                .options(selectinload(FxRate.created_by))
                                .order_by(FxRate.effective_from.desc(), FxRate.id.desc())))


def states(history: list[DiscountRate] | list[FxRate], at: datetime) -> dict[int, EntryState]:
    """Each entry of one key's history (latest first, as the reads above give it) at `at`."""
    found, in_force_seen, moments = {}, False, set()
    for row in history:
        if row.effective_from in moments:
            found[row.id] = EntryState.SUPERSEDED      # a later entry for the same moment replaced it
        elif row.effective_from > at:
            found[row.id] = EntryState.SCHEDULED
        elif not in_force_seen:
            found[row.id], in_force_seen = EntryState.IN_FORCE, True
        else:
            found[row.id] = EntryState.SUPERSEDED
        moments.add(row.effective_from)
    return found
