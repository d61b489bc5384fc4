"""Direct (negotiated) deals: an order addressed to a named counterparty, who accepts or
rejects it; an accepted one becomes a deal that settles like any other (SPEC §4)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.domain import market_rules as rules
from app.domain.market import SIDES, MarketRefusal
from app.secondary.engine.commands import (Ack, Command, check_counterparty, client_of, ensure_terms, open_day_of,
                                           own_account, tradable)


@dataclass
class OfferDirectDeal(Command):
    organisation_id: int
    account_id: int
    counterparty_id: int | None
    instrument_id: int
    settlement_code: str
    side: str
    price: Decimal | None
    lots: int
    client_code: str | None = None
    user_id: int | None = None

    def decide(self, batch):
        account = own_account(batch, self.account_id, self.organisation_id)
        check_counterparty(self.organisation_id, self.counterparty_id)
        open_day_of(batch)
        instrument = tradable(batch, self.instrument_id, self.settlement_code)
        rules.check_lots(self.lots)
        rules.check_client_code(account.kind, self.client_code)
        if self.price is None:
            raise MarketRefusal("price_required")
        ticks = rules.to_ticks(self.price, instrument.price_step)
        rules.check_corridor(ticks, batch.context.corridor(instrument, batch.market.today),
                             instrument.price_step)
        key = ensure_terms(batch, instrument, self.settlement_code)
        batch.market.check_cover(self.account_id, key, SIDES[self.side], ticks, self.lots)
        offer_id = batch.market.seq + 1
        batch.emit({"kind": "direct", "id": offer_id, "book": key, "account": self.account_id,
                    "side": self.side, "ticks": ticks, "lots": self.lots,
                    "counterparty": self.counterparty_id,
                    "client": client_of(self.client_code)},
                   organisation_id=self.organisation_id, user_id=self.user_id)
        return Ack(batch.market.seq, offer_id, "offered")


@dataclass
class AnswerDirectDeal(Command):
    offer_id: int
    organisation_id: int
    accept: bool
    account_id: int | None = None
    client_code: str | None = None
    user_id: int | None = None

    def decide(self, batch):
        offer = batch.market.orders.get(self.offer_id)
        if offer is None or offer.kind != "direct" or offer.status != "offered":
            raise MarketRefusal("order_not_active")
        if offer.counterparty != self.organisation_id:
            raise MarketRefusal("not_addressed_to_you")
        if not self.accept:
            batch.emit({"kind": "direct_reject", "offer": self.offer_id},
                       organisation_id=self.organisation_id, user_id=self.user_id)
            return Ack(batch.market.seq, self.offer_id, "rejected")
        account = own_account(batch, self.account_id, self.organisation_id)
        rules.check_client_code(account.kind, self.client_code)
        open_day_of(batch)
        batch.market.check_cover(account.id, offer.book, 1 - offer.side, offer.ticks, offer.lots)
        answer_id = batch.market.seq + 1
        effects = batch.emit({"kind": "direct_accept", "id": answer_id, "offer": self.offer_id,
                              "account": account.id,
                              "client": client_of(self.client_code)},
                             organisation_id=self.organisation_id, user_id=self.user_id)
        return Ack(batch.market.seq, answer_id, "filled", effects.trades)
