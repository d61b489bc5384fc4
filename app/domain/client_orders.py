"""A broker client's order, the rules that need no database (seed 000, SPEC §4): trading hours
of an external venue, the lot and price step, what an order blocks, and a dealer's fill."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from app.domain.calendar import ALMATY

CENT = Decimal("0.01")
MAX_PRICE = Decimal(10) ** 12      # no instrument costs a trillion a piece
MAX_LOTS = 10**9


class OrderRefusal(ValueError):
    """`code` names the failed check; `details` fill in its message."""

    def __init__(self, code: str, /, **details):
        super().__init__(code)
        self.code, self.details = code, details


def refuse(code: str, /, **details) -> OrderRefusal:   # a detail may be named `code`
    return OrderRefusal(code, **details)


def within_hours(moment: datetime, opens: time, closes: time) -> bool:
    """Trading hours in Almaty time; a venue whose session passes midnight (closes before it
    opens, e.g. US markets 19:30–02:00) is open after `opens` or before `closes`."""
    local = moment.astimezone(ALMATY).time()
    if opens <= closes:
        return opens <= local < closes
    return local >= opens or local < closes


def end_of_day(moment: datetime) -> datetime:
    """A client order is valid to the end of the current calendar day (seed 000), Almaty."""
    day = moment.astimezone(ALMATY).date() + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=ALMATY)


def check_lots(lots: int | None) -> int:
    if lots is None or not 0 < lots <= MAX_LOTS:
        raise refuse("bad_lots")
    return lots


def check_price(price: Decimal | None, step: Decimal) -> Decimal:
    if price is None:
        raise refuse("price_required")
    # Bounded before the step is checked: a remainder of 1e30 by 0.01 is beyond Decimal's precision.
    if not price.is_finite() or price <= 0 or price >= MAX_PRICE or price % step != 0:
        raise refuse("price_off_step", step=step)
    return price


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def block(value: Decimal) -> Decimal:
    """What a lot blocks is rounded up: a fill at the limit never costs more than its block."""
    return value.quantize(CENT, ROUND_CEILING)


def check_fill(side: str, order_type: str, limit: Decimal | None, price: Decimal, step: Decimal,
               lots: int, remaining: int) -> None:
    """A dealer's fill of an external order: on the step, within the remaining lots, and never
    worse for the client than its limit."""
    check_price(price, step)
    if not 0 < lots <= remaining:
        raise refuse("fill_lots", remaining=remaining)
    if order_type == "limit" and limit is not None:
        if (side == "buy" and price > limit) or (side == "sell" and price < limit):
            raise refuse("fill_worse_than_limit", limit=limit)


def remaining_block(per_lot: Decimal, lots: int, filled: int) -> Decimal:
    return per_lot * (lots - filled)


def settlement_code(codes: str) -> str:
    """A client trades T+2 on the desk's market where the instrument allows it (the usual
    cycle), else in its first mode; `codes` is the instrument's "T0,T2"."""
    modes = [code.strip() for code in codes.split(",") if code.strip()]
    return "T2" if "T2" in modes else modes[0]


def day_of(moment: datetime) -> date:
    return moment.astimezone(ALMATY).date()
