"""Market instructions.  Each checks itself against reference data and the market state,
then emits the events the sequencer journals; a refusal journals nothing.

`run(batch)` returns an `Ack` or a `MarketError` (returned, not raised, so one refused order
in a batch does not undo the others).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.domain import market_rules as rules
from app.domain.market import BUY, SIDES, MarketRefusal
from app.secondary.engine.projection import book_key
from app.secondary.messages import MarketError
from app.secondary.models import MarketOrder, TradingAccount


@dataclass
class Ack:
    seq: int | None
    order_id: int | None = None
    status: str | None = None
    trades: list = field(default_factory=list)
    duplicate: bool = False


def refused(error: MarketRefusal) -> MarketError:
    field_name = {"outside_corridor": "price", "price_off_step": "price", "bad_lots": "lots",
                  "client_code_required": "client_code", "insufficient_cover": "lots",
                  "price_required": "price"}.get(error.code)
    return MarketError(error.code, field=field_name, **error.details)


class Command:
    def run(self, batch):
        try:
            return self.decide(batch)
        except MarketRefusal as error:
            return refused(error)


def own_account(batch, account_id: int, organisation_id: int) -> TradingAccount:
    account = batch.context.account(account_id)
    if account is None or account.organisation_id != organisation_id or not account.is_active:
        raise MarketRefusal("unknown_account")
    return account


def client_of(code: str | None) -> str | None:
    """The client code an event carries: trimmed, or none."""
    return (code or "").strip() or None


def check_counterparty(organisation_id: int, counterparty_id: int | None) -> None:
    """A direct deal or repo is addressed to another firm."""
    if not counterparty_id:
        raise MarketRefusal("counterparty_required")
    if counterparty_id == organisation_id:
        raise MarketRefusal("self_deal")


def open_day_of(batch) -> date:
    """Orders go only into the day the market has opened and whose session runs now."""
    market, context = batch.market, batch.context
    session = context.trading_session(market.today) if market.today else None
    if session is None or market.today != context.today:
        raise MarketRefusal("session_closed")
    rules.check_session(context.now, session.opens_at, session.closes_at, session.closed_seq is not None)
    return market.today


def ensure_terms(batch, instrument, code: str) -> str:
    """Journal the book's terms when they are new or changed (a new day's accrued interest)."""
    key = book_key(instrument.id, code)
    settles_on = batch.market.dates[code]     # journaled at the opening: no calendar per batch
    terms = batch.context.terms(instrument, settles_on)
    book = batch.market.books.get(key)
    if book is None or book.terms != terms:
        batch.emit({"kind": "terms", "book": key, "code": code, "terms": terms.to_dict()})
    return key


def tradable(batch, instrument_id: int, code: str):
    instrument = batch.context.instrument(instrument_id)
    if instrument is None:
        raise MarketRefusal("unknown_instrument")
    if instrument.halted:
        raise MarketRefusal("instrument_halted", code=instrument.code, reason=instrument.halt_reason or "")
    if code not in instrument.codes:
        raise MarketRefusal("mode_not_allowed", code=instrument.code, settlement=code)
    return instrument


@dataclass
class PlaceOrder(Command):
    organisation_id: int
    account_id: int
    instrument_id: int
    settlement_code: str
    side: str
    type: str
    lots: int
    price: Decimal | None = None
    client_code: str | None = None
    expires_on: date | None = None
    user_id: int | None = None
    key: str | None = None

    def decide(self, batch):
        if self.key and (earlier := previous_order(batch, self.organisation_id, self.key)):
            return earlier
        account = own_account(batch, self.account_id, self.organisation_id)
        today = open_day_of(batch)
        instrument = tradable(batch, self.instrument_id, self.settlement_code)
        event = self._event(batch, instrument, account, today)
        key = ensure_terms(batch, instrument, self.settlement_code)
        event["book"], event["id"] = key, batch.market.seq + 1
        batch.market.check_cover(self.account_id, key, SIDES[self.side],
                                 event["block_ticks"], self.lots)
        effects = batch.emit(event, organisation_id=self.organisation_id, user_id=self.user_id,
                             key=self.key)
        order = effects.orders[event["id"]]
        return Ack(batch.market.seq, order.order_id, order.status,
                   [t for t in effects.trades if event["id"] in (t.buy_order, t.sell_order)])

    def _event(self, batch, instrument, account, today: date) -> dict:
        rules.check_lots(self.lots)
        rules.check_client_code(account.kind, self.client_code)
        corridor = batch.context.corridor(instrument, today)
        if self.type == "market":
            if self.expires_on is not None:
                raise MarketRefusal("market_no_expiry")
            if corridor is None:
                raise MarketRefusal("no_reference_price")
            ticks, block = 0, corridor.high if self.side == "buy" else corridor.low
        else:
            if self.price is None:
                raise MarketRefusal("price_required")
            ticks = rules.to_ticks(self.price, instrument.price_step)
            rules.check_corridor(ticks, corridor, instrument.price_step)
            block = ticks
        if self.expires_on is not None and self.expires_on < today:
            raise MarketRefusal("expiry_in_past")
        return {"kind": "order", "account": self.account_id,
                "side": self.side, "type": self.type, "ticks": ticks, "block_ticks": block,
                "lots": self.lots, "client": client_of(self.client_code),
                "expires_on": self.expires_on and self.expires_on.isoformat()}


def previous_order(batch, organisation_id: int, key: str) -> Ack | None:
    """A retried submission (same Idempotency-Key) gets the first one's answer, not a twin."""
    seq = batch.keys.get((organisation_id, key))
    if seq is None:
        return None
    order = batch.market.orders.get(seq) or batch.projection.orders.get(seq)
    if order is not None:
        return Ack(seq, seq, order.status, duplicate=True)
    status = batch.session.scalar(select(MarketOrder.status).where(MarketOrder.id == seq))
    return Ack(seq, seq, status, duplicate=True)


