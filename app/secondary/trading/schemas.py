"""Schemas of the secondary-market API (/api/v1/market): what comes in, what goes out.

Prices are decimal strings with 4 places (tenge per share, % of face value for bonds), money
with 2, positions as exact decimals (money, or a count of securities); quantities are whole
lots. Times are ISO 8601 in Almaty time, dates ISO.
"""
from apiflask import Schema
from apiflask.fields import Boolean, Date, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, validates_schema

from app.api.fields import AwareDateTime, BoundedInteger, DecimalString
from app.domain.market_rules import MAX_LOTS
from app.secondary.reference.services import SETTLEMENT_CODES

PRICE_PLACES, MONEY_PLACES, PERCENT_PLACES = 4, 2, 2
MAX_BATCH = 500
KEY_LENGTH = 80                 # the journal's idempotency_key column
CHOOSE = _l("Choose one of: {choices}.")
SIDES, TYPES = ("buy", "sell"), ("limit", "market")
ORDER_STATUSES = ("active", "partial", "filled", "cancelled", "expired", "killed", "offered", "rejected")
LIVE = "live"                   # the status filter for active, partial and offered together
LOTS = Range(min=1, max=MAX_LOTS, error=_l("Give a whole number of lots from {min} to {max}."))


def idempotency_key(value: str) -> None:
    if not value.strip() or len(value) > KEY_LENGTH:
        raise ValidationError(_("Use 1 to %(length)s characters, not only spaces.", length=KEY_LENGTH))


KEY_DESCRIPTION = ("Optional, 1–80 characters, unique per order of your firm. A repeat with the same "
                   "key places nothing and answers with the order first placed (`duplicate: true`).")


# --- in ------------------------------------------------------------------------------------------

class OrderIn(Schema):
    """A limit order has a price on the instrument's price step; a market order none (it fills
    what it can at once within the corridor; the rest is killed)."""

    account = BoundedInteger(required=True, strict=True, metadata={"description": "Your firm's trading account id."})
    instrument = BoundedInteger(required=True, strict=True, metadata={"description": "Instrument id (`/instruments`)."})
    settlement_code = String(required=True, validate=OneOf(SETTLEMENT_CODES, error=CHOOSE))
    side = String(required=True, validate=OneOf(SIDES, error=CHOOSE))
    type = String(required=True, validate=OneOf(TYPES, error=CHOOSE))
    price = DecimalString(PRICE_PLACES, allow_none=True, load_default=None,
                          metadata={"description": "Limit orders: per share in tenge, or % of face value."})
    lots = BoundedInteger(required=True, strict=True, validate=LOTS)
    client_code = String(allow_none=True, load_default=None, validate=Length(max=30), metadata={
        "description": "Required on an aggregated client account."})
    expires_on = Date(allow_none=True, load_default=None, metadata={
        "description": "Limit orders: valid through this day; the end of today's session when left out."})

    @validates_schema
    def priced_as_its_type(self, data: dict, **kwargs) -> None:
        if data.get("type") == "market" and data.get("price") is not None:
            raise ValidationError(_("A market order takes no price; send a limit order to name one."), "price")


class BatchOrderIn(OrderIn):
    idempotency_key = String(allow_none=True, load_default=None, validate=idempotency_key,
                             metadata={"description": KEY_DESCRIPTION})


class BatchIn(Schema):
    orders = List(Nested(BatchOrderIn), required=True, validate=Length(
        min=1, max=MAX_BATCH, error=_l("Send from {min} to {max} orders.")))


class OrderKeyHeaders(Schema):
    idempotency_key = String(data_key="Idempotency-Key", load_default=None, validate=idempotency_key,
                             metadata={"description": KEY_DESCRIPTION})


class AmendIn(Schema):
    """Only the fields sent change. A new price or more lots loses time priority; fewer lots keep it."""

    price = DecimalString(PRICE_PLACES, metadata={"description": "The new limit price."})
    lots = BoundedInteger(strict=True, validate=LOTS, metadata={"description": "The new remaining lots."})

    @validates_schema
    def changes_something(self, data: dict, **kwargs) -> None:
        if not data:
            raise ValidationError(_("Send the new price, the new lots, or both."), "price")


class OrdersQuery(Schema):
    status = String(load_default=None, validate=OneOf((LIVE, *ORDER_STATUSES), error=CHOOSE), metadata={
        "description": "`live` = active, partial or offered."})
    instrument = BoundedInteger(load_default=None, metadata={"description": "Instrument id."})


class TradesQuery(Schema):
    day = Date(load_default=None, metadata={"description": "Trade day; the current trading day when left out."})


class PositionsQuery(Schema):
    organisation = BoundedInteger(load_default=None, metadata={"description": "Staff only: one firm's id."})


# --- out -----------------------------------------------------------------------------------------

class InstrumentOut(Schema):
    id = Integer()
    code = String(metadata={"description": "Exchange trading code."})
    isin = String()
    name = String()
    kind = String(metadata={"description": "share or bond."})
    group = String()
    currency = String()
    face_value = DecimalString(MONEY_PLACES, allow_none=True)
    lot_size = Integer(metadata={"description": "Securities per lot."})
    price_step = DecimalString(PRICE_PLACES)
    price_subject = String(metadata={"description": "money (tenge per share), clean or dirty (% of face)."})
    settlement_codes = List(String(), metadata={"description": "T0 and/or T2 (T+2)."})
    corridor_percent = DecimalString(PERCENT_PLACES)
    halted = Boolean()
    halt_reason = String(allow_none=True)
    trading_day = Date(metadata={"description": "Today (Almaty): the day of the reference price."})
    reference_price = DecimalString(PRICE_PLACES, allow_none=True, metadata={
        "description": "None until the exchange enters it: no orders are taken without it."})
    corridor_low = DecimalString(PRICE_PLACES, allow_none=True, metadata={"description": "Lowest price allowed."})
    corridor_high = DecimalString(PRICE_PLACES, allow_none=True, metadata={"description": "Highest price allowed."})


