"""What the repo pages and API read (seed 004 §29–32): the automatic repo books, a firm's repos
with both legs side by side, direct repo offers, and the inputs of the legs' arithmetic.

Book keys are "<instrument>/R<days>" (automatic repo) and "<instrument>/X<n>" (one per direct
repo offer); the rate is the price. A repo's P, n, T and closing date are the book's terms as
the journal recorded them when the deal was made, so the arithmetic shown is the one the
market used: So = P × K, Sc = So × (1 + r × n / (100 × T)), and for an early close
Scn = So + I with I = So × r × m / (100 × T).
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select

from app.calendar.services import business_calendar
from app.domain import repo
from app.domain.calendar import almaty_date
from app.domain.market import Terms
from app.secondary.engine.projection import book_key
from app.secondary.models import LIVE, Instrument, JournalEntry, MarketOrder, MarketTrade, ReferencePrice
from app.secondary.repo.services import auto_code
from app.secondary.trading.services import with_firm

AUTO, DIRECT = "auto", "direct"
OPEN_LEG = ("pending", "failed")          # a closing leg not yet delivered
BORROWER, LENDER = "buyer", "seller"      # the closing leg's sides: the borrower buys back
DISCOUNT_PLACES = Decimal("0.0001")
MAX_REPOS = 200


# --- automatic repo books ----------------------------------------------------------------------

@dataclass(frozen=True)
class BookSide:
    best: Decimal | None      # best rate, % a year: the highest borrow bid, the lowest lend offer
    best_lots: int
    lots: int                 # all live lots on the side
    orders: int


@dataclass(frozen=True)
class RepoBook:
    instrument: Instrument
    days: int
    closes_on: date
    closes_on_business_day: bool
    borrow: BookSide
    lend: BookSide

    @property
    def code(self) -> str:
        return auto_code(self.days)


def repo_instruments(session) -> list[Instrument]:
    """Instruments on the repo list: App.5 gives them a discount."""
    return list(session.scalars(select(Instrument).where(Instrument.repo_discount.is_not(None))
                                .order_by(Instrument.code)))


def repo_books(session, day: date) -> list[RepoBook]:
    """Every eligible instrument × standard term, with both sides' best rate and depth."""
    instruments = repo_instruments(session)
    codes = [auto_code(days) for days in repo.REPO_TERMS]
    rows = session.execute(
        select(MarketOrder.instrument_id, MarketOrder.settlement_code, MarketOrder.side, MarketOrder.price,
               func.sum(MarketOrder.remaining_lots), func.count())
        .where(MarketOrder.instrument_id.in_([item.id for item in instruments]),
               MarketOrder.settlement_code.in_(codes), MarketOrder.board == "book",
               MarketOrder.status.in_(LIVE))
        .group_by(MarketOrder.instrument_id, MarketOrder.settlement_code, MarketOrder.side, MarketOrder.price))
    levels = defaultdict(list)
    for instrument_id, code, side, price, lots, count in rows:
        levels[(instrument_id, code, side)].append((price, int(lots), count))
    out = []
    for instrument in instruments:
        for days in repo.REPO_TERMS:
            closes_on = day + timedelta(days=days)
            code = auto_code(days)
            out.append(RepoBook(instrument, days, closes_on, _business_day(session, closes_on),
                                _side(levels[(instrument.id, code, "buy")], highest=True),
                                _side(levels[(instrument.id, code, "sell")], highest=False)))
    return out


def _business_day(session, day: date) -> bool:
    return business_calendar(session, day.year).is_business_day(day)


def _side(levels: list, highest: bool) -> BookSide:
    if not levels:
        return BookSide(None, 0, 0, 0)
    best = max(levels) if highest else min(levels)
    return BookSide(best[0], best[1], sum(level[1] for level in levels), sum(level[2] for level in levels))


def live_repo_orders(session, organisation_id: int) -> list[MarketOrder]:
    """A firm's automatic repo orders still on the book, newest first."""
    return list(session.scalars(select(MarketOrder).where(
        MarketOrder.organisation_id == organisation_id, MarketOrder.settlement_code.like("R%"),
        MarketOrder.status.in_(LIVE)).order_by(MarketOrder.id.desc())))


# --- the legs' arithmetic ------------------------------------------------------------------------

