"""JSON API of the venues: the back office's instruments and quote pushes under
/api/v1/brokerage; the client's search, own list and quotes under /api/v1/cabinet.
Another firm's instruments do not exist for a caller: a quote for one is refused by row."""
from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Integer, List, Nested, String
from apiflask.validators import Length, OneOf
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.api.errors import ApiError, refusals
from app.api.fields import AwareDateTime, DecimalString
from app.auth.access import roles_required
from app.auth.roles import Role
from app.brokerage.models import Venue
from app.cabinet.loaders import api_client
from app.clock.services import now
from app.extensions import db
from app.venues import reads, services

bp = APIBlueprint("venues_api", __name__, url_prefix="/api/v1/brokerage", tag="Venues")
cabinet_bp = APIBlueprint("cabinet_instruments_api", __name__, url_prefix="/api/v1/cabinet", tag="Cabinet instruments")
MARKETS = [str(venue) for venue in Venue]
EXTERNAL = [str(venue) for venue in services.EXTERNAL]
PRICE_TEXT = {"description": "A decimal string on the instrument's price step; null or left out when not quoted.",
              "example": "12.34"}


class VenueQuoteIn(Schema):
    venue = String(required=True, validate=OneOf(EXTERNAL, error=_l("Choose aix or international.")))
    code = String(required=True, validate=Length(min=1, max=20))
    bid = String(load_default=None, allow_none=True, validate=Length(max=40), metadata=PRICE_TEXT)
    ask = String(load_default=None, allow_none=True, validate=Length(max=40), metadata=PRICE_TEXT)
    last = String(load_default=None, allow_none=True, validate=Length(max=40), metadata=PRICE_TEXT)
    time = String(required=True, validate=Length(max=40), metadata={
        "description": "The venue's time of the quote: ISO 8601 with an offset.", "example": "2026-12-07T15:30:00+05:00"})


class VenueQuotesIn(Schema):
    quotes = List(Nested(VenueQuoteIn), required=True, validate=Length(
        min=1, max=services.MAX_QUOTES, error=_l("Send from {min} to {max} quotes.")))


class QuotesLoadedOut(Schema):
    loaded = Integer(required=True)


class VenueQuoteOut(Schema):
    bid = DecimalString(4, allow_none=True)
    ask = DecimalString(4, allow_none=True)
    last = DecimalString(4, allow_none=True)
    quoted_at = AwareDateTime()
    source = String()


class VenueInstrumentOut(Schema):
    id = Integer()
    venue = String(metadata={"enum": EXTERNAL})
    code = String()
    name = String()
    currency = String()
    lot_size = Integer()
    price_step = DecimalString(4)
    settlement_days = Integer(metadata={"description": "T+n business days."})
    is_active = Boolean()
    latest_quote = Nested(VenueQuoteOut, allow_none=True)


class InstrumentSearchQuery(Schema):
    q = String(load_default="", validate=Length(max=100), metadata={"description": "Part of a code or name."})


class InstrumentFoundOut(Schema):
    venue = String(metadata={"enum": MARKETS})
    code = String()
    name = String()
    currency = String()


class WatchlistItemIn(Schema):
    venue = String(required=True, validate=OneOf(MARKETS, error=_l("Choose kase, aix or international.")))
    code = String(required=True, validate=Length(min=1, max=20))


class WatchlistItemOut(Schema):
    venue = String(metadata={"enum": MARKETS})
    code = String()
    added_at = AwareDateTime()


class WatchedQuoteOut(Schema):
    venue = String(metadata={"enum": MARKETS})
    code = String()
    name = String()
    currency = String()
    bid = DecimalString(4, allow_none=True)
    ask = DecimalString(4, allow_none=True)
    last = DecimalString(4, allow_none=True)
    change = DecimalString(2, signed=True, allow_none=True, metadata={"description": "% change, when known."})
    quoted_at = AwareDateTime(allow_none=True)
    age_seconds = Integer(allow_none=True)


class QuoteBlocksOut(Schema):
    kase = List(Nested(WatchedQuoteOut))
    aix = List(Nested(WatchedQuoteOut))
    international = List(Nested(WatchedQuoteOut))


# -- the back office --------------------------------------------------------------------------

