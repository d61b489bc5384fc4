"""The back office's changes to its venues' instruments and quotes, and the client's own list.
Services flush; the request commits. A quote file or push is stored whole or not at all."""
import csv
import io
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import object_session

from app.audit.services import record
from app.auth.models import Organisation, User
from app.brokerage.models import BrokerClient, Currency, Venue
from app.calendar.services import business_calendar
from app.domain.calendar import from_almaty_wall_clock
from app.extensions import db
from app.refusals import Refusal
from app.venues import reads
from app.venues.models import CODE_LENGTH, QuoteSource, VenueInstrument, VenueQuote, WatchedInstrument

EXTERNAL = (Venue.AIX, Venue.INTERNATIONAL)
CSV_HEADER = ("venue", "code", "bid", "ask", "last", "time")
PRICE_FIELDS = ("bid", "ask", "last")
MAX_PRICE = Decimal(10) ** 12
MAX_QUOTES = 5000            # one load; a venue's whole list fits many times over
MAX_PROBLEMS = 50
FUTURE_SLACK = timedelta(minutes=5)   # the venue's clock may run a little ahead of ours
MAX_SETTLEMENT_DAYS = 10
LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$")
CODE = re.compile(r"^[A-Z0-9][A-Z0-9._-]*$")


class VenueError(Refusal):
    """`row_errors` (row, field, message) when a quote load is refused, for the API's details."""
    row_errors: list[tuple[int, str, object]] = []


@dataclass(frozen=True)
class InstrumentEntry:
    """What the back office types for an instrument of an external venue."""
    venue: str
    code: str
    name: str
    currency: str
    lot_size: int
    price_step: Decimal
    settlement_days: int = 2


@dataclass(frozen=True)
class QuoteLine:
    instrument: VenueInstrument
    bid: Decimal | None
    ask: Decimal | None
    last: Decimal | None
    quoted_at: datetime


# -- instruments ------------------------------------------------------------------------------

def add_instrument(session, firm: Organisation, entry: InstrumentEntry, by: User, at: datetime) -> VenueInstrument:
    entry = checked_entry(entry)
    taken = session.scalar(select(VenueInstrument.id).where(VenueInstrument.firm_id == firm.id,
                                                            VenueInstrument.venue == entry.venue,
                                                            VenueInstrument.code == entry.code))
    if taken:
        raise VenueError(_l("The firm already lists an instrument with this code on this venue."), "code", "duplicate")
    instrument = VenueInstrument(firm_id=firm.id, is_active=True, created_at=at, **asdict(entry))
    session.add(instrument)
    session.flush()
    record(session, "venue_instrument.added", "venue_instrument", instrument.id, None, snapshot(instrument))
    return instrument


def edit_instrument(session, instrument: VenueInstrument, entry: InstrumentEntry, by: User,
                    at: datetime) -> VenueInstrument:
    """Name, currency, lot, step and settlement; the venue and the code name the instrument and stay."""
    entry = checked_entry(InstrumentEntry(instrument.venue, instrument.code, entry.name, entry.currency,
                                          entry.lot_size, entry.price_step, entry.settlement_days))
    before = snapshot(instrument)
    for name, value in asdict(entry).items():
        setattr(instrument, name, value)
    session.flush()
    record(session, "venue_instrument.edited", "venue_instrument", instrument.id, before, snapshot(instrument))
    return instrument


def deactivate_instrument(session, instrument: VenueInstrument, by: User, at: datetime) -> VenueInstrument:
    """Off the lists and the quote loads; its history stays."""
    if instrument.is_active:
        before = snapshot(instrument)
        instrument.is_active = False
        session.flush()
        record(session, "venue_instrument.deactivated", "venue_instrument", instrument.id, before,
               snapshot(instrument))
    return instrument


def checked_entry(entry: InstrumentEntry) -> InstrumentEntry:
    venue = (entry.venue or "").strip().lower()
    if venue not in EXTERNAL:
        raise VenueError(_l("Choose AIX or International."), "venue")
    name = (entry.name or "").strip()
    if not name or len(name) > 200:
        raise VenueError(_l("Enter the instrument's name (up to 200 characters)."), "name")
    if entry.currency not in set(Currency):
        raise VenueError(_l("Choose KZT or USD."), "currency")
    if not isinstance(entry.lot_size, int) or not 1 <= entry.lot_size <= 1_000_000:
        raise VenueError(_l("A lot is a whole number of pieces from 1 to 1,000,000."), "lot_size")
    step = entry.price_step
    if step is None or not step.is_finite() or step <= 0 or step >= MAX_PRICE or step != step.quantize(Decimal("0.0001")):
        raise VenueError(_l("The price step is above zero with at most 4 decimal places."), "price_step")
    if not isinstance(entry.settlement_days, int) or not 0 <= entry.settlement_days <= MAX_SETTLEMENT_DAYS:
        raise VenueError(_l("Settlement is T+0 to T+10 business days."), "settlement_days")
    return InstrumentEntry(venue, checked_code(entry.code), name, entry.currency, entry.lot_size, step,
                           entry.settlement_days)


