"""The Risks section in the JSON API: GET /api/v1/cabinet/risk."""
from decimal import ROUND_HALF_UP, Decimal

from apiflask import APIBlueprint, Schema
from apiflask.fields import List, Nested, String

from app.api.errors import ApiError
from app.api.fields import DecimalString
from app.auth.access import roles_required
from app.auth.roles import Role
from app.cabinet.loaders import api_client
from app.clock.services import now
from app.extensions import db
from app.margin.risk import RiskUnavailable, client_risk

bp = APIBlueprint("cabinet_risk_api", __name__, url_prefix="/api/v1/cabinet", tag="Cabinet risk")
KZT_AMOUNT = {"description": "Tenge, to the tiyn (the exact figure rounded half up)."}
PERCENT = {"description": "Percent: 25.00 is 25 %."}
CENT = Decimal("0.01")


class RiskPositionOut(Schema):
    venue = String(required=True, metadata={"enum": ["kase", "aix", "international"]})
    code = String(required=True)
    quantity = DecimalString(signed=True, required=True, metadata={"description": "Negative: a short."})
    price = DecimalString(4, required=True, metadata={"description": "Valuation price of one security in tenge."})
    long_rate = DecimalString(required=True, metadata=PERCENT)
    short_rate = DecimalString(required=True, metadata=PERCENT)
    margin = DecimalString(2, required=True, metadata=KZT_AMOUNT)


class RiskMoneyOut(Schema):
    currency = String(required=True)
    amount = DecimalString(2, signed=True, required=True, metadata={"description": "Negative: a money loan."})
    fx_rate = DecimalString(required=True, metadata={"description": "Tenge per unit, the broker's rate."})
    rate = DecimalString(required=True, metadata={"description": "The currency's discount rate in percent; "
                                                                 "tenge has none (0)."})


class RiskOut(Schema):
    S = DecimalString(2, signed=True, required=True, metadata=KZT_AMOUNT)
    M0 = DecimalString(2, required=True, metadata=KZT_AMOUNT)
    Mx = DecimalString(2, required=True, metadata=KZT_AMOUNT)
    NPR1 = DecimalString(2, signed=True, required=True, metadata=KZT_AMOUNT)
    NPR2 = DecimalString(2, signed=True, required=True, metadata=KZT_AMOUNT)
    category = String(required=True, metadata={"enum": ["standard", "special_risk"]})
    positions = List(Nested(RiskPositionOut), required=True)
    money = List(Nested(RiskMoneyOut), required=True)


@bp.get("/risk")
@roles_required(Role.CLIENT)
@bp.output(RiskOut)
@bp.doc(responses={404: "This login has no brokerage agreement",
                   409: "The broker's exchange-rate table lacks a currency the client holds (`no_fx_rate`)"})
def risk():
    """The client's margin figures now: S, M0, Mx = M0/2, NPR1 = S − M0, NPR2 = S − Mx, per position and currency"""
    client = api_client()
    try:
        found = client_risk(db.session, client, now())
    except RiskUnavailable as error:
        raise ApiError(409, "no_fx_rate", error.message) from error
    figures = found.figures
    return {"S": _cent(figures.s), "M0": _cent(figures.m0), "Mx": _cent(figures.mx), "NPR1": _cent(figures.npr1),
            "NPR2": _cent(figures.npr2), "category": client.margin_category,
            "positions": [_position(found, row) for row in figures.positions],
            "money": [{"currency": row.currency, "amount": row.amount, "fx_rate": row.fx, "rate": row.rate}
                      for row in figures.money]}


def _cent(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _position(found, row) -> dict:
    rate = found.rates.of(row.instrument)
    venue, code = row.instrument
    return {"venue": venue, "code": code, "quantity": row.quantity, "price": row.price,
            "long_rate": 100 if row.stale else rate.long, "short_rate": 100 if row.stale else rate.short,
            "margin": _cent(row.margin)}
