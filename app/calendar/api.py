"""JSON API of the calendar feature, under /api/v1/calendar."""
from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Date, Integer, List, Nested, String
from apiflask.validators import Range
from flask_babel import get_locale
from flask_babel import gettext as _
from marshmallow import ValidationError, validates_schema

from app.api.errors import field_error
from app.api.fields import BoundedInteger
from app.auth.access import any_role
from app.calendar import services
from app.domain.calendar import CalendarRangeError
from app.extensions import db

bp = APIBlueprint("calendar_api", __name__, url_prefix="/api/v1/calendar", tag="Calendar")
MAX_SPAN_DAYS = 366
MAX_BUSINESS_DAYS = 250


def _in_calendar_years(value) -> None:
    if not services.FIRST_YEAR <= value.year <= services.LAST_YEAR:
        raise ValidationError(_years_message())


def _years_message() -> str:
    return _("The calendar covers the years %(first)d–%(last)d.", first=services.FIRST_YEAR,
             last=services.LAST_YEAR)


class DaysQuery(Schema):
    first = Date(data_key="from", required=True, validate=_in_calendar_years,
                 metadata={"description": "First day, YYYY-MM-DD."})
    last = Date(data_key="to", required=True, validate=_in_calendar_years,
                metadata={"description": f"Last day, YYYY-MM-DD; at most {MAX_SPAN_DAYS} days after `from`."})

    @validates_schema
    def check_span(self, data, **kwargs):
        if "first" in data and "last" in data and not 0 <= (data["last"] - data["first"]).days < MAX_SPAN_DAYS:
            raise ValidationError(_("Give a date on or after “from” and less than %(days)d days after it.",
                                    days=MAX_SPAN_DAYS), "to")


class OverrideOut(Schema):
    kind = String(metadata={"description": "day_off, working_day or non_trading_day."})
    note = String()


class DayOut(Schema):
    date = Date()
    weekday = Integer(metadata={"description": "ISO weekday: 1 = Monday … 7 = Sunday."})
    weekend = Boolean()
    business_day = Boolean(metadata={"description": "A Kazakhstan working day, after overrides."})
    trading_day = Boolean(metadata={"description": "A business day on which the exchange trades."})
    holiday = String(allow_none=True, metadata={"description": "Public holiday name, in the user's language."})
    transferred_working_day = Boolean(metadata={"description": "A weekend day the government made working."})
    override = Nested(OverrideOut, allow_none=True)


class DaysOut(Schema):
    first = Date(data_key="from")
    last = Date(data_key="to")
    days = List(Nested(DayOut))


class BusinessDaysBeforeQuery(Schema):
    date = Date(required=True, validate=_in_calendar_years, metadata={"description": "YYYY-MM-DD."})
    n = BoundedInteger(required=True, validate=Range(min=1, max=MAX_BUSINESS_DAYS),
                metadata={"description": "How many business days before `date` (the date itself is not counted)."})


class BusinessDaysBeforeOut(Schema):
    date = Date()
    n = Integer()
    result = Date(metadata={"description": "The business day n business days before `date`."})


@bp.get("/days")
@any_role
@bp.input(DaysQuery, location="query", arg_name="query")
@bp.output(DaysOut)
def days(query):
    """Each day from `from` to `to`: business and trading flags, holiday name, override."""
    try:
        described = services.describe_days(db.session, query["first"], query["last"], str(get_locale() or "ru"))
    except CalendarRangeError:
        raise field_error("to", _years_message(), "query") from None
    return {"first": query["first"], "last": query["last"], "days": [_day(day) for day in described]}


def _day(day: services.CalendarDay) -> dict:
    override = {"kind": day.override_kind, "note": day.override_note} if day.override_kind else None
    return {"date": day.day, "weekday": day.day.isoweekday(), "weekend": day.weekend,
            "business_day": day.business_day, "trading_day": day.trading_day, "holiday": day.holiday,
            "transferred_working_day": day.transferred_working_day, "override": override}


@bp.get("/business-days-before")
@any_role
@bp.input(BusinessDaysBeforeQuery, location="query", arg_name="query")
@bp.output(BusinessDaysBeforeOut)
def business_days_before(query):
    """The business day `n` business days before `date` — the base of every deadline rule."""
    calendar = services.business_calendar(db.session, query["date"].year)
    try:
        result = calendar.business_days_before(query["date"], query["n"])
    except CalendarRangeError:
        raise field_error("date", _("The answer would fall before %(first)d, the calendar's first year.",
                                    first=services.FIRST_YEAR), "query") from None
    return {"date": query["date"], "n": query["n"], "result": result}
