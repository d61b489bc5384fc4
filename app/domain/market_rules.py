"""Order checks that need only reference data (SPEC §4, App.6): price step, corridor, lots,
client code, session.  Checks that need positions (cover) are in `market.Market`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from app.domain.market import MarketRefusal

MAX_LOTS = 10**9


@dataclass(frozen=True)
class Corridor:
    """Allowed prices in ticks, both ends included: reference price ± percent."""
    low: int
    high: int

    @classmethod
    def around(cls, reference: Decimal, percent: Decimal, step: Decimal) -> "Corridor":
        low = reference * (1 - percent / 100) / step
        high = reference * (1 + percent / 100) / step
        return cls(max(1, int(low.to_integral_value(ROUND_CEILING))),
                   int(high.to_integral_value(ROUND_FLOOR)))


def to_ticks(price: Decimal, step: Decimal) -> int:
    """A price must be a positive whole number of price steps."""
    if not price.is_finite() or price <= 0:     # NaN/Infinity parse as Decimals
        raise MarketRefusal("price_off_step", step=step)
    ticks = price / step
    if ticks != ticks.to_integral_value():
        raise MarketRefusal("price_off_step", step=step)
    return int(ticks)


def check_lots(lots: int) -> None:
    if not 0 < lots <= MAX_LOTS:
        raise MarketRefusal("bad_lots")


def check_corridor(ticks: int, corridor: Corridor | None, step: Decimal) -> None:
    if corridor is None:
        raise MarketRefusal("no_reference_price")
    if not corridor.low <= ticks <= corridor.high:
        raise MarketRefusal("outside_corridor", low=step * corridor.low, high=step * corridor.high)


def check_client_code(account_kind: str, client_code: str | None) -> None:
    """An aggregated client account must name the client in every order (App.6)."""
    if account_kind == "aggregated" and not (client_code or "").strip():
        raise MarketRefusal("client_code_required")


def check_session(now: datetime, opens_at: datetime | None, closes_at: datetime | None,
                  closed: bool) -> None:
    """Orders are taken in [opens_at, closes_at) of a session that has not been closed."""
    if opens_at is None or closed or not opens_at <= now < closes_at:
        raise MarketRefusal("session_closed")