def owned_order(batch, order_id: int, organisation_id: int | None):
    """Members act only on their own orders; staff (organisation None) on any."""
    order = batch.market.orders.get(order_id)
    if order is None:
        raise MarketRefusal("order_not_active")
    if organisation_id is not None:
        account = batch.context.account(order.account)
        if account is None or account.organisation_id != organisation_id:
            raise MarketRefusal("order_not_active")
    return order


@dataclass
class CancelOrder(Command):
    order_id: int
    organisation_id: int | None
    user_id: int | None = None

    def decide(self, batch):
        owned_order(batch, self.order_id, self.organisation_id)
        effects = batch.emit({"kind": "cancel", "id": self.order_id},
                             organisation_id=self.organisation_id, user_id=self.user_id)
        return Ack(batch.market.seq, self.order_id, effects.orders[self.order_id].status)


@dataclass
class AmendOrder(Command):
    order_id: int
    organisation_id: int
    price: Decimal
    lots: int
    user_id: int | None = None

    def decide(self, batch):
        order = owned_order(batch, self.order_id, self.organisation_id)
        open_day_of(batch)
        instrument_id = int(order.book.split("/")[0])
        instrument = tradable(batch, instrument_id, batch.market.books[order.book].code)
        rules.check_lots(self.lots)
        ticks = rules.to_ticks(self.price, instrument.price_step)
        rules.check_corridor(ticks, batch.context.corridor(instrument, batch.market.today),
                             instrument.price_step)
        batch.market.check_amend(self.order_id, ticks, self.lots)
        effects = batch.emit({"kind": "amend", "id": self.order_id, "ticks": ticks, "lots": self.lots},
                             organisation_id=self.organisation_id, user_id=self.user_id)
        order = effects.orders[self.order_id]
        return Ack(batch.market.seq, self.order_id, order.status,
                   [t for t in effects.trades if self.order_id in (t.buy_order, t.sell_order)])


def side_of(order) -> str:
    return "buy" if order.side == BUY else "sell"