class QuoteOut(Schema):
    instrument_id = Integer()
    instrument = String(metadata={"description": "Trading code."})
    settlement_code = String()
    bid = DecimalString(PRICE_PLACES, allow_none=True, metadata={"description": "Best buy price."})
    ask = DecimalString(PRICE_PLACES, allow_none=True, metadata={"description": "Best sell price."})
    last = DecimalString(PRICE_PLACES, allow_none=True, metadata={"description": "Last trade's price today."})
    reference = DecimalString(PRICE_PLACES, allow_none=True, metadata={"description": "Today's reference price."})
    change = DecimalString(PERCENT_PLACES, signed=True, allow_none=True,
                           metadata={"description": "Last against the reference, %."})
    lots = Integer(metadata={"description": "Lots traded today."})
    amount = DecimalString(MONEY_PLACES, metadata={"description": "Traded today, in the instrument's currency."})
    trades = Integer(metadata={"description": "Trades today."})


class DepthLevelOut(Schema):
    price = DecimalString(PRICE_PLACES)
    lots = Integer()
    orders = Integer()


class TapeOut(Schema):
    """A trade as everyone sees it: no firm, account or order."""

    id = Integer()
    price = DecimalString(PRICE_PLACES)
    lots = Integer()
    quantity = Integer(metadata={"description": "Securities."})
    amount = DecimalString(MONEY_PLACES)
    traded_at = AwareDateTime()


class BookOut(Schema):
    instrument_id = Integer()
    instrument = String()
    settlement_code = String()
    bids = List(Nested(DepthLevelOut), metadata={"description": "Up to 10 levels, best (highest) first."})
    asks = List(Nested(DepthLevelOut), metadata={"description": "Up to 10 levels, best (lowest) first."})
    trades = List(Nested(TapeOut), metadata={"description": "The last trades, latest first."})


class FillOut(Schema):
    trade_id = Integer()
    price = DecimalString(PRICE_PLACES)
    lots = Integer()
    quantity = Integer()
    amount = DecimalString(MONEY_PLACES, metadata={"description": "Accrued interest included for clean bond prices."})
    settles_on = Date()
    status = String(metadata={"description": "pending, settled, failed or cancelled."})
    traded_at = AwareDateTime()


class OrderOut(Schema):
    id = Integer()
    seq = Integer(metadata={"description": "Journal sequence number that placed the order."})
    account = Integer()
    account_code = String()
    instrument_id = Integer()
    instrument = String()
    settlement_code = String()
    board = String(metadata={"description": "book or direct."})
    side = String()
    type = String()
    price = DecimalString(PRICE_PLACES, allow_none=True)
    lots = Integer()
    remaining_lots = Integer()
    filled_lots = Integer()
    client_code = String(allow_none=True)
    expires_on = Date(allow_none=True)
    status = String(metadata={"enum": list(ORDER_STATUSES)})
    placed_at = AwareDateTime()
    updated_at = AwareDateTime()
    fills = List(Nested(FillOut), metadata={"description": "This order's trades so far."})


class AckOut(OrderOut):
    duplicate = Boolean(metadata={"description": "A repeat of an Idempotency-Key: nothing new was placed."})


class BatchResultOut(Schema):
    accepted = Boolean()
    order = Nested(AckOut, allow_none=True, metadata={"description": "The accepted order."})
    code = String(allow_none=True, metadata={"description": "The refused check, e.g. `insufficient_cover`."})
    message = String(allow_none=True, metadata={"description": "Why it was refused, in your language."})
    field = String(allow_none=True, metadata={"description": "The item's field the refusal concerns."})


class BatchOut(Schema):
    results = List(Nested(BatchResultOut), metadata={"description": "One per order sent, in the same order."})


class TradeOut(Schema):
    """A member sees the other side's account and order as null."""

    id = Integer()
    seq = Integer()
    instrument_id = Integer()
    instrument = String()
    settlement_code = String()
    kind = String(metadata={"description": "book, direct, repo_open or repo_close."})
    price = DecimalString(PRICE_PLACES)
    lots = Integer()
    quantity = Integer()
    amount = DecimalString(MONEY_PLACES)
    trade_day = Date()
    settles_on = Date()
    status = String()
    traded_at = AwareDateTime()
    buyer_account = String(allow_none=True)
    seller_account = String(allow_none=True)
    buy_order_id = Integer(allow_none=True)
    sell_order_id = Integer(allow_none=True)


class AheadOut(Schema):
    day = Date()
    amount = DecimalString(signed=True)


class PositionOut(Schema):
    """App.6 §1 for one account and one asset; money in the currency, securities as a count."""

    account = Integer()
    account_code = String()
    organisation = String()
    asset = String(metadata={"description": "A currency code or an instrument code."})
    incoming = DecimalString(signed=True)
    current = DecimalString(signed=True)
    planned = DecimalString(signed=True)
    settlement = DecimalString(signed=True)
    ahead = List(Nested(AheadOut), metadata={"description": "Planned position on later settlement days."})
