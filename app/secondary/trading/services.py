"""Secondary market services: instructions go through the sequencer (which commits: an
acknowledgement must follow the journal's commit); reads come from the projected tables, so
every worker answers the same."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from app.clock.services import now
from app.domain.calendar import almaty_date, almaty_instant
from app.domain.ledger import Ledger
from app.secondary import surveillance
from app.secondary.engine import sequencer
from app.secondary.messages import MarketError
from app.secondary.models import (LIVE, TRADED, Instrument, MarketOrder, MarketTrade, Position, ReferencePrice,
                                  TradingAccount, TradingSession)


def execute(session, command):
    """One instruction, sequenced and committed; a refusal is raised as `MarketError`."""
    result = sequencer.submit(session, [command], now())[0]
    if isinstance(result, MarketError):
        raise result
    return result


def execute_many(session, commands: list) -> list:
    """Several instructions under one lock and one commit; each gets its own answer."""
    return sequencer.submit(session, commands, now())


def current_session(session) -> TradingSession | None:
    return session.scalar(select(TradingSession).order_by(TradingSession.trading_day.desc()).limit(1))


def market_day(session) -> date:
    return day_of(current_session(session))


def day_of(trading_session: TradingSession | None) -> date:
    """The session's trading day; today's Almaty date before any session was opened."""
    return trading_session.trading_day if trading_session else almaty_date(now())


def is_open(trading_session: TradingSession | None) -> bool:
    if trading_session is None or trading_session.closed_seq is not None:
        return False
    return trading_session.opens_at <= now() < trading_session.closes_at


@dataclass(frozen=True)
class DepthLevel:
    price: Decimal
    lots: int
    orders: int


def book_depth(session, instrument_id: int, code: str, levels: int = 10):
    """(bids best first, asks best first) from the live orders of one book."""
    query = (select(MarketOrder.side, MarketOrder.price, func.sum(MarketOrder.remaining_lots),
                    func.count())
             .where(MarketOrder.instrument_id == instrument_id, MarketOrder.settlement_code == code,
                    MarketOrder.board == "book", MarketOrder.kind == "limit",
                    MarketOrder.status.in_(LIVE))
             .group_by(MarketOrder.side, MarketOrder.price))
    rows = session.execute(query).all()
    bids = sorted((DepthLevel(p, int(q), n) for s, p, q, n in rows if s == "buy"), key=lambda l: -l.price)
    asks = sorted((DepthLevel(p, int(q), n) for s, p, q, n in rows if s == "sell"), key=lambda l: l.price)
    return bids[:levels], asks[:levels]


@dataclass(frozen=True)
class Quote:
    instrument: Instrument
    code: str
    bid: Decimal | None
    ask: Decimal | None
    last: Decimal | None
    reference: Decimal | None
    lots: int
    amount: Decimal
    trades: int

    @property
    def change(self) -> Decimal | None:
        if self.last is None or not self.reference:
            return None
        return ((self.last - self.reference) / self.reference * 100).quantize(Decimal("0.01"))


def quotes(session, day: date) -> list[Quote]:
    """Bid, ask, last, change against the reference price and the day's volume, per book."""
    references = dict(session.execute(select(ReferencePrice.instrument_id, ReferencePrice.price)
                                      .where(ReferencePrice.trading_day == day)).all())
    return [Quote(book.instrument, book.code, book.best_bid, book.best_ask, book.last,
                  references.get(book.instrument.id), book.lots, book.amount, book.trades)
            for book in surveillance.books(session, day)]


def recent_trades(session, instrument_id: int, code: str, limit: int = 20) -> list[MarketTrade]:
    return list(session.scalars(select(MarketTrade).where(
        MarketTrade.instrument_id == instrument_id, MarketTrade.settlement_code == code,
        MarketTrade.kind.in_(TRADED)).order_by(MarketTrade.id.desc()).limit(limit)))


def firm_accounts(organisation_id: int):
    """The ids of a firm's trading accounts, as a subquery."""
    return select(TradingAccount.id).where(TradingAccount.organisation_id == organisation_id)


def firm_account_ids(session, organisation_id: int) -> set[int]:
    return set(session.scalars(firm_accounts(organisation_id)))


def with_firm(organisation_id: int):
    """Trades in which one of the firm's accounts is the buyer or the seller."""
    mine = firm_accounts(organisation_id)
    return MarketTrade.buyer_account_id.in_(mine) | MarketTrade.seller_account_id.in_(mine)


def trades_of(session, organisation_id: int | None, day: date | None = None) -> list[MarketTrade]:
    query = select(MarketTrade).order_by(MarketTrade.id)
    if day is not None:
        query = query.where(MarketTrade.trade_day == day)
    if organisation_id is not None:
        query = query.where(with_firm(organisation_id))
    return list(session.scalars(query))


@dataclass(frozen=True)
class PositionView:
    account: TradingAccount
    asset: str
    incoming: Decimal
    current: Decimal
    planned: Decimal
    settlement: Decimal
    ahead: list[tuple[date, Decimal]]


def positions(session, organisation_id: int | None, day: date) -> list[PositionView]:
    """App.6 §1's five positions for every ledger of the firm's accounts (all, for staff)."""
    query = select(Position).join(TradingAccount).order_by(TradingAccount.code, Position.asset)
    if organisation_id is not None:
        query = query.where(TradingAccount.organisation_id == organisation_id)
    out = []
    for row in session.scalars(query):
        ledger = Ledger.from_dict(json.loads(row.ledger))
        out.append(PositionView(row.account, row.asset, ledger.incoming, ledger.current,
                                ledger.planned(day), ledger.settlement(day), ledger.planned_ahead(day)))
    return out


def failed_trades(session, organisation_id: int) -> list[MarketTrade]:
    """The firm's deals whose settlement failed, oldest settlement date first."""
    return list(session.scalars(select(MarketTrade).where(MarketTrade.status == "failed", with_firm(organisation_id))
                                .order_by(MarketTrade.settles_on, MarketTrade.id)))


# -- a member firm's pages -------------------------------------------------------------------

def own_orders(session, organisation_id: int, statuses: tuple[str, ...] | None = None, day: date | None = None,
               limit: int = 500, **columns) -> list[MarketOrder]:
    """A firm's orders and offers, newest first; `day` is the Almaty day they were placed on;
    `columns` are further equalities (instrument_id, settlement_code, board)."""
    query = select(MarketOrder).where(MarketOrder.organisation_id == organisation_id).filter_by(**columns)
    if statuses:
        query = query.where(MarketOrder.status.in_(statuses))
    if day is not None:
        start = almaty_instant(day, time())
        query = query.where(MarketOrder.placed_at >= start, MarketOrder.placed_at < start + timedelta(days=1))
    return list(session.scalars(query.order_by(MarketOrder.id.desc()).limit(limit)))


def offers_to(session, organisation_id: int, limit: int = 100) -> list[MarketOrder]:
    """Direct deals addressed to a firm, newest first; the `offered` ones await its answer."""
    return list(session.scalars(select(MarketOrder).where(MarketOrder.counterparty_id == organisation_id)
                                .order_by(MarketOrder.id.desc()).limit(limit)))
