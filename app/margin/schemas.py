"""The margin tables in the JSON API: rates travel as decimal strings, moments as ISO 8601 with
an offset (answered in Almaty time)."""
from datetime import UTC, datetime

from apiflask import Schema
from apiflask.fields import Boolean, Integer, List, Nested, String
from apiflask.validators import Length, OneOf
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from app.api.fields import AwareDateTime, DecimalString
from app.margin.clients import ALL, STANDING_FILTERS
from app.margin.models import FOREIGN_CURRENCIES, MarginCategory
from app.margin.forms import RATE_VENUE_LABELS

FIRST_YEAR, LAST_YEAR = 2000, 2100


def in_range(moment: datetime) -> None:
    """A moment the database can store and compare: from 2000 to 2100 once in UTC."""
    try:
        year = moment.astimezone(UTC).year
    except OverflowError:
        year = None
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(_("Give a moment from the year %(first)s to %(last)s.", first=FIRST_YEAR, last=LAST_YEAR))


CATEGORIES = [str(category) for category in MarginCategory]
VENUES = [str(venue) for venue in RATE_VENUE_LABELS]
CURRENCIES = list(FOREIGN_CURRENCIES)
RATE_TEXT = "Per cent, 0 to 100, at most 2 decimal places."
EFFECTIVE_TEXT = ("When the entry applies from: now or later (a moment up to 15 minutes ago means now), "
                  "at most a year ahead; left out: now.")
AT_TEXT = "The moment the table is read at; left out: now."


class RatesQuery(Schema):
    category = String(load_default=str(MarginCategory.STANDARD),
                      validate=OneOf(CATEGORIES, error=_l("Choose standard or special_risk.")))
    at = AwareDateTime(load_default=None, validate=in_range, metadata={"description": AT_TEXT})


class RateIn(Schema):
    category = String(required=True, validate=OneOf(CATEGORIES, error=_l("Choose standard or special_risk.")))
    venue = String(required=True, validate=OneOf(VENUES, error=_l("Choose kase, aix, international or money.")),
                   metadata={"description": "`money` for a foreign currency's money rate (then `code` is the "
                                            "currency)."})
    code = String(required=True, validate=Length(min=1, max=20),
                  metadata={"description": "The instrument's code on the venue, or the currency (not KZT)."})
    long_rate = DecimalString(2, required=True, metadata={"description": RATE_TEXT})
    short_rate = DecimalString(2, required=True, metadata={"description": RATE_TEXT})
    marginal = Boolean(required=True, metadata={"description": "On the broker's marginal list. A marginal "
                                                               "instrument's rates are at least 25."})
    shortable = Boolean(load_default=False, metadata={"description": "May be shorted; needs `marginal`."})
    effective_from = AwareDateTime(load_default=None, validate=in_range, metadata={"description": EFFECTIVE_TEXT})


class RateOut(Schema):
    id = Integer()
    category = String(metadata={"enum": CATEGORIES})
    venue = String(metadata={"enum": VENUES})
    code = String()
    long_rate = DecimalString(2)
    short_rate = DecimalString(2)
    marginal = Boolean()
    shortable = Boolean()
    effective_from = AwareDateTime()
    created_at = AwareDateTime()
    created_by = String(metadata={"description": "The login that entered it."})


class RateRowOut(RateOut):
    """A list's row: its own class, as one schema class is put in the spec once."""


class FxQuery(Schema):
    at = AwareDateTime(load_default=None, validate=in_range, metadata={"description": AT_TEXT})


class FxIn(Schema):
    currency = String(required=True, validate=OneOf(CURRENCIES, error=_l("Choose a foreign currency (not KZT).")))
    rate = DecimalString(4, required=True, metadata={"description": "Tenge for one unit of the currency, above zero."})
    effective_from = AwareDateTime(load_default=None, validate=in_range, metadata={"description": EFFECTIVE_TEXT})


class FxOut(Schema):
    id = Integer()
    currency = String(metadata={"enum": CURRENCIES})
    rate = DecimalString(4)
    effective_from = AwareDateTime()
    created_at = AwareDateTime()
    created_by = String(metadata={"description": "The login that entered it."})


class FxRowOut(FxOut):
    """A list's row."""


# -- the risk staff's view of the clients -----------------------------------------------------

KZT_AMOUNT = {"description": "Tenge, to the tiyn (the exact figure rounded half up)."}
PERCENT = {"description": "Percent: 25.00 is 25 %."}
STANDING_TEXT = ("`npr1`: clients with NPR1 below zero (this includes NPR2 below zero); `npr2`: NPR2 below zero; "
                 "a client whose figures are unavailable is listed whatever is asked.")


class RiskClientsQuery(Schema):
    standing = String(load_default=ALL, validate=OneOf(list(STANDING_FILTERS), error=_l("Choose all, npr1 or npr2.")),
                      metadata={"description": STANDING_TEXT})
    category = String(load_default=None, validate=OneOf(CATEGORIES, error=_l("Choose standard or special_risk.")))
    q = String(load_default=None, validate=Length(max=100),
               metadata={"description": "Part of the client's name, IIN or client code."})


class RiskFiguresOut(Schema):
    S = DecimalString(2, signed=True, metadata=KZT_AMOUNT)
    M0 = DecimalString(2, metadata=KZT_AMOUNT)
    Mx = DecimalString(2, metadata=KZT_AMOUNT)
    NPR1 = DecimalString(2, signed=True, metadata=KZT_AMOUNT)
    NPR2 = DecimalString(2, signed=True, metadata=KZT_AMOUNT)
    standing = String(metadata={"enum": ["ok", "npr1_negative", "npr2_negative"]})


