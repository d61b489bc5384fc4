"""POST /api/v1/calculator: price ↔ yield, accrued interest and amount (SPEC §7). Public."""
from apiflask import APIBlueprint, Schema
from apiflask.fields import Date, List, String
from apiflask.validators import OneOf, Range
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, validates_schema

from app.api.errors import field_error
from app.api.fields import BoundedInteger, DecimalString
from app.auth.access import public
from app.calculator import calculate, error_message
from app.domain.yields import FREQUENCIES, BondKind, YieldError

bp = APIBlueprint("calculator_api", __name__, url_prefix="/api/v1/calculator", tag="Calculator")
COUPON_FIELDS = ("coupon_rate", "coupon_frequency", "coupon_dates")


class CalculatorIn(Schema):
    kind = String(required=True, validate=OneOf([str(kind) for kind in BondKind],
                                                error=_l("Choose one of: {choices}.")),
                  metadata={"description": "`discount` (MEKKAM: ACT/ACT) or `coupon` (MEOKAM, MEUKAM: 30/360)."})
    face_value = DecimalString(places=2, required=True, metadata={"description": "Face value of one security, tenge."})
    maturity_date = Date(required=True, metadata={"description": "YYYY-MM-DD."})
    settlement_date = Date(required=True, metadata={"description": "Payment date, YYYY-MM-DD: every period starts here."})
    coupon_rate = DecimalString(places=4, allow_none=True,
                                metadata={"description": "Coupon bonds only: % per annum, e.g. \"12.0000\"."})
    coupon_frequency = BoundedInteger(strict=True, allow_none=True, validate=OneOf(
        FREQUENCIES, error=_l("Coupons per year: 1, 2, 4 or 12.")), metadata={"description": "Coupon bonds only."})
    coupon_dates = List(Date(), allow_none=True, metadata={
        "description": "Coupon bonds only: every nominal coupon date in increasing order, maturity last."})
    price = DecimalString(places=4, allow_none=True,
                          metadata={"description": "Clean price, % of face. Send either `price` or `yield`."})
    yield_pct = DecimalString(places=4, signed=True, allow_none=True, data_key="yield",
                              metadata={"description": "Yield, % per annum. Send either `price` or `yield`."})
    quantity = BoundedInteger(required=True, strict=True, validate=Range(min=1, error=_l("Give at least 1.")),
                       metadata={"description": "Number of securities, for the amount."})

    @validates_schema
    def check_choices(self, data, **kwargs):
        errors = _price_or_yield(data)
        if data.get("kind") == BondKind.COUPON:
            errors |= {name: [_("Required for a coupon bond.")] for name in COUPON_FIELDS if not data.get(name)}
        elif data.get("kind") == BondKind.DISCOUNT:
            errors |= {name: [_("A discount bill has no coupon: leave this out.")]
                       for name in COUPON_FIELDS if data.get(name)}
        if errors:
            raise ValidationError(errors)


def _price_or_yield(data: dict) -> dict:
    given = [name for name in ("price", "yield_pct") if data.get(name) is not None]
    if len(given) == 1:
        return {}
    message = _("Send either the price or the yield, not both.") if given else _("Send the price or the yield.")
    return {"price": [message], "yield": [message]}


class CalculatorOut(Schema):
    price = DecimalString(places=4, metadata={"description": "Clean price, % of face."})
    yield_pct = DecimalString(places=4, signed=True, data_key="yield", metadata={"description": "% per annum."})
    accrued_interest = DecimalString(places=4, metadata={"description": "Per 100 of face value."})
    amount = DecimalString(places=2, metadata={
        "description": "Tenge: quantity × face value × (price + accrued interest) / 100."})


@bp.post("")
@public
@bp.input(CalculatorIn, arg_name="terms")
@bp.output(CalculatorOut)
def calculate_quote(terms):
    """Price from yield or yield from price, with accrued interest and the amount"""
    try:
        result = calculate(terms)
    except YieldError as error:
        raise field_error(error.field, error_message(error)) from None
    return {"price": result.price, "yield_pct": result.yield_pct,
            "accrued_interest": result.accrued_interest, "amount": result.amount}
