"""The pre-trade check of a client order (item 4 of the cabinet issue): venue open, lot, price
step, corridor on the desk's market, and cover. It runs before the order is signed and again
when the signature arrives, so what is accepted is what was checked.

Cover is the broker's margin rules (seed 003, `app/margin/risk.py`): the order is accepted only
if NPR1 stays ≥ 0 with it and every live order of the client as if executed, and it goes short
only in an instrument the broker lends. An instrument outside the broker's marginal list counts
at 100 %, so without margin rates this is full cover from the client's own money and securities.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import ROUND_CEILING, Decimal

from flask import current_app

from app.brokerage.models import BrokerClient, ClientStatus
from app.domain import client_orders as rules
from app.domain import margin
from app.domain import market_rules
from app.domain.calendar import almaty_date
from app.domain.market import MarketRefusal
from app.margin.risk import RiskUnavailable, client_risk, order_verdict
from app.orders.instruments import Tradable
from app.secondary.engine.context import Context
from app.secondary.trading import services as market
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
    npr1_after: Decimal | None = None     # the margin check's figure, once it has run


def pre_trade_check(session, client: BrokerClient, tradable: Tradable, draft: OrderDraft, at: datetime) -> Priced:
    """Raises `OrderRefusal` (or `MarketRefusal` for the desk's market rules) with the check
    that failed."""
    if client.status != ClientStatus.ACTIVE:
        raise rules.refuse("client_not_active")
    if draft.side not in ("buy", "sell") or draft.type not in ("limit", "market"):
        raise rules.refuse("bad_order")
    lots = rules.check_lots(draft.lots)
    priced = venue_check(session, tradable, draft, lots, at)
    verdict = check_cover(session, client, tradable, draft, lots, priced, at)
    return replace(priced, npr1_after=verdict.npr1_after)


def venue_check(session, tradable: Tradable, draft: OrderDraft, lots: int, at: datetime) -> Priced:
    """The venue's own rules and the order's price, without the client's cover: a forced
    close-out's order is the broker's and lowers the client's risk."""
    return _kase(session, tradable, draft, lots, at) if tradable.is_kase else _external(session, tradable, draft, lots, at)


def check_cover(session, client: BrokerClient, tradable: Tradable, draft: OrderDraft, lots: int, priced: Priced,
                at: datetime) -> margin.Verdict:
    """NPR1 after this order (at its limit, a market order at its far price) and the live ones."""
    try:
        risk = client_risk(session, client, at, also=(tradable.venue, tradable.code))
    except RiskUnavailable as error:
        raise rules.refuse("no_fx_rate", currency=error.currency) from error
    verdict = order_verdict(risk, tradable.venue, tradable.code, draft.side, lots * tradable.lot_size,
                            priced.block_price)
    if verdict.reason == "not_shortable":
        raise rules.refuse("not_shortable", code=tradable.code)
    if not verdict.accepted:
        raise rules.refuse("npr1_below_zero", npr1=verdict.npr1_after)
    return verdict


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