class RiskClientOut(Schema):
    id = Integer(required=True)
    full_name = String(required=True)
    iin = String(required=True)
    client_code = String(required=True)
    category = String(required=True, metadata={"enum": CATEGORIES})
    figures = Nested(RiskFiguresOut, required=True, allow_none=True,
                     metadata={"description": "Null when the figures are unavailable (see `unavailable`)."})
    unavailable = String(required=True, allow_none=True,
                         metadata={"description": "Why the figures are unavailable, in the caller's language; "
                                                  "null when they are given."})
    missing_fx = String(required=True, allow_none=True,
                        metadata={"description": "The currency the firm's FX table lacks, or null."})


class RiskClientPositionOut(Schema):
    venue = String(required=True, metadata={"enum": ["kase", "aix", "international"]})
    code = String(required=True)
    quantity = DecimalString(0, signed=True, required=True, metadata={"description": "Negative: a short."})
    price = DecimalString(4, required=True, metadata={"description": "Valuation price of one security in tenge."})
    value = DecimalString(2, signed=True, required=True, metadata=KZT_AMOUNT)
    rate = DecimalString(2, required=True, metadata={"description": "The rate applied, in percent (a stale price: 100)."})
    margin = DecimalString(2, required=True, metadata=KZT_AMOUNT)
    stale = Boolean(required=True, metadata={"description": "No recent price: counted at the full rate."})


class RiskClientMoneyOut(Schema):
    currency = String(required=True)
    amount = DecimalString(2, signed=True, required=True, metadata={"description": "Negative: a money loan."})
    fx_rate = DecimalString(4, required=True, metadata={"description": "Tenge per unit, the firm's rate."})
    value = DecimalString(2, signed=True, required=True, metadata=KZT_AMOUNT)
    rate = DecimalString(2, required=True, metadata={"description": "The currency's discount rate in percent; "
                                                                    "tenge has none (0)."})
    margin = DecimalString(2, required=True, metadata=KZT_AMOUNT)


class RiskCloseOutOut(Schema):
    venue = String(required=True, metadata={"enum": ["kase", "aix", "international"]})
    code = String(required=True)
    side = String(required=True, metadata={"enum": ["buy", "sell"]})
    quantity = Integer(required=True, metadata={"description": "Securities."})
    lots = Integer(required=True)
    price = DecimalString(4, required=True, metadata={"description": "The valuation price the plan assumed, tenge."})


class MarginCallOut(Schema):
    id = Integer(required=True)
    status = String(required=True, metadata={"enum": ["open", "met", "closed_out"]})
    opened_at = AwareDateTime(required=True)
    deadline = AwareDateTime(required=True, metadata={"description": "NPR1 must be back at or above zero by then."})
    demanded_same_day = Boolean(required=True)
    orders_suspended_at = AwareDateTime(allow_none=True)
    S = DecimalString(2, attribute="s", required=True, metadata={"description": "At opening, tenge."})
    M0 = DecimalString(2, attribute="m0", required=True)
    closed_at = AwareDateTime(allow_none=True)


class MarginDebtOut(Schema):
    id = Integer(required=True)
    amount = DecimalString(2, required=True, metadata={"description": "Tenge."})
    due_on = String(required=True, metadata={"description": "Due by the end of this day (ISO date)."})
    status = String(required=True, metadata={"enum": ["open", "repaid"]})


class MarginCloseOutOut(Schema):
    id = Integer(required=True)
    ground = String(required=True, metadata={"enum": ["deadline", "broker", "death"]})
    reference = String(allow_none=True)
    status = String(required=True, metadata={"enum": ["running", "done", "shortfall"]})
    npr1_at_start = DecimalString(2, required=True)
    waiting = String(allow_none=True, metadata={"description": "What a running close-out waits for."})
    waiting_code = String(allow_none=True)
    started_at = AwareDateTime(required=True)
    finished_at = AwareDateTime(allow_none=True)
    order_ids = List(Integer(), required=True, metadata={"description": "Its market orders (close_out: true)."})


class RiskClientDetailOut(RiskClientOut):
    positions = List(Nested(RiskClientPositionOut), required=True)
    money = List(Nested(RiskClientMoneyOut), required=True)
    close_out_plan = List(Nested(RiskCloseOutOut), required=True,
                          metadata={"description": "A preview: the minimal market orders the forced close-out "
                                                   "would place now (POST …/close-out executes it)."})
    margin_call = Nested(MarginCallOut, allow_none=True, required=True)
    debts = List(Nested(MarginDebtOut), required=True)
    close_outs = List(Nested(MarginCloseOutOut), required=True)


# An operation's answer is its own schema: one used both nested and as an answer would be
# registered in the OpenAPI document twice.
class DemandedCallOut(MarginCallOut):
    pass


class StartedCloseOutOut(MarginCloseOutOut):
    pass


class CloseOutIn(Schema):
    cancel = List(Integer(), load_default=None, metadata={
        "description": "The ids of the client's open orders to cancel first; omitted: all of them."})


class DeathIn(Schema):
    reference = String(required=True, validate=Length(min=1, max=200),
                       metadata={"description": "The document confirming it (number, date, issued by)."})


class SuspendedOut(Schema):
    cancelled = Integer(required=True, metadata={"description": "How many open orders were cancelled."})
