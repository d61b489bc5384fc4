"""What the back office and the client read of the venues: a firm sees only its own list,
a client its broker's active instruments and the desk's own market."""
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select

from app.brokerage.models import BrokerClient, Venue
from app.clock.services import now
from app.domain.client_orders import settlement_code
from app.secondary.models import LIVE, TRADED, Instrument, MarketOrder, MarketTrade, ReferencePrice
from app.secondary.trading import services as market
from app.venues.models import VenueInstrument, VenueQuote, WatchedInstrument

MARKETS = (Venue.KASE, Venue.AIX, Venue.INTERNATIONAL)
HUNDRED = Decimal(100)
PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class SearchRow:
    venue: str
    code: str
    name: str
    currency: str


@dataclass(frozen=True)
class QuoteRow:
    venue: str
    code: str
    name: str
    currency: str
    bid: Decimal | None
    ask: Decimal | None
    last: Decimal | None
    change: Decimal | None          # % against the reference price (KASE) or the previous quote
    quoted_at: datetime | None      # the venue's time; for KASE the book's last change
    age: timedelta | None


def instrument(session, firm_id: int, venue: str, code: str) -> VenueInstrument | None:
    return session.scalar(select(VenueInstrument).where(VenueInstrument.firm_id == firm_id,
                                                        VenueInstrument.venue == venue, VenueInstrument.code == code))


def firm_instrument(session, firm_id: int, instrument_id: int) -> VenueInstrument | None:
    """The instrument, if it is that firm's (another firm's does not exist for it)."""
    found = session.get(VenueInstrument, instrument_id)
    return found if found is not None and found.firm_id == firm_id else None


def firm_instruments(session, firm_id: int, active_only: bool = False) -> list[VenueInstrument]:
    query = select(VenueInstrument).where(VenueInstrument.firm_id == firm_id)
    if active_only:
        query = query.where(VenueInstrument.is_active.is_(True))
    return list(session.scalars(query.order_by(VenueInstrument.venue, VenueInstrument.code)))


def is_listed(session, firm_id: int, venue: str, code: str) -> bool:
    """A KASE code is the desk's instrument; an external one the firm's active instrument there."""
    if venue == Venue.KASE:
        return session.scalar(select(Instrument.id).where(Instrument.code == code)) is not None
    return session.scalar(select(VenueInstrument.id).where(
        VenueInstrument.firm_id == firm_id, VenueInstrument.venue == venue, VenueInstrument.code == code,
        VenueInstrument.is_active.is_(True))) is not None


def latest_quotes(session, instrument_ids: list[int]) -> dict[int, VenueQuote]:
    """Each instrument's newest quote by the venue's time (one query)."""
    return {key: quotes[0] for key, quotes in recent_quotes(session, instrument_ids, 1).items()}


def recent_quotes(session, instrument_ids: list[int], depth: int = 2) -> dict[int, list[VenueQuote]]:
    """Each instrument's `depth` newest quotes, newest first (one query)."""
    if not instrument_ids:
        return {}
    rank = func.row_number().over(partition_by=VenueQuote.instrument_id,
                                  order_by=(VenueQuote.quoted_at.desc(), VenueQuote.id.desc())).label("rank")
    ranked = select(VenueQuote.id, rank).where(VenueQuote.instrument_id.in_(instrument_ids)).subquery()
    query = (select(VenueQuote).join(ranked, ranked.c.id == VenueQuote.id).where(ranked.c.rank <= depth)
             .order_by(VenueQuote.instrument_id, ranked.c.rank))
    found: dict[int, list[VenueQuote]] = {}
    for quote in session.scalars(query):
        found.setdefault(quote.instrument_id, []).append(quote)
    return found


