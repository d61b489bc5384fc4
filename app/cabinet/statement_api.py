"""The client's statement in the JSON API: GET /api/v1/cabinet/statement?date_from&date_to."""
from apiflask import APIBlueprint, Schema
from apiflask.fields import Date, List, Nested, String

from app.api.errors import field_error
from app.api.fields import AwareDateTime, DecimalString
from app.auth.access import roles_required
from app.auth.roles import Role
from app.cabinet import statement as reads
from app.cabinet.loaders import api_client
from app.cabinet.periods import check_period
from app.clock.services import now
from app.domain.calendar import almaty_date
from app.extensions import db

bp = APIBlueprint("cabinet_statement_api", __name__, url_prefix="/api/v1/cabinet", tag="Cabinet statement")
AMOUNT = {"description": "Money to the tiyn/cent; securities in pieces."}


class PeriodQuery(Schema):
    date_from = Date(load_default=None, metadata={"description": "First day (Almaty), YYYY-MM-DD; "
                                                                 "default: the first of `date_to`'s month."})
    date_to = Date(load_default=None, metadata={"description": "Last day (Almaty), YYYY-MM-DD; default: today. "
                                                               "At most 3 years after `date_from`."})


class MovementOut(Schema):
    at = AwareDateTime(required=True)
    source = String(required=True, metadata={"enum": ["deposit", "deal", "fee", "withdrawal"]})
    reference = String(required=True, allow_none=True)
    amount = DecimalString(signed=True, required=True, metadata=AMOUNT)
    settles_on = Date(required=True, allow_none=True)


class AccountOut(Schema):
    venue = String(required=True, allow_none=True,
                   metadata={"enum": ["kase", "aix", "international", None],
                             "description": "null: money, `asset` is the currency."})
    asset = String(required=True, metadata={"description": "Currency, or the instrument's code on the venue."})
    opening = DecimalString(signed=True, required=True, metadata=AMOUNT)
    movements = List(Nested(MovementOut), required=True)
    closing = DecimalString(signed=True, required=True, metadata=AMOUNT)


class StatementOut(Schema):
    date_from = Date(required=True)
    date_to = Date(required=True)
    accounts = List(Nested(AccountOut), required=True)


@bp.get("/statement")
@roles_required(Role.CLIENT)
@bp.input(PeriodQuery, location="query", arg_name="query")
@bp.output(StatementOut)
@bp.doc(responses={404: "This login has no brokerage agreement",
                   422: "A bad period: `from` after `to`, more than 3 years, or too many movements"})
def statement(query):
    """The client's opening balance, movements and closing balance per sub-account for a period"""
    client = api_client()
    try:
        period = check_period(query["date_from"], query["date_to"], almaty_date(now()))
        found = reads.statement(db.session, client, period)
    except reads.PeriodRefused as error:
        raise field_error(error.field, error.message, "query") from None
    return {"date_from": period.first, "date_to": period.last, "accounts": [
        {"venue": account.venue, "asset": account.asset, "opening": account.opening, "closing": account.closing,
         "movements": [movement.__dict__ for movement in account.movements]} for account in found.accounts]}
