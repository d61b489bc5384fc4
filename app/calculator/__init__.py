"""The public price ↔ yield calculator (SPEC §7): what the page and the API share.

Both turn validated input into a `Bond` and a `Quote` with `calculate`, and a refusal of the
domain into a message in the user's language with `error_message`.
"""
from flask_babel import lazy_gettext as _l

from app.domain.yields import MAX_PRICE, MAX_YIELD, MIN_YIELD, Bond, BondKind, Quote, YieldError, quote

KIND_LABELS = {
    BondKind.DISCOUNT: _l("Discount bill (MEKKAM)"),
    BondKind.COUPON: _l("Coupon bond (MEOKAM, MEUKAM)"),
}
FREQUENCY_LABELS = {1: _l("Annual"), 2: _l("Semi-annual"), 4: _l("Quarterly"), 12: _l("Monthly")}

MESSAGES = {
    "unknown_kind": _l("Choose a discount bill or a coupon bond."),
    "face_value_not_positive": _l("The face value must be above zero."),
    "date_out_of_range": _l("Give a date between 1900 and 2200."),
    "coupon_on_discount": _l("A discount bill has no coupon: leave this empty."),
    "coupon_rate_range": _l("The coupon rate must be above 0 and at most 100 %%."),
    "unknown_frequency": _l("Coupons per year: 1, 2, 4 or 12."),
    "coupon_dates_missing": _l("Give the coupon dates of a coupon bond."),
    "coupon_dates_not_sorted": _l("List the coupon dates in increasing order, each date once."),
    "maturity_not_last_coupon": _l("The last coupon date must be the maturity date."),
    "settlement_not_before_maturity": _l("The settlement date must be before the maturity date."),
    "settlement_before_first_period": _l("The settlement date is before the first coupon period starts."),
    "price_not_positive": _l("The price must be above zero."),
    "price_too_high": _l("The price is too high: the yield would be below %(low)s %%."),
    "price_too_low": _l("The price is too low: the yield would be above %(high)s %%."),
    "no_yield": _l("No yield can be found: no time is counted to maturity."),
    "yield_too_low": _l("The yield is too low for this bond's term: the lowest is %(low)s %%, "
                        "and the price must stay below %(max_price)s %% of face."),
    "yield_too_high": _l("The yield is too high: the highest is %(high)s %%, and the clean price must stay "
                         "above zero."),
    "price_or_yield": _l("Give either the price or the yield, not both."),
    "quantity_not_positive": _l("The quantity must be a whole number of at least 1."),
}


def error_message(error: YieldError) -> str:
    message = MESSAGES.get(error.reason)
    if message is None:
        return error.message
    return str(message) % {"low": MIN_YIELD, "high": MAX_YIELD, "max_price": MAX_PRICE}


def calculate(terms: dict) -> Quote:
    """`terms`: kind, face_value, maturity_date, settlement_date, quantity, price or
    yield_pct, and for a coupon bond coupon_rate, coupon_frequency, coupon_dates."""
    kind = BondKind(terms["kind"])
    coupon = {}
    if kind == BondKind.COUPON:
        coupon = {"coupon_rate": terms["coupon_rate"], "coupon_frequency": terms["coupon_frequency"],
                  "coupon_dates": tuple(terms["coupon_dates"])}
    bond = Bond(kind, terms["face_value"], terms["maturity_date"], **coupon)
    return quote(bond, terms["settlement_date"], terms["quantity"],
                 price=terms.get("price"), yield_pct=terms.get("yield_pct"))
