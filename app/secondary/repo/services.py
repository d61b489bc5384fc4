"""Repo (seed 004 §29–32, App.5): automatic repo on the book, traded on the rate for the
standard terms, and direct repo addressed to a counterparty.  Both legs are formed together
when the deal is made; the closing leg settles on its date with the other deals (DVP); a
direct repo may close early when both sides agree; nothing is extended.

Without a CCP both kinds open at P = Ptk × (1 − Disc): Disc from App.5 (the instrument's
`repo_discount`) for automatic repo, agreed by the parties for direct repo.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from app.domain import market_rules as rules
from app.domain import repo
from app.domain.market import BUY, SELL, MarketRefusal, Terms
from app.secondary.engine.commands import (Ack, Command, check_counterparty, client_of, open_day_of, own_account,
                                           previous_order, tradable)
from app.secondary.engine.projection import book_key

RATE_STEP = Decimal("0.01")           # repo rates in % p.a. to 0.01
SIDES = {"borrow": BUY, "lend": SELL}  # the borrower bids the rate; the lender offers it


def auto_code(days: int) -> str:
    """The settlement-code column of an automatic repo book: R and the term in days."""
    return f"R{days}"


def rate_ticks(rate: Decimal | None) -> int:
    if rate is None:
        raise MarketRefusal("price_required")
    return rules.to_ticks(rate, RATE_STEP)


def repo_terms(batch, instrument, days: int, discount: Decimal | None) -> Terms:
    """The legs' economics on the day: P from the reference price, closing date, T."""
    today = batch.market.today
    reference = batch.context.reference(instrument.id, today)
    if reference is None:
        raise MarketRefusal("no_reference_price")
    closes_on = today + timedelta(days=days)
    if not batch.context.calendar(closes_on.year).is_business_day(closes_on):
        raise MarketRefusal("repo_close_not_business_day", day=closes_on.isoformat())
    if instrument.maturity_on is not None:
        try:
            repo.check_no_redemption(today, closes_on, [instrument.maturity_on])
        except repo.RepoRuleBroken as error:
            raise MarketRefusal(error.code) from None
    price = repo.opening_price(reference, discount)
    unit = repo.percent_of_face(instrument.face_value) if instrument.face_value else Decimal(1)
    value = (price * unit).quantize(Decimal("0.000001"))
    base = batch.context.terms(instrument, today)
    return Terms(base.asset, base.currency, base.lot_size, RATE_STEP, base.face_value, base.accrued,
                 value, days, closes_on, repo.year_basis(today))


def emit_terms(batch, key: str, terms: Terms) -> None:
    book = batch.market.books.get(key)
    if book is None or book.terms != terms:
        batch.emit({"kind": "terms", "book": key, "code": "T0", "terms": terms.to_dict()})


@dataclass
class PlaceRepoOrder(Command):
    """An automatic repo order: borrow (deliver securities, receive money) or lend."""
    organisation_id: int
    account_id: int
    instrument_id: int
    days: int
    side: str
    rate: Decimal | None
    lots: int
    client_code: str | None = None
    user_id: int | None = None
    key: str | None = None

    def decide(self, batch):
        if self.key and (earlier := previous_order(batch, self.organisation_id, self.key)):
            return earlier
        account = own_account(batch, self.account_id, self.organisation_id)
        open_day_of(batch)
        instrument = tradable(batch, self.instrument_id, "T0")
        if instrument.repo_discount is None:
            raise MarketRefusal("repo_not_allowed", code=instrument.code)
        _check(repo.check_auto_term, self.days)
        rules.check_lots(self.lots)
        rules.check_client_code(account.kind, self.client_code)
        ticks = rate_ticks(self.rate)
        key = book_key(instrument.id, auto_code(self.days))
        emit_terms(batch, key, repo_terms(batch, instrument, self.days, instrument.repo_discount))
        side = SIDES[self.side]
        batch.market.check_cover(self.account_id, key, side, ticks, self.lots)
        order_id = batch.market.seq + 1
        effects = batch.emit({"kind": "order", "id": order_id, "book": key, "account": account.id,
                              "side": "buy" if side == BUY else "sell", "type": "limit",
                              "ticks": ticks, "block_ticks": ticks, "lots": self.lots,
                              "client": client_of(self.client_code),
                              "expires_on": None},
                             organisation_id=self.organisation_id, user_id=self.user_id, key=self.key)
        return Ack(batch.market.seq, order_id, effects.orders[order_id].status, effects.trades)