@dataclass(frozen=True)
class BookTerms:
    seq: int
    day: date                 # the trading day the terms were set on: Ptk's day
    terms: Terms


def book_terms(session, keys: set[str], before: int | None = None) -> dict[str, list[BookTerms]]:
    """The terms journaled for these books, oldest first (a book's terms change when the day's
    reference price does)."""
    if not keys:
        return {}
    # Payloads are canonical JSON (no spaces, sorted keys): the book key matches exactly.
    query = select(JournalEntry.seq, JournalEntry.at, JournalEntry.payload).where(
        JournalEntry.kind == "terms", or_(*[JournalEntry.payload.like(f'%"book":"{key}"%') for key in keys]))
    if before is not None:
        query = query.where(JournalEntry.seq < before)
    found = defaultdict(list)
    for seq, at, payload in session.execute(query.order_by(JournalEntry.seq)):
        event = json.loads(payload)
        if event["book"] in keys:
            found[event["book"]].append(BookTerms(seq, almaty_date(at), Terms.from_dict(event["terms"])))
    return found


def terms_at(history: list[BookTerms], seq: int) -> BookTerms | None:
    """The terms in force when event `seq` was sequenced."""
    return next((item for item in reversed(history) if item.seq < seq), None)


@dataclass(frozen=True)
class Arithmetic:
    """§31 inputs and results of one repo (or offer). Money in the instrument's currency."""
    reference: Decimal | None   # Ptk: tenge per share, or % of face value for a bond
    discount: Decimal | None    # Disc, a fraction
    unit_value: Decimal         # money of one price unit of one security (face / 100 for bonds)
    price: Decimal              # P × unit_value: the money value of one security at opening
    quantity: int               # K, securities
    open_sum: Decimal           # So = P × K
    rate: Decimal               # r, % a year
    days: int                   # n, calendar days
    year_days: int              # T
    close_sum: Decimal          # Sc = So × (1 + r × n / (100 × T))
    opens_on: date
    closes_on: date

    @property
    def clean_price(self) -> Decimal:
        """P in the instrument's price unit (tenge, or % of face)."""
        return self.price / self.unit_value

    def early(self, on: date) -> tuple[int, Decimal, Decimal]:
        """(m, I, Scn) for an early close on `on`: §31.8."""
        held = (on - self.opens_on).days
        income = repo.repo_income(self.open_sum, self.rate, held, self.year_days)
        return held, income, repo.early_close_sum(self.open_sum, income)


def arithmetic(instrument: Instrument, set_terms: BookTerms, reference: Decimal | None, rate: Decimal,
               lots: int) -> Arithmetic:
    """`reference`: Ptk of the day the terms were set; Disc is what P = Ptk × (1 − Disc) leaves."""
    terms = set_terms.terms
    unit = repo.percent_of_face(instrument.face_value) if instrument.face_value else Decimal(1)
    discount = (1 - terms.repo_price / (reference * unit)).quantize(DISCOUNT_PLACES) if reference else None
    open_sum = terms.opening_sum(lots)
    return Arithmetic(reference, discount, unit, terms.repo_price, lots * terms.lot_size, open_sum, rate,
                      terms.repo_days, terms.year_days,
                      repo.closing_sum(open_sum, rate, terms.repo_days, terms.year_days),
                      set_terms.day, terms.closes_on)


def _arithmetics(session, items: list[tuple[MarketOrder | MarketTrade, int]]) -> list[Arithmetic | None]:
    """The arithmetic of each (order or opening leg, lots), with two queries for them all."""
    history = book_terms(session, {book_key(row.instrument_id, row.settlement_code) for row, _lots in items})
    found = [(row, lots, terms_at(history.get(book_key(row.instrument_id, row.settlement_code), []), row.seq))
             for row, lots in items]
    wanted = {(row.instrument_id, set_terms.day) for row, _lots, set_terms in found if set_terms}
    references = {}
    if wanted:
        rows = session.execute(select(ReferencePrice.instrument_id, ReferencePrice.trading_day, ReferencePrice.price)
                               .where(ReferencePrice.instrument_id.in_({key[0] for key in wanted}),
                                      ReferencePrice.trading_day.in_({key[1] for key in wanted})))
        references = {(instrument_id, day): price for instrument_id, day, price in rows}
    return [arithmetic(row.instrument, set_terms, references.get((row.instrument_id, set_terms.day)), row.price, lots)
            if set_terms else None for row, lots, set_terms in found]


