"""The cabinet in the JSON API, under /api/v1/cabinet (client tokens: the broker's own apps)."""
from apiflask import APIBlueprint, Schema
from apiflask.fields import List, Nested, String

from app.api.fields import DecimalString
from app.auth.access import roles_required
from app.auth.roles import Role
from app.cabinet.loaders import api_client
from app.cabinet.portfolio import portfolio as client_portfolio
from app.extensions import db

bp = APIBlueprint("cabinet_api", __name__, url_prefix="/api/v1/cabinet", tag="Cabinet")


class MoneyOut(Schema):
    currency = String(required=True)
    total = DecimalString(2, signed=True, required=True)
    blocked = DecimalString(2, signed=True, required=True)
    free = DecimalString(2, signed=True, required=True)


class SecurityOut(Schema):
    venue = String(required=True, metadata={"enum": ["kase", "aix", "international"]})
    code = String(required=True)
    quantity = DecimalString(signed=True, required=True)
    price = DecimalString(allow_none=True, required=True, metadata={"description": "Valuation price; null while the market has none."})
    value = DecimalString(2, allow_none=True, required=True, metadata={"description": "In the instrument's currency."})
    currency = String(allow_none=True, metadata={"description": "The currency of price and value."})


class PortfolioOut(Schema):
    money = List(Nested(MoneyOut), required=True)
    securities = List(Nested(SecurityOut), required=True)


@bp.get("/portfolio")
@roles_required(Role.CLIENT)
@bp.output(PortfolioOut)
@bp.doc(responses={404: "This login has no brokerage agreement"})
def portfolio():
    """The client's money per currency (total, blocked, free) and securities per market, valued"""
    client = api_client()
    held = client_portfolio(db.session, client)
    return {"money": [{"currency": row.currency, "total": row.total, "blocked": row.blocked, "free": row.free}
                      for row in held.money],
            "securities": [row.__dict__ for row in held.securities]}