def search(session, firm_id: int, text: str, limit: int = 20) -> list[SearchRow]:
    """The desk's instruments and the firm's active external ones whose code or name holds `text`."""
    text = (text or "").strip()
    if not text:
        return []
    if not text.isascii():
        return _casefold_search(session, firm_id, text, limit)
    like = f"%{_escaped(text)}%"
    kase = session.scalars(select(Instrument).where(or_(Instrument.code.ilike(like, escape="\\"),
                                                        Instrument.name.ilike(like, escape="\\")))
                           .order_by(Instrument.code).limit(limit))
    rows = [SearchRow(Venue.KASE, item.code, item.name, item.currency) for item in kase]
    external = session.scalars(select(VenueInstrument).where(
        VenueInstrument.firm_id == firm_id, VenueInstrument.is_active.is_(True),
        or_(VenueInstrument.code.ilike(like, escape="\\"), VenueInstrument.name.ilike(like, escape="\\")))
        .order_by(VenueInstrument.venue, VenueInstrument.code).limit(limit))
    rows += [SearchRow(item.venue, item.code, item.name, item.currency) for item in external]
    return rows[:limit]


def _holds(row: SearchRow, text: str) -> bool:
    folded = text.casefold()
    return folded in row.code.casefold() or folded in row.name.casefold()


def _casefold_search(session, firm_id: int, text: str, limit: int) -> list[SearchRow]:
    """Non-ASCII text (Cyrillic names): SQLite's ILIKE folds only ASCII, so the (short) lists
    are compared in Python, the same on every database."""
    rows = [SearchRow(Venue.KASE, item.code, item.name, item.currency)
            for item in session.scalars(select(Instrument).order_by(Instrument.code))]
    rows += [SearchRow(item.venue, item.code, item.name, item.currency)
             for item in firm_instruments(session, firm_id, active_only=True)]
    return [row for row in rows if _holds(row, text)][:limit]


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def watchlist(session, client: BrokerClient) -> list[WatchedInstrument]:
    return list(session.scalars(select(WatchedInstrument).where(WatchedInstrument.client_id == client.id)
                                .order_by(WatchedInstrument.venue, WatchedInstrument.code)))


def kase_prices(session, codes: list[str]) -> dict[str, tuple[Instrument, Decimal | None]]:
    """The latest reference price of each instrument on the desk's market (one query each way)."""
    if not codes:
        return {}
    instruments = {item.id: item for item in session.scalars(select(Instrument).where(Instrument.code.in_(codes)))}
    latest = {}
    for row in session.scalars(select(ReferencePrice).where(ReferencePrice.instrument_id.in_(instruments))
                               .order_by(ReferencePrice.trading_day)):
        latest[row.instrument_id] = row.price
    return {item.code: (item, latest.get(item.id)) for item in instruments.values()}


def valuation_prices(session, firm_id: int, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Decimal]:
    """The price a holding is valued at: KASE's latest reference price; an external venue's
    latest quote's last, else the middle of its bid and ask. Pairs with no price are left out."""
    prices: dict[tuple[str, str], Decimal] = {}
    kase = kase_prices(session, [code for venue, code in pairs if venue == Venue.KASE])
    for code, (_instrument, price) in kase.items():
        if price is not None:
            prices[(Venue.KASE, code)] = price
    external = external_instruments(session, firm_id, [pair for pair in pairs if pair[0] != Venue.KASE])
    latest = latest_quotes(session, [item.id for item in external.values()])
    for key, item in external.items():
        price = quote_price(latest.get(item.id))
        if price is not None:
            prices[key] = price
    return prices


def quote_price(quote: VenueQuote | None) -> Decimal | None:
    """A quote's price for valuing a holding: its last, else the middle of its bid and ask."""
    if quote is None:
        return None
    if quote.last is not None:
        return quote.last
    if quote.bid is not None and quote.ask is not None:
        return ((quote.bid + quote.ask) / 2).quantize(PLACES)
    return None


def external_instruments(session, firm_id: int, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], VenueInstrument]:
    if not pairs:
        return {}
    codes = {code for _venue, code in pairs}
    query = select(VenueInstrument).where(VenueInstrument.firm_id == firm_id, VenueInstrument.code.in_(codes))
    wanted = set(pairs)
    return {(item.venue, item.code): item for item in session.scalars(query) if (item.venue, item.code) in wanted}


# -- the quotes blocks on the client's Home ---------------------------------------------------

