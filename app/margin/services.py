"""The risk staff's changes to the firm's margin tables (seed 003). Entries are only added: a new
entry supersedes its key's previous one from its `effective_from`, which is now or later, never
in the past (the broker's rates apply from the moment the system shows them). Services flush;
the request commits. Every entry is in the audit trail."""
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from app.audit.services import record
from app.auth.models import Organisation, User
from app.brokerage.models import Venue
from app.domain.margin import T_PLUS_FLOOR
from app.margin.models import FOREIGN_CURRENCIES, MONEY, DiscountRate, FxRate, MarginCategory, RateKey
from app.refusals import Refusal
from app.venues import reads as venue_reads
from app.venues.services import checked_code

# Seed 003: the minimal discount rate of marginal T+ instruments; every instrument the cabinet
# trades settles T+n, so the floor holds for every marginal instrument entry (not for money).
MIN_MARGINAL_RATE = T_PLUS_FLOOR
HUNDRED = Decimal(100)
RATE_PLACES = Decimal("0.01")
FX_PLACES = Decimal("0.0001")
MAX_FX_RATE = Decimal(10) ** 8
# A moment typed this little before now (a form left open a while) means now.
PAST_SLACK = timedelta(minutes=15)
MAX_AHEAD = timedelta(days=366)
BASE_CURRENCY = "KZT"


class MarginError(Refusal):
    """A margin table entry refused; `field` names the input."""


@dataclass(frozen=True)
class RateEntry:
    """What the risk staff give for one discount rate. `venue` is kase, aix, international or
    `money` (then `code` is a foreign currency); `effective_from` None means now."""
    category: str
    venue: str
    code: str
    long_rate: Decimal | None
    short_rate: Decimal | None
    marginal: bool
    shortable: bool = False
    effective_from: datetime | None = None


@dataclass(frozen=True)
class FxEntry:
    """Tenge for one unit of `currency`, from `effective_from` (None: now)."""
    currency: str
    rate: Decimal | None
    effective_from: datetime | None = None


def add_rate(session, firm: Organisation, entry: RateEntry, by: User, at: datetime) -> DiscountRate:
    """A new discount rate entry for the firm; it supersedes the key's entry in force from its
    `effective_from`. Seed 003: a marginal instrument's rates are at least 25; only a marginal
    entry may be shortable."""
    category = checked_category(entry.category)
    key = checked_key(session, firm.id, entry.venue, entry.code)
    long_rate = checked_rate(entry.long_rate, "long_rate")
    short_rate = checked_rate(entry.short_rate, "short_rate")
    marginal, shortable = bool(entry.marginal), bool(entry.shortable)
    if shortable and not marginal:
        raise MarginError(_l("Only an entry on the marginal list may be shorted: tick Marginal as well."),
                          "shortable", "shortable_needs_marginal")
    if marginal and key.venue is not None:
        _check_floor(long_rate, short_rate)
    rate = DiscountRate(firm_id=firm.id, category=category, venue=key.venue, code=key.code, long_rate=long_rate,
                        short_rate=short_rate, marginal=marginal, shortable=shortable,
                        effective_from=checked_effective_from(entry.effective_from, at), created_by_id=by.id,
                        created_at=at)
    session.add(rate)
    session.flush()
    record(session, "margin_rate.added", "margin_discount_rate", rate.id, None, rate_snapshot(rate))
    return rate


def add_fx_rate(session, firm: Organisation, entry: FxEntry, by: User, at: datetime) -> FxRate:
    """A new FX entry for the firm; it supersedes the currency's rate in force from its `effective_from`."""
    currency = checked_currency(entry.currency, "currency")
    fx = FxRate(firm_id=firm.id, currency=currency, rate=checked_fx_rate(entry.rate),
                effective_from=checked_effective_from(entry.effective_from, at), created_by_id=by.id, created_at=at)
    session.add(fx)
    session.flush()
    record(session, "margin_fx_rate.added", "margin_fx_rate", fx.id, None, fx_snapshot(fx))
    return fx


