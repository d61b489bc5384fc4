"""The pre-trade check of a client order (item 4 of the cabinet issue): venue open, lot, price
step, corridor on the desk's market, and cover. It runs before the order is signed and again
when the signature arrives, so what is accepted is what was checked.

`pre_trade_check` is the one place the broker's risk rules plug in: cover is full cover from
free money or free securities today; the margin rules replace `check_cover`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_CEILING, Decimal

from flask import current_app

from app.brokerage.models import BrokerClient, ClientStatus
from app.domain import client_orders as rules
from app.domain import market_rules
from app.domain.calendar import almaty_date
from app.domain.market import MarketRefusal
from app.orders.instruments import Tradable
from app.secondary import services as market
from app.secondary.context import Context
from app.venues import reads as venue_reads


@dataclass(frozen=True)
class OrderDraft:
    venue: str
    code: str
    side: str
    type: str
    lots: int | None
    price: Decimal | None = None


@dataclass(frozen=True)
class Priced:
    """What the checks found: the amount shown, what one lot blocks, the settlement code."""
    amount: Decimal
    block_per_lot: Decimal
    settlement_code: str | None
    block_price: Decimal


def pre_trade_check(session, client: BrokerClient, tradable: Tradable, draft: OrderDraft, at: datetime,
                    free: dict[tuple[str | None, str], Decimal]) -> Priced:
    """Raises `OrderRefusal` (or `MarketRefusal` for the desk's market rules) with the check
    that failed; `free` is the client's free money and securities by (venue, asset)."""
    if client.status != ClientStatus.ACTIVE:
        raise rules.refuse("client_not_active")
    if draft.side not in ("buy", "sell") or draft.type not in ("limit", "market"):
        raise rules.refuse("bad_order")
    lots = rules.check_lots(draft.lots)
    priced = _kase(session, tradable, draft, lots, at) if tradable.is_kase else _external(session, tradable, draft, lots, at)
    check_cover(tradable, draft, lots, priced, free)
    return priced


def check_cover(tradable: Tradable, draft: OrderDraft, lots: int, priced: Priced,
                free: dict[tuple[str | None, str], Decimal]) -> None:
    """Full cover: a buy needs its amount in free money, a sell its quantity in free securities."""
    if draft.side == "buy":
        available = free.get((None, tradable.currency), Decimal(0))
        needed = priced.block_per_lot * lots
        if needed > available:
            raise rules.refuse("no_money", needed=needed, available=available, currency=tradable.currency)
    else:
        available = free.get((tradable.venue, tradable.code), Decimal(0))
        if lots * tradable.lot_size > available:
            raise rules.refuse("no_securities", needed=lots * tradable.lot_size, available=available,
                               code=tradable.code)


def _kase(session, tradable: Tradable, draft: OrderDraft, lots: int, at: datetime) -> Priced:
    instrument = tradable.market
    if instrument.halted:
        raise MarketRefusal("instrument_halted", code=instrument.code, reason=instrument.halt_reason or "")
    if not market.is_open(market.current_session(session)):
        raise MarketRefusal("session_closed")
    context = Context(session, at)
    today = almaty_date(at)
    corridor = context.corridor(instrument, today)
    if corridor is None:
        raise MarketRefusal("no_reference_price")
    if draft.type == "market":
        ticks = corridor.high if draft.side == "buy" else corridor.low
    else:
        ticks = market_rules.to_ticks(rules.check_price(draft.price, instrument.price_step), instrument.price_step)
        market_rules.check_corridor(ticks, corridor, instrument.price_step)
    code = rules.settlement_code(instrument.settlement_codes)
    terms = context.terms(instrument, date.fromisoformat(context.settlement_dates(today)[code]))
    per_lot = terms.amount(ticks, 1) if draft.side == "buy" else Decimal(instrument.lot_size)
    return Priced(terms.amount(ticks, lots), per_lot, code, terms.price(ticks))


def _external(session, tradable: Tradable, draft: OrderDraft, lots: int, at: datetime) -> Priced:
    opens, closes = venue_hours(tradable.venue)
    if not rules.within_hours(at, opens, closes):
        raise rules.refuse("venue_closed", opens=opens.strftime("%H:%M"), closes=closes.strftime("%H:%M"))
    if draft.type == "market":
        price = _market_price(session, tradable, draft.side)
    else:
        price = rules.check_price(draft.price, tradable.price_step)
    per_lot = rules.block(price * tradable.lot_size) if draft.side == "buy" else Decimal(tradable.lot_size)
    return Priced(rules.money(price * tradable.lot_size * lots), per_lot, None, price)


def _market_price(session, tradable: Tradable, side: str) -> Decimal:
    """A market buy on an external venue blocks at the latest quote's offer (else its last price)
    raised by EXTERNAL_MARKET_BUFFER for the move before the dealer fills it, on the price step;
    a sell blocks securities only, so its price is only what the form shows."""
    quote = venue_reads.latest_quotes(session, [tradable.external.id]).get(tradable.external.id)
    base = quote and ((quote.ask or quote.last or quote.bid) if side == "buy" else (quote.bid or quote.last or quote.ask))
    if not base:
        raise rules.refuse("no_quote", code=tradable.code)
    if side == "sell":
        return base
    raised = base * (1 + current_app.config["EXTERNAL_MARKET_BUFFER"])
    step = tradable.price_step
    return (raised / step).to_integral_value(ROUND_CEILING) * step


def venue_hours(venue: str) -> tuple[time, time]:
    opens, closes = current_app.config["VENUE_HOURS"][venue]
    return time.fromisoformat(opens), time.fromisoformat(closes)
