"""Margin monitoring (issue 13, items 3 and 4), a step of the worker's round.

Each round re-evaluates only the clients something touched since the last one, found from a
cursor that survives a restart: new ledger movements (deposits, deals, fees, withdrawals), new
trades on the desk's market (the holders of those instruments, at any firm), new quotes of an
external venue (that firm's holders), and rates or FX entries that came into force (that firm's
clients). A client's standing is stored with its figures; when it gets worse the client hears of
it once — NPR1 below zero: S, M0 and Mx; NPR2 below zero: a margin call with its deadline and
what the broker does then — and back at NPR1 ≥ 0 an open call is met.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select

from app.brokerage.models import BrokerClient, LedgerEntry, Venue
from app.domain import margin
from app.domain.calendar import almaty_date
from app.margin import calls
from app.margin.models import DiscountRate, FxRate, MarginCursor, MarginDay, MarginState
from app.margin.risk import RiskUnavailable, client_risk
from app.secondary.models import TRADED, Instrument, MarketTrade
from app.venues.models import VenueInstrument, VenueQuote

log = logging.getLogger(__name__)


def revalue_touched(session, at: datetime) -> int:
    """One round: the clients touched since the last one, evaluated; how many."""
    cursor = session.get(MarginCursor, 1, with_for_update=True) or _new_cursor(session)
    touched = _touched(session, cursor, at)
    for client in session.scalars(select(BrokerClient).where(BrokerClient.id.in_(touched)).order_by(BrokerClient.id)):
        evaluate(session, client, at)
    return len(touched)


def _new_cursor(session) -> MarginCursor:
    cursor = MarginCursor(id=1, ledger_id=0, trade_id=0, quote_id=0, rate_id=0, fx_id=0, checked_at=None)
    session.add(cursor)
    session.flush()
    return cursor


def _touched(session, cursor: MarginCursor, at: datetime) -> set[int]:
    """The clients to evaluate, and the cursor moved past what was read."""
    touched: set[int] = set()
    last_ledger = session.scalar(select(func.max(LedgerEntry.id))) or 0
    if last_ledger > cursor.ledger_id:
        touched |= set(session.scalars(select(LedgerEntry.client_id).where(
            LedgerEntry.id > cursor.ledger_id, LedgerEntry.id <= last_ledger).distinct()))
    last_trade = session.scalar(select(func.max(MarketTrade.id))) or 0
    if last_trade > cursor.trade_id:
        codes = set(session.scalars(select(Instrument.code).join(MarketTrade, MarketTrade.instrument_id == Instrument.id)
                                    .where(MarketTrade.id > cursor.trade_id, MarketTrade.id <= last_trade,
                                           MarketTrade.kind.in_(TRADED)).distinct()))
        touched |= _holders(session, [(Venue.KASE, code) for code in codes])
    last_quote = session.scalar(select(func.max(VenueQuote.id))) or 0
    if last_quote > cursor.quote_id:
        quoted = session.execute(select(VenueInstrument.firm_id, VenueInstrument.venue, VenueInstrument.code)
                                 .join(VenueQuote, VenueQuote.instrument_id == VenueInstrument.id)
                                 .where(VenueQuote.id > cursor.quote_id, VenueQuote.id <= last_quote).distinct()).all()
        for firm_id, venue, code in quoted:
            touched |= _holders(session, [(venue, code)], firm_id)
    touched |= _under_new_entries(session, cursor, at)
    cursor.ledger_id, cursor.trade_id, cursor.quote_id, cursor.checked_at = last_ledger, last_trade, last_quote, at
    return touched


def _holders(session, keys: list[tuple[str, str]], firm_id: int | None = None) -> set[int]:
    """Clients whose ledger holds (long or short) any of these instruments."""
    if not keys:
        return set()
    found: set[int] = set()
    for venue, code in keys:
        query = (select(LedgerEntry.client_id).where(LedgerEntry.venue == venue, LedgerEntry.asset == code)
                 .group_by(LedgerEntry.client_id).having(func.sum(LedgerEntry.amount) != 0))
        if firm_id is not None:
            query = query.join(BrokerClient, BrokerClient.id == LedgerEntry.client_id).where(BrokerClient.firm_id == firm_id)
        found |= set(session.scalars(query))
    return found


def _under_new_entries(session, cursor: MarginCursor, at: datetime) -> set[int]:
    """The clients of firms with rates (of their category) or FX rates that came into force since
    the last round: entries added since, in force already, and entries dated ahead whose moment
    has passed. The cursor moves past the entries read."""
    last_rate = session.scalar(select(func.max(DiscountRate.id))) or 0
    last_fx = session.scalar(select(func.max(FxRate.id))) or 0
    rates = session.execute(select(DiscountRate.firm_id, DiscountRate.category).where(
        _came_into_force(DiscountRate, cursor.rate_id, last_rate, cursor.checked_at, at)).distinct()).all()
    fx_firms = set(session.scalars(select(FxRate.firm_id).where(
        _came_into_force(FxRate, cursor.fx_id, last_fx, cursor.checked_at, at)).distinct()))
    cursor.rate_id, cursor.fx_id = last_rate, last_fx
    touched = set(session.scalars(select(BrokerClient.id).where(BrokerClient.firm_id.in_(fx_firms)))) if fx_firms else set()
    for firm_id, category in rates:
        touched |= set(session.scalars(select(BrokerClient.id).where(BrokerClient.firm_id == firm_id,
                                                                      BrokerClient.margin_category == category)))
    return touched


def _came_into_force(model, seen_id: int, last_id: int, since: datetime | None, at: datetime):
    added = (model.id > seen_id) & (model.id <= last_id) & (model.effective_from <= at)
    if since is None:
        return added
    return added | ((model.effective_from > since) & (model.effective_from <= at) & (model.id <= last_id))


# --- one client --------------------------------------------------------------------------------

def evaluate(session, client: BrokerClient, at: datetime) -> margin.Standing | None:
    """The client's figures now, stored; the notices and the margin call its change calls for."""
    try:
        figures = client_risk(session, client, at).figures
    except RiskUnavailable as error:
        log.warning("margin figures of client %s unavailable: no %s rate", client.id, error.currency)
        return None
    state = session.get(MarginState, client.id) or _new_state(session, client)
    before, after = margin.Standing(state.standing), figures.standing
    state.standing, state.evaluated_at = int(after), at
    state.s, state.m0, state.npr1, state.npr2 = (calls.cents(value) for value in (figures.s, figures.m0, figures.npr1,
                                                                            figures.npr2))
    session.flush()
    _keep_day(session, client, state, at)
    if after > before:
        _worsened(session, client, figures, after, at)
    elif after == margin.Standing.OK:
        calls.settle(session, client, at)
    return after


def _new_state(session, client: BrokerClient) -> MarginState:
    state = MarginState(client_id=client.id, standing=int(margin.Standing.OK), s=0, m0=0, npr1=0, npr2=0)
    session.add(state)
    return state


def _worsened(session, client: BrokerClient, figures: margin.Figures, after: margin.Standing, at: datetime) -> None:
    if after == margin.Standing.NPR2_NEGATIVE:
        call = calls.issue(session, client, figures, at)
        calls.tell(session, client, "margin_call", at, s=figures.s, m0=figures.m0, mx=figures.mx,
                   deadline=call.deadline)
    else:
        calls.tell(session, client, "margin_npr1", at, s=figures.s, m0=figures.m0, mx=figures.mx)


def _keep_day(session, client: BrokerClient, state: MarginState, at: datetime) -> None:
    """The day's last figures, one row per client and Almaty day: the Risks section's chart."""
    day = almaty_date(at)
    row = session.scalar(select(MarginDay).where(MarginDay.client_id == client.id, MarginDay.day == day))
    if row is None:
        row = MarginDay(client_id=client.id, day=day)
        session.add(row)
    row.npr1, row.npr2, row.evaluated_at = state.npr1, state.npr2, at
    session.flush()