@dataclass
class OfferDirectRepo(Command):
    """A direct repo addressed to a counterparty, with the agreed rate, term and discount."""
    organisation_id: int
    account_id: int
    counterparty_id: int | None
    instrument_id: int
    days: int
    side: str
    rate: Decimal | None
    lots: int
    discount: Decimal | None = None
    client_code: str | None = None
    user_id: int | None = None

    def decide(self, batch):
        account = own_account(batch, self.account_id, self.organisation_id)
        check_counterparty(self.organisation_id, self.counterparty_id)
        open_day_of(batch)
        instrument = tradable(batch, self.instrument_id, "T0")
        _check(repo.check_direct_term, self.days, 90)
        _check(repo.check_discount, self.discount)
        rules.check_lots(self.lots)
        rules.check_client_code(account.kind, self.client_code)
        ticks = rate_ticks(self.rate)
        offer_id = batch.market.seq + 1
        key = book_key(instrument.id, f"X{offer_id}")     # a book of its own: agreed terms
        emit_terms(batch, key, repo_terms(batch, instrument, self.days, self.discount))
        offer_id = batch.market.seq + 1
        side = SIDES[self.side]
        batch.market.check_cover(self.account_id, key, side, ticks, self.lots)
        batch.emit({"kind": "direct", "id": offer_id, "book": key, "account": account.id,
                    "side": "buy" if side == BUY else "sell", "ticks": ticks, "lots": self.lots,
                    "counterparty": self.counterparty_id,
                    "client": client_of(self.client_code)},
                   organisation_id=self.organisation_id, user_id=self.user_id)
        return Ack(batch.market.seq, offer_id, "offered")


@dataclass
class CloseRepoEarly(Command):
    """§: a direct repo closes early only by both sides' agreement, not on its opening or
    closing day, for Scn = So + I; an automatic repo never closes early."""
    repo_id: int
    organisation_id: int | None
    user_id: int | None = None

    def decide(self, batch):
        market = batch.market
        legs = [t for t in market.pending.values() if t.repo_id == self.repo_id]
        if not legs:
            raise MarketRefusal("repo_not_open")
        leg = legs[0]
        kind = repo.RepoKind.DIRECT if leg.kind.startswith("direct") else repo.RepoKind.AUTO
        opened_on = leg.trade_day
        _check(repo.check_early_close, kind, opened_on, leg.settles_on, market.today, True)
        event = {"kind": "repo_close_early", "repo": self.repo_id,
                 "amount": str(_early_sum(batch, leg))}
        if self.organisation_id is not None:
            sides = [side for side, account in (("buyer", leg.buyer), ("seller", leg.seller))
                     if batch.context.account(account).organisation_id == self.organisation_id]
            if not sides:
                raise MarketRefusal("repo_not_open")
            event["side"] = sides[0]
        batch.emit(event, organisation_id=self.organisation_id, user_id=self.user_id)
        return Ack(market.seq, status=leg.status)


def _early_sum(batch, closing_leg) -> Decimal:
    terms = batch.market.books[closing_leg.book].terms
    open_sum = terms.opening_sum(closing_leg.lots)
    held = (batch.market.today - closing_leg.trade_day).days
    rate = terms.price(closing_leg.ticks)
    return repo.early_close_sum(open_sum, repo.repo_income(open_sum, rate, held, terms.year_days))


def _check(rule, *args) -> None:
    try:
        rule(*args)
    except repo.RepoRuleBroken as error:
        raise MarketRefusal(error.code) from None