def _check_floor(long_rate: Decimal, short_rate: Decimal) -> None:
    floor = f"{MIN_MARGINAL_RATE}\u00a0%"
    if long_rate < MIN_MARGINAL_RATE:
        raise MarginError(_l("The long rate of a marginal instrument is at least %(floor)s: the minimal discount "
                             "rate of marginal T+ instruments.", floor=floor), "long_rate", "below_minimal_rate")
    if short_rate < MIN_MARGINAL_RATE:
        raise MarginError(_l("The short rate of a marginal instrument is at least %(floor)s: the minimal discount "
                             "rate of marginal T+ instruments.", floor=floor), "short_rate", "below_minimal_rate")


def checked_category(value: str | None) -> str:
    if value not in set(MarginCategory):
        raise MarginError(_l("Choose the client category: standard or special risk."), "category", "invalid_category")
    return str(value)


def checked_key(session, firm_id: int, venue: str | None, code: str | None) -> RateKey:
    """An instrument the firm's clients may hold (a KASE code of the desk, the firm's active AIX or
    international instrument), or a foreign currency for money."""
    venue = (venue or "").strip().lower()
    if venue == MONEY:
        return RateKey(None, checked_currency(code, "code"))
    if venue not in set(Venue):
        raise MarginError(_l("Choose KASE, AIX, International or money."), "venue", "invalid_venue")
    try:
        code = checked_code(code)
    except Refusal as error:
        raise MarginError(error.message, "code", "invalid_code") from error
    if not venue_reads.is_listed(session, firm_id, venue, code):
        raise MarginError(_l("There is no such instrument on this market."), "code", "unknown_instrument")
    return RateKey(venue, code)


def checked_currency(value: str | None, field: str) -> str:
    currency = (value or "").strip().upper()
    if currency == BASE_CURRENCY:
        raise MarginError(_l("Tenge is the base currency: it has no rate of its own."), field, "base_currency")
    if currency not in FOREIGN_CURRENCIES:
        raise MarginError(_l("Choose one of the currencies %(currencies)s.", currencies=", ".join(FOREIGN_CURRENCIES)),
                          field, "unknown_currency")
    return currency


def checked_rate(value: Decimal | None, field: str) -> Decimal:
    """Per cent, 0 to 100, to 0.01; more places are refused, never rounded."""
    if (not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value <= HUNDRED
            or value != value.quantize(RATE_PLACES)):
        raise MarginError(_l("A rate is from 0 to 100 with at most 2 decimal places."), field, "invalid_rate")
    return value.quantize(RATE_PLACES)


def checked_fx_rate(value: Decimal | None) -> Decimal:
    if (not isinstance(value, Decimal) or not value.is_finite() or not 0 < value < MAX_FX_RATE
            or value != value.quantize(FX_PLACES)):
        raise MarginError(_l("The rate is tenge for one unit of the currency: above zero, at most 4 decimal places."),
                          "rate", "invalid_rate")
    return value.quantize(FX_PLACES)


def checked_effective_from(value: datetime | None, at: datetime) -> datetime:
    """Now (None, or a moment at most PAST_SLACK ago) or a later moment, at most a year ahead."""
    if value is None:
        return at
    try:
        moment = value.astimezone(UTC) if value.tzinfo is not None else None
    except OverflowError:
        moment = None
    if moment is None:
        raise MarginError(_l("Give the date and time the rate applies from."), "effective_from", "invalid_time")
    if moment < at - PAST_SLACK:
        raise MarginError(_l("A rate cannot apply in the past: choose now or a later moment."), "effective_from",
                          "effective_in_past")
    if moment > at + MAX_AHEAD:
        raise MarginError(_l("A rate may be set at most a year ahead."), "effective_from", "effective_too_far")
    return max(moment, at)


def rate_snapshot(rate: DiscountRate) -> dict:
    return {"firm_id": rate.firm_id, "category": rate.category, "venue": rate.venue or MONEY, "code": rate.code,
            "long_rate": str(rate.long_rate), "short_rate": str(rate.short_rate), "marginal": rate.marginal,
            "shortable": rate.shortable, "effective_from": rate.effective_from.isoformat()}


def fx_snapshot(fx: FxRate) -> dict:
    return {"firm_id": fx.firm_id, "currency": fx.currency, "rate": str(fx.rate),
            "effective_from": fx.effective_from.isoformat()}
