"""What a refused client order says, in the client's language, and the notices it sends."""
from __future__ import annotations

from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l

from app.domain.client_orders import OrderRefusal
from app.domain.market import MarketRefusal
from app.formatting import money
from app.margin.risk import NO_FX_RATE
from app.refusals import Refusal
from app.secondary import messages as market_messages

MESSAGES = {
    "unknown_instrument": _l("No such instrument on this market."),
    "client_not_active": _l("Your brokerage account is suspended or closed: orders are not accepted."),
    "bad_order": _l("Choose buy or sell, and a limit or market order."),
    "bad_lots": _l("The quantity must be a whole number of lots, at least 1."),
    "price_required": _l("A limit order needs a price."),
    "price_off_step": _l("The price must be positive and a multiple of the price step %(step)s."),
    "npr1_below_zero": _l("Not enough collateral: NPR1 after this order would be %(npr1)s (it must stay at or above "
                          "zero). Lower the quantity, or deposit money or securities."),
    "not_shortable": _l("%(code)s cannot be sold short: your broker does not lend it. Sell at most what you hold."),
    "no_fx_rate": NO_FX_RATE,
    "venue_closed": _l("The venue is closed: orders are taken from %(opens)s to %(closes)s (Almaty time)."),
    "no_quote": _l("%(code)s has no quote yet, so a market order cannot be priced; place a limit order."),
    "not_awaiting_signature": _l("This order is not waiting for a signature."),
    "order_day_over": _l("The order's day is over; place it again."),
    "order_not_active": _l("The order is no longer active."),
    "close_out_order": _l("Your broker placed this order in a forced close-out: it cannot be cancelled from the "
                          "cabinet."),
    "fill_lots": _l("A fill is 1 to %(remaining)s lots (what is left of the order)."),
    "fill_worse_than_limit": _l("The fill price is worse for the client than the order's limit %(limit)s."),
    "fill_above_block": _l("The fill costs more than the order blocked; reject the order or fill fewer lots."),
    "reason_required": _l("Give the reason the client will read."),
    "not_external": _l("Orders on the desk's market are filled by the market, not by a dealer."),
}
CENT = Decimal("0.01")


def refusal(error: OrderRefusal | MarketRefusal) -> Refusal:
    """A refusal for the page or the API: our checks' codes, else the market's own wording."""
    if isinstance(error, MarketRefusal):
        market_error = market_messages.MarketError(error.code, **error.details)
        return Refusal(market_error.message, field=market_error.field, code=error.code)
    return Refusal(LazyString(_describe, error.code, error.details), field=_field(error.code), code=error.code)


def _describe(code: str, details: dict) -> str:
    shown = dict(details)
    if code == "npr1_below_zero":
        shown["npr1"] = money(details["npr1"].quantize(CENT, ROUND_FLOOR))
    return str(MESSAGES.get(code, code)) % shown


def _field(code: str) -> str | None:
    return {"bad_lots": "lots", "npr1_below_zero": "lots",
            "not_shortable": "lots", "price_required": "price",
            "price_off_step": "price", "fill_lots": "lots", "fill_worse_than_limit": "price",
            "reason_required": "reason"}.get(code)


def tell(session, order, kind: str, at: datetime, **params) -> None:
    """A notice to the client in the cabinet and by e-mail (app.notices)."""
    from app.notices.services import notify
    filled = {"filled": str(order.filled_lots), "lots": str(order.lots)}
    summary = summary_of(order, order.client.user.locale or "ru")
    notify(session, order.client.user, kind, {"summary": summary, **filled, **params}, f"/cabinet/orders/{order.id}", at)


def summary_of(order, locale: str | None = None) -> str:
    """What the client signed; a close-out order (the broker's, unsigned) described in `locale`,
    else in the reader's language."""
    if order.document is not None:
        return order.document.summary
    from app.orders.services import summary
    if locale is None:
        return summary(order)
    with force_locale(locale):
        return summary(order)