# --- repos ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RepoView:
    """Both legs of one repo. The closing leg's buyer is the borrower (it buys its securities
    back for Sc); its seller the lender."""
    repo_id: int
    opening: MarketTrade
    closing: MarketTrade
    math: Arithmetic | None
    agreed: frozenset[str]        # sides that agreed to close early: buyer (borrower), seller (lender)

    @property
    def kind(self) -> str:
        return DIRECT if self.opening.kind.startswith("direct") else AUTO

    @property
    def instrument(self) -> Instrument:
        return self.opening.instrument

    @property
    def is_open(self) -> bool:
        return self.closing.status in OPEN_LEG

    @property
    def closed_early(self) -> bool:
        return self.math is not None and self.closing.settles_on < self.math.closes_on

    def side_of(self, account_ids: set[int]) -> str | None:
        """BORROWER or LENDER for a firm with these accounts; None for a third party."""
        if self.closing.buyer_account_id in account_ids:
            return BORROWER
        return LENDER if self.closing.seller_account_id in account_ids else None


def repos(session, organisation_id: int | None, open_only: bool = False) -> list[RepoView]:
    """A firm's repos (every firm's for None), the newest first."""
    query = select(MarketTrade).where(MarketTrade.repo_id.is_not(None))
    if organisation_id is not None:
        query = query.where(with_firm(organisation_id))
    trades = session.scalars(query.order_by(MarketTrade.repo_id.desc(), MarketTrade.id).limit(2 * MAX_REPOS))
    views = _views(session, list(trades))
    return [view for view in views if view.is_open] if open_only else views


def repo_of(session, repo_id: int) -> RepoView | None:
    trades = list(session.scalars(select(MarketTrade).where(MarketTrade.repo_id == repo_id).order_by(MarketTrade.id)))
    views = _views(session, trades)
    return views[0] if views else None


def _views(session, trades: list[MarketTrade]) -> list[RepoView]:
    legs = defaultdict(dict)
    for trade in trades:
        legs[trade.repo_id][trade.kind.rsplit("_", 1)[1]] = trade
    pairs = [(repo_id, pair) for repo_id, pair in legs.items() if {"open", "close"} <= pair.keys()]
    maths = _arithmetics(session, [(pair["open"], pair["open"].lots) for _repo_id, pair in pairs])
    agreed = early_agreements(session, {repo_id for repo_id, _pair in pairs})
    return [RepoView(repo_id, pair["open"], pair["close"], math, agreed.get(repo_id, frozenset()))
            for (repo_id, pair), math in zip(pairs, maths)]


def early_agreements(session, repo_ids: set[int]) -> dict[int, frozenset[str]]:
    """Who has agreed to close each repo early, from the journaled agreements; an agreement
    the exchange recorded without a side stands for both."""
    if not repo_ids:
        return {}
    found = defaultdict(set)
    for payload in session.scalars(select(JournalEntry.payload).where(JournalEntry.kind == "repo_close_early")):
        event = json.loads(payload)
        if event["repo"] in repo_ids:
            found[event["repo"]].update([event["side"]] if event.get("side") else [BORROWER, LENDER])
    return {repo_id: frozenset(sides) for repo_id, sides in found.items()}


# --- direct repo offers ----------------------------------------------------------------------------

@dataclass(frozen=True)
class OfferView:
    order: MarketOrder
    math: Arithmetic | None


def repo_offers(session, organisation_id: int, received: bool) -> list[OfferView]:
    """Direct repo offers addressed to the firm (`received`) or sent by it, newest first."""
    column = MarketOrder.counterparty_id if received else MarketOrder.organisation_id
    orders = list(session.scalars(select(MarketOrder).where(
        column == organisation_id, MarketOrder.counterparty_id.is_not(None),
        MarketOrder.settlement_code.like("X%")).order_by(MarketOrder.id.desc()).limit(MAX_REPOS)))
    return offer_views(session, orders)


def offer_views(session, orders: list[MarketOrder]) -> list[OfferView]:
    return [OfferView(order, math) for order, math in zip(orders, _arithmetics(session, [(o, o.lots) for o in orders]))]


def is_repo_offer(order: MarketOrder | None) -> bool:
    return order is not None and order.counterparty_id is not None and order.settlement_code.startswith("X")