def checked_code(value: str | None) -> str:
    code = (value or "").strip().upper()
    if not code or len(code) > CODE_LENGTH or not CODE.match(code):
        raise VenueError(_l("Enter the instrument's code: up to 20 Latin letters, digits, dots or dashes."), "code")
    return code


def snapshot(instrument: VenueInstrument) -> dict:
    return {"firm_id": instrument.firm_id, "venue": instrument.venue, "code": instrument.code,
            "name": instrument.name, "currency": instrument.currency, "lot_size": instrument.lot_size,
            "price_step": str(instrument.price_step), "settlement_days": instrument.settlement_days,
            "is_active": instrument.is_active}


def settlement_date(instrument: VenueInstrument, trade_day: date) -> date:
    """T+n: `settlement_days` business days of the desk's calendar after the trade day."""
    session = object_session(instrument) or db.session
    return business_calendar(session, trade_day.year).business_days_after(trade_day, instrument.settlement_days)


# -- quotes -----------------------------------------------------------------------------------

def load_quotes_csv(session, firm: Organisation, data: bytes, by: User, at: datetime) -> int:
    """A CSV `venue,code,bid,ask,last,time`; rows are named by their line in the file."""
    rows = read_csv(data)
    return _store(session, firm, rows, by, at, QuoteSource.CSV)


def push_quotes(session, firm: Organisation, rows: list[dict], by: User, at: datetime) -> int:
    """The API's quotes, numbered from 1 in the order sent."""
    return _store(session, firm, list(enumerate(rows, start=1)), by, at, QuoteSource.API)


def read_csv(data: bytes) -> list[tuple[int, dict]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise VenueError(_l("Send the file in UTF-8."), "file", "invalid_file") from error
    if "\x00" in text:
        raise VenueError(_l("This is not a CSV text file."), "file", "invalid_file")
    delimiter = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    lines = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip().lower() for name in next(lines, [])]
    if tuple(header) != CSV_HEADER:
        raise VenueError(_l("The first line must be the header: venue,code,bid,ask,last,time."), "file", "invalid_file")
    rows = []
    for values in lines:
        if not any(value.strip() for value in values):
            continue
        rows.append((lines.line_num, dict(zip(CSV_HEADER, values + [""] * (len(CSV_HEADER) - len(values)),
                                              strict=False)) if len(values) <= len(CSV_HEADER) else None))
    return rows


def _store(session, firm: Organisation, rows: list[tuple[int, dict | None]], by: User, at: datetime,
           source: str) -> int:
    if not rows:
        raise VenueError(_l("There are no quotes to load."), "quotes", "no_quotes")
    if len(rows) > MAX_QUOTES:
        raise VenueError(_l("At most %(count)s quotes in one load.", count=MAX_QUOTES), "quotes", "too_many_quotes")
    known = _firm_instruments(session, firm.id)
    lines, row_errors = [], []
    for number, row in rows:
        try:
            lines.append(_quote_line(row, known, at))
        except VenueError as error:
            row_errors.append((number, error.field, error.message))
            if len(row_errors) >= MAX_PROBLEMS:
                break
    if row_errors:
        refused = VenueError(_l("Nothing was loaded: %(count)s row(s) have problems.", count=len(row_errors)),
                             "quotes", "invalid_quotes",
                             problems=[(number, _l("row %(row)s, %(field)s: %(message)s", row=number, field=field,
                                                   message=message)) for number, field, message in row_errors])
        refused.row_errors = row_errors
        raise refused
    session.add_all(VenueQuote(instrument_id=line.instrument.id, bid=line.bid, ask=line.ask, last=line.last,
                               quoted_at=line.quoted_at, loaded_at=at, loaded_by_id=by.id, source=source)
                    for line in lines)
    session.flush()
    record(session, "venue_quotes.loaded", "organisation", firm.id, None, {"quotes": len(lines), "source": source})
    return len(lines)


