"""The margin fee tariff in the JSON API, under /api/v1/brokerage/risk/tariff: the risk staff add
entries, the back office reads them. A firm reads and changes only its own tariff."""
from apiflask import APIBlueprint, Schema
from apiflask.fields import Integer, List, Nested, String
from flask_login import current_user

from app.api.errors import refusals
from app.api.fields import AwareDateTime, DecimalString
from app.auth.access import roles_required
from app.auth.roles import Role
from app.clock.services import now
from app.extensions import db
from app.margin.fees import reads, services
from app.margin.fees.models import MarginTariff
from app.margin.schemas import EFFECTIVE_TEXT, in_range

bp = APIBlueprint("margin_fees_api", __name__, url_prefix="/api/v1/brokerage/risk", tag="Margin fee")
DAILY = {"description": "Per cent a day, 0 to 1, at most 4 decimal places: 0.0500 is 0.05 % a day."}


class TariffIn(Schema):
    money_rate = DecimalString(4, required=True, metadata={"description": "On money debt. " + DAILY["description"]})
    securities_rate = DecimalString(4, required=True, metadata={"description": "On the value of lent securities. "
                                                                               + DAILY["description"]})
    effective_from = AwareDateTime(load_default=None, validate=in_range, metadata={"description": EFFECTIVE_TEXT})


class TariffOut(Schema):
    id = Integer()
    money_rate = DecimalString(4, metadata=DAILY)
    securities_rate = DecimalString(4, metadata=DAILY)
    effective_from = AwareDateTime()
    created_at = AwareDateTime()
    created_by = String(metadata={"description": "The login that entered it."})


class TariffRowOut(TariffOut):
    """A list's row: its own class, as one schema class is put in the spec once."""


class TariffInForce(TariffOut):
    """The entry in force."""


class TariffsOut(Schema):
    in_force = Nested(TariffInForce, allow_none=True, metadata={"description": "null: no tariff, no fee."})
    history = List(Nested(TariffRowOut), metadata={"description": "Every entry, the latest effective_from first."})


@bp.get("/tariff")
@roles_required(Role.BROKER_RISK, Role.BROKER_OFFICE)
@bp.output(TariffsOut)
def tariff():
    """The firm's margin fee tariff in force now, and its history"""
    firm_id = current_user.organisation_id
    in_force = reads.tariff_in_force(db.session, firm_id, now())
    return {"in_force": in_force and tariff_out(in_force),
            "history": [tariff_out(row) for row in reads.tariff_history(db.session, firm_id)]}


@bp.post("/tariff")
@roles_required(Role.BROKER_RISK)
@bp.input(TariffIn, arg_name="data")
@bp.output(TariffOut, status_code=201)
@bp.doc(responses={422: "Refused: `invalid_rate`, `effective_in_past`, `effective_too_far`"})
def add_tariff(data: dict):
    """Add a tariff entry: it supersedes the one in force from `effective_from`"""
    with refusals():
        tariff = services.add_tariff(db.session, current_user.organisation, services.TariffEntry(**data), current_user,
                                     now())
    return tariff_out(tariff)


def tariff_out(tariff: MarginTariff) -> dict:
    return {"id": tariff.id, "money_rate": tariff.money_rate, "securities_rate": tariff.securities_rate,
            "effective_from": tariff.effective_from, "created_at": tariff.created_at,
            "created_by": tariff.created_by.login}