@bp.post("/quotes")
@roles_required(Role.BROKER_OFFICE)
@bp.input(VenueQuotesIn, arg_name="data")
@bp.output(QuotesLoadedOut)
@bp.doc(responses={422: "Nothing stored (`invalid_quotes`): `details.json.quotes.<index>.<field>` gives each "
                         "refused quote's problems, the index counted from 0 as in a validation error"})
def push_quotes(data: dict):
    """Load quotes of the firm's AIX and international instruments, all or none"""
    try:
        loaded = services.push_quotes(db.session, current_user.organisation, data["quotes"], current_user, now())
    except services.VenueError as error:
        db.session.rollback()
        raise ApiError(422, error.code, str(error.message), {"json": {"quotes": by_row(error.row_errors)}}) from error
    return {"loaded": loaded}


def by_row(row_errors: list) -> dict:
    """Rows numbered from 1 by the service, keyed from 0 as marshmallow keys a list's items."""
    found: dict[str, dict[str, list[str]]] = {}
    for number, field, message in row_errors:
        found.setdefault(str(number - 1), {}).setdefault(field or "quotes", []).append(str(message))
    return found


@bp.get("/venues/instruments")
@roles_required(Role.BROKER_OFFICE)
@bp.output(VenueInstrumentOut(many=True))
def list_instruments():
    """The firm's instruments on the external venues, each with its latest quote"""
    listed = reads.firm_instruments(db.session, current_user.organisation_id)
    latest = reads.latest_quotes(db.session, [item.id for item in listed])
    return [{**services.snapshot(item), "id": item.id, "price_step": item.price_step,
             "latest_quote": latest.get(item.id)} for item in listed]


# -- the client -------------------------------------------------------------------------------



@cabinet_bp.get("/instruments/search")
@roles_required(Role.CLIENT)
@cabinet_bp.input(InstrumentSearchQuery, location="query", arg_name="query")
@cabinet_bp.output(InstrumentFoundOut(many=True))
@cabinet_bp.doc(responses={404: "This login has no brokerage agreement"})
def search_instruments(query: dict):
    """Instruments of KASE and of the broker's external venues whose code or name holds `q`"""
    client = api_client()
    return [row.__dict__ for row in reads.search(db.session, client.firm_id, query["q"])]


@cabinet_bp.get("/watchlist")
@roles_required(Role.CLIENT)
@cabinet_bp.output(WatchlistItemOut(many=True))
@cabinet_bp.doc(responses={404: "This login has no brokerage agreement"})
def get_watchlist():
    """The client's own list of instruments"""
    return reads.watchlist(db.session, api_client())


@cabinet_bp.post("/watchlist")
@roles_required(Role.CLIENT)
@cabinet_bp.input(WatchlistItemIn, arg_name="data")
@cabinet_bp.output(WatchlistItemOut, status_code=201)
@cabinet_bp.doc(responses={404: "This login has no brokerage agreement",
                           422: "No such instrument on that market (`unknown_instrument`)"})
def add_to_watchlist(data: dict):
    """Put an instrument on the client's list (again: the same row)"""
    client = api_client()
    with refusals():
        return services.watch(db.session, client, data["venue"], data["code"], now())


@cabinet_bp.delete("/watchlist")
@roles_required(Role.CLIENT)
@cabinet_bp.input(WatchlistItemIn, location="query", arg_name="query")
@cabinet_bp.output({}, status_code=204)
@cabinet_bp.doc(responses={404: "This login has no brokerage agreement, or the instrument is not on its list"})
def remove_from_watchlist(query: dict):
    """Take an instrument off the client's list"""
    client = api_client()
    if not services.unwatch(db.session, client, query["venue"], query["code"], now()):
        raise ApiError(404, "not_found", _("This instrument is not on your list."))
    return ""


@cabinet_bp.get("/quotes")
@roles_required(Role.CLIENT)
@cabinet_bp.output(QuoteBlocksOut)
@cabinet_bp.doc(responses={404: "This login has no brokerage agreement"})
def quotes():
    """The quotes of the client's list, one block per market, each with its time and age"""
    blocks = reads.quote_blocks(db.session, api_client())
    return {venue: [{**row.__dict__, "age_seconds": int(row.age.total_seconds()) if row.age else None}
                    for row in rows] for venue, rows in blocks.items()}