def _firm_instruments(session, firm_id: int) -> dict[tuple[str, str], VenueInstrument]:
    query = select(VenueInstrument).where(VenueInstrument.firm_id == firm_id, VenueInstrument.is_active.is_(True))
    return {(item.venue, item.code): item for item in session.scalars(query)}


def _quote_line(row: dict | None, known: dict, at: datetime) -> QuoteLine:
    if not isinstance(row, dict):
        raise VenueError(_l("expected the six columns venue,code,bid,ask,last,time"), "row")
    venue = _text(row.get("venue")).lower()
    if venue not in EXTERNAL:
        raise VenueError(_l("the venue is aix or international"), "venue")
    code = _text(row.get("code")).upper()
    instrument = known.get((venue, code))
    if instrument is None:
        raise VenueError(_l("the firm lists no active instrument %(code)s on this venue", code=code[:CODE_LENGTH]),
                         "code")
    prices = {name: _price(row.get(name), name, instrument.price_step) for name in PRICE_FIELDS}
    if all(value is None for value in prices.values()):
        raise VenueError(_l("give at least one of bid, ask and last"), "bid")
    if prices["bid"] is not None and prices["ask"] is not None and prices["bid"] > prices["ask"]:
        raise VenueError(_l("the bid is above the ask"), "bid")
    return QuoteLine(instrument, **prices, quoted_at=_quoted_at(row.get("time"), at))


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _price(value, field: str, step: Decimal) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\d{1,12}([.,]\d{1,12})?", value.strip()):
        number = Decimal(value.strip().replace(",", "."))
    else:
        raise VenueError(_l("not a price: digits with a dot or a comma, e.g. 12.34"), field)
    try:
        off_step = number % step != 0
    except InvalidOperation:
        off_step = True
    if not number.is_finite() or number <= 0 or number >= MAX_PRICE:
        raise VenueError(_l("a price is above zero"), field)
    if off_step:
        raise VenueError(_l("%(price)s is not on the instrument's price step %(step)s", price=number, step=step), field)
    return number


def _quoted_at(value, at: datetime) -> datetime:
    moment = value if isinstance(value, datetime) else _parse_time(_text(value))
    if moment.tzinfo is None:
        raise VenueError(_l("give the time with its offset, e.g. 2026-12-07T15:30:00+05:00"), "time")
    if moment > at + FUTURE_SLACK:
        raise VenueError(_l("the quote's time is in the future"), "time")
    return moment


def _parse_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text) if text else None
    except ValueError:
        moment = None
    if moment is None or not 2000 <= moment.year <= 2100:
        raise VenueError(_l("not a time: ISO 8601 with an offset, or Almaty time as YYYY-MM-DD HH:MM"), "time")
    if moment.tzinfo is None and LOCAL_TIME.match(text):
        return from_almaty_wall_clock(moment)
    return moment


# -- the client's own list --------------------------------------------------------------------

def watch(session, client: BrokerClient, venue: str, code: str, at: datetime) -> WatchedInstrument:
    """Onto the client's list (again: nothing changes). KASE codes are the desk's instruments;
    external ones the client's broker's active instruments."""
    venue, code = (venue or "").strip().lower(), (code or "").strip().upper()
    _check_listed(session, client.firm_id, venue, code)
    found = _watched(session, client, venue, code)
    if found is not None:
        return found
    watched = WatchedInstrument(client_id=client.id, venue=venue, code=code, added_at=at)
    session.add(watched)
    session.flush()
    record(session, "watchlist.added", "broker_client", client.id, None, {"venue": venue, "code": code})
    return watched


def unwatch(session, client: BrokerClient, venue: str, code: str, at: datetime) -> bool:
    """Off the client's list; False when it was not on it."""
    found = _watched(session, client, (venue or "").strip().lower(), (code or "").strip().upper())
    if found is None:
        return False
    session.delete(found)
    session.flush()
    record(session, "watchlist.removed", "broker_client", client.id, {"venue": found.venue, "code": found.code}, None)
    return True


def _watched(session, client: BrokerClient, venue: str, code: str) -> WatchedInstrument | None:
    return session.scalar(select(WatchedInstrument).where(WatchedInstrument.client_id == client.id,
                                                          WatchedInstrument.venue == venue,
                                                          WatchedInstrument.code == code))


def _check_listed(session, firm_id: int, venue: str, code: str) -> None:
    if venue != Venue.KASE and venue not in EXTERNAL:
        raise VenueError(_l("Choose KASE, AIX or International."), "venue")
    if not reads.is_listed(session, firm_id, venue, code):
        raise VenueError(_l("There is no such instrument on this market."), "code", "unknown_instrument")