def quote_blocks(session, client: BrokerClient) -> dict[str, list[QuoteRow]]:
    """The client's list, one block per market (KASE, AIX, International), each row quoted."""
    at = now()
    watched = watchlist(session, client)
    blocks: dict[str, list[QuoteRow]] = {venue: [] for venue in MARKETS}
    kase_codes = [row.code for row in watched if row.venue == Venue.KASE]
    kase = _kase_rows(session, kase_codes, at) if kase_codes else {}
    external = _external_rows(session, client.firm_id, [(row.venue, row.code) for row in watched
                                                        if row.venue != Venue.KASE], at)
    for row in watched:
        quote = kase.get(row.code) if row.venue == Venue.KASE else external.get((row.venue, row.code))
        if row.venue in blocks:
            blocks[row.venue].append(quote or QuoteRow(row.venue, row.code, "", "", None, None, None, None, None, None))
    return blocks


def _external_rows(session, firm_id: int, pairs: list[tuple[str, str]], at: datetime) -> dict:
    instruments = external_instruments(session, firm_id, pairs)
    recent = recent_quotes(session, [item.id for item in instruments.values()])
    rows = {}
    for key, item in instruments.items():
        quotes = recent.get(item.id, [])
        newest = quotes[0] if quotes else None
        rows[key] = QuoteRow(item.venue, item.code, item.name, item.currency,
                             newest.bid if newest else None, newest.ask if newest else None,
                             newest.last if newest else None, _change(quotes),
                             newest.quoted_at if newest else None, _age(newest.quoted_at, at) if newest else None)
    return rows


def _change(quotes: list[VenueQuote]) -> Decimal | None:
    if len(quotes) < 2 or quotes[0].last is None or not quotes[1].last:
        return None
    return ((quotes[0].last - quotes[1].last) / quotes[1].last * HUNDRED).quantize(Decimal("0.01"))


def _kase_rows(session, codes: list[str], at: datetime) -> dict[str, QuoteRow]:
    """The matcher's best bid and ask and the day's last trade in the book a client's order goes
    to (T+2 where the instrument trades it)."""
    day = market.market_day(session)
    books: dict[str, list] = {}
    for quote in market.quotes(session, day):
        if quote.instrument.code in codes:
            books.setdefault(quote.instrument.code, []).append(quote)
    changed = _book_changes(session, [books[code][0].instrument.id for code in books], day)
    rows = {}
    for code, quotes in books.items():
        clients = settlement_code(quotes[0].instrument.settlement_codes)
        quote = next((q for q in quotes if q.code == clients), quotes[0])
        moment = changed.get(quote.instrument.id)
        rows[code] = QuoteRow(Venue.KASE, code, quote.instrument.name, quote.instrument.currency, quote.bid,
                              quote.ask, quote.last, quote.change, moment, _age(moment, at) if moment else None)
    return rows


def _book_changes(session, instrument_ids: list[int], day) -> dict[int, datetime]:
    """When each instrument's book last changed: its newest live order or today's newest trade."""
    if not instrument_ids:
        return {}
    orders = session.execute(select(MarketOrder.instrument_id, func.max(MarketOrder.updated_at))
                             .where(MarketOrder.instrument_id.in_(instrument_ids), MarketOrder.status.in_(LIVE),
                                    MarketOrder.board == "book")
                             .group_by(MarketOrder.instrument_id)).all()
    trades = session.execute(select(MarketTrade.instrument_id, func.max(MarketTrade.traded_at))
                             .where(MarketTrade.instrument_id.in_(instrument_ids), MarketTrade.trade_day == day,
                                    MarketTrade.kind.in_(TRADED))
                             .group_by(MarketTrade.instrument_id)).all()
    latest: dict[int, datetime] = {}
    for instrument_id, moment in [*orders, *trades]:
        moment = _aware(moment)
        if moment is not None and (instrument_id not in latest or moment > latest[instrument_id]):
            latest[instrument_id] = moment
    return latest


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite may answer an aggregate of times naive: they are UTC."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _age(moment: datetime, at: datetime) -> timedelta:
    return max(at - moment, timedelta(0))
