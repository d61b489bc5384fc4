"""Forced close-out (seed 003, issue 13 item 5): by the risk staff's decision, at a margin call's
deadline (the worker), or on confirmed news of the client's death. The client's open orders are
cancelled (all, or those the staff pick), then the plan of `app.domain.margin.close_out_plan`
is traded at market one order at a time — on the desk's market through the orders service into
the matcher, on an external venue through the firm's dealing queue — re-evaluating after every
fill, until NPR1 is back at or above zero or nothing is left to trade; a shortfall left then is
a debt. An order that cannot go now (the market closed, nobody on the other side) waits for a
later round, and the close-out shows what it waits for.

An order for the desk's market is sequenced by the matcher, which commits what was written
before it (app.secondary.engine.sequencer.submit): the close-out and each order are stored before the
order reaches the book.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.services import record
from app.auth.models import User
from app.brokerage.models import BrokerClient
from app.domain import margin
from app.domain.client_orders import OrderRefusal
from app.domain.client_orders import settlement_code as default_settlement_code
from app.domain.market import MarketRefusal
from app.margin import calls
from app.margin.models import CallStatus, CloseOut, CloseOutGround, CloseOutStatus
from app.margin.risk import RiskUnavailable, client_risk
from app.orders import instruments
from app.orders import services as orders
from app.orders.models import LIVE_STATUSES, ClientOrder, OrderStatus
from app.refusals import Refusal
from app.secondary.trading import services as market

log = logging.getLogger("desk.margin")
RETRY_AFTER = timedelta(minutes=5)     # an order that found nobody is not placed again sooner
MOST_ORDERS = 50                       # a guard on one round's loop, far above any real plan
REFERENCE_LENGTH = 200

GROUNDS = {CloseOutGround.DEADLINE: _l("the margin call's deadline passed"),
           CloseOutGround.BROKER: _l("decided by your broker's risk staff"),
           CloseOutGround.DEATH: _l("confirmed news of the account holder's death")}
REASON = _l("Forced close-out: %(ground)s.")
CANCELLED = _l("Cancelled by your broker: forced close-out (%(ground)s).")


def running_close_out(session, client: BrokerClient) -> CloseOut | None:
    return session.scalar(select(CloseOut).where(CloseOut.client_id == client.id,
                                                 CloseOut.status == CloseOutStatus.RUNNING))


def close_outs_of(session, client: BrokerClient, limit: int = 10) -> list[CloseOut]:
    return list(session.scalars(select(CloseOut).where(CloseOut.client_id == client.id)
                                .order_by(CloseOut.id.desc()).limit(limit)))


def orders_of(session, close_out: CloseOut) -> list[ClientOrder]:
    return list(session.scalars(select(ClientOrder).where(ClientOrder.close_out_id == close_out.id)
                                .order_by(ClientOrder.id)))


def snapshot(close_out: CloseOut) -> dict:
    return {"client_id": close_out.client_id, "ground": close_out.ground, "reference": close_out.reference,
            "status": close_out.status, "call_id": close_out.call_id, "npr1_at_start": close_out.npr1_at_start,
            "waiting": close_out.waiting, "waiting_code": close_out.waiting_code}


# --- starting ----------------------------------------------------------------------------------------

def start(session, client: BrokerClient, ground: CloseOutGround, by: User | None, at: datetime,
          cancel: set[int] | None = None, reference: str | None = None) -> CloseOut:
    """Cancel the client's open orders (`cancel`: the ids the staff picked; None: all), then
    trade the plan. The broker's own decision needs NPR1 below zero; the other grounds do not."""
    if running_close_out(session, client) is not None:
        raise Refusal(_l("A forced close-out of this client is already running."), code="close_out_running")
    try:
        figures = client_risk(session, client, at).figures
    except RiskUnavailable as error:
        raise Refusal(error.message, code="no_fx_rate") from error
    if ground == CloseOutGround.BROKER and figures.npr1 >= 0:
        raise Refusal(_l("NPR1 is at or above zero: there is nothing to close out."), code="nothing_to_close_out")
    call = calls.open_call(session, client)
    close_out = CloseOut(client_id=client.id, call_id=call and call.id, ground=ground, reference=reference,
                         status=CloseOutStatus.RUNNING, npr1_at_start=calls.cents(figures.npr1), started_at=at,
                         started_by_id=by and by.id)
    session.add(close_out)
    session.flush()
    record(session, "margin_close_out.started", "margin_close_out", close_out.id, None, snapshot(close_out))
    if call is not None:
        calls.close_call(session, call, CallStatus.CLOSED_OUT, at)
    calls.tell(session, client, "margin_close_out", at, ground=_ground(client, ground), npr1=figures.npr1)
    _cancel_orders(session, client, ground, by, at, cancel)
    advance(session, close_out, at)
    return close_out


def record_death(session, client: BrokerClient, reference: str, by: User, at: datetime) -> CloseOut:
    """Seed 003's second ground: the risk staff record confirmed news of the client's death, with
    the document it came in; the close-out starts at once."""
    reference = (reference or "").strip()
    if not reference or len(reference) > REFERENCE_LENGTH:
        raise Refusal(_l("Give the reference of the document that confirms it (at most 200 characters)."),
                      field="reference", code="reference_required")
    record(session, "broker_client.death_recorded", "broker_client", client.id, None, {"reference": reference})
    return start(session, client, CloseOutGround.DEATH, by, at, reference=reference)


def _cancel_orders(session, client: BrokerClient, ground: str, by: User | None, at: datetime,
                   picked: set[int] | None) -> None:
    with force_locale(client.user.locale or "ru"):
        reason = str(CANCELLED) % {"ground": str(GROUNDS[ground])}
    for order in calls.live_orders(session, client):
        if picked is None or order.id in picked:
            orders.cancel_for_broker(session, order, by, reason, at)


def _ground(client: BrokerClient, ground: str) -> str:
    with force_locale(client.user.locale or "ru"):
        return str(GROUNDS[ground])


# --- trading the plan --------------------------------------------------------------------------------

def advance(session, close_out: CloseOut, at: datetime) -> None:
    """Place the plan's next orders until NPR1 is at or above zero, nothing is left, or an order
    must wait (with the dealer, or for the market)."""
    client = session.get(BrokerClient, close_out.client_id)
    for _ in range(MOST_ORDERS):
        pending = _live_orders(session, close_out)
        if pending:
            return _wait(session, close_out, "dealer", pending[0].code)
        try:
            risk = client_risk(session, client, at)
        except RiskUnavailable as error:
            return _wait(session, close_out, "no_fx_rate", error.currency)
        blocked = _recently_unfilled(session, close_out, at)
        plan = margin.close_out_plan(risk.portfolio, risk.rates, _later_if(blocked))
        if risk.figures.npr1 >= 0 or not plan:
            return _finish(session, close_out, client, risk.figures, at)
        waiting = _place_first(session, close_out, client, plan, blocked, at)
        if waiting is not None:
            return _wait(session, close_out, *waiting)
    log.warning("margin: close-out %s placed %s orders in one round; it goes on next round", close_out.id, MOST_ORDERS)


def _later_if(blocked: set):
    """The broker's order (highest rate first, then the largest value), the blocked ones last."""
    def key(row: margin.PositionRow) -> tuple:
        return (row.instrument in blocked, *margin.highest_rate_first(row))
    return key


def _place_first(session, close_out: CloseOut, client: BrokerClient, plan: list[margin.CloseOut], blocked: set,
                 at: datetime) -> tuple[str, str] | None:
    """Place the first order of the plan that can go now: None once one is placed, else what the
    close-out waits for (the first step's reason)."""
    first = None
    for step in plan:
        refusal = "not_filled" if step.instrument in blocked else _place(session, close_out, client, step, at)
        if refusal is None:
            return None
        first = first or (refusal, step.instrument[1])
    return first


def _place(session, close_out: CloseOut, client: BrokerClient, step: margin.CloseOut, at: datetime) -> str | None:
    """One market order for the step; the code of what keeps it from going now, else None."""
    venue, code = step.instrument
    tradable = instruments.find(session, client.firm_id, venue, code)
    if tradable is None:
        return "not_tradable"
    lots = step.lots if step.quantity == step.lots * tradable.lot_size else step.quantity // tradable.lot_size
    if lots < 1:
        return "odd_lot"
    if tradable.is_kase and not _counterparty(session, tradable, step.side):
        return "no_counterparty"
    with force_locale(client.user.locale or "ru"):
        reason = str(REASON) % {"ground": str(GROUNDS[close_out.ground])}
    try:
        orders.place_close_out(session, client, tradable, step.side, lots, close_out.id, reason, at)
    except (OrderRefusal, MarketRefusal) as error:
        return error.code[:20]
    return None


def _counterparty(session, tradable: instruments.Tradable, side: str) -> bool:
    """A market order fills against the book at once or is killed: only worth placing when
    someone stands on the other side."""
    code = default_settlement_code(tradable.market.settlement_codes)
    bids, asks = market.book_depth(session, tradable.market.id, code, levels=1)
    return bool(bids if side == margin.SELL else asks)


def _live_orders(session, close_out: CloseOut) -> list[ClientOrder]:
    return list(session.scalars(select(ClientOrder).where(ClientOrder.close_out_id == close_out.id,
                                                          ClientOrder.status.in_(LIVE_STATUSES))))


def _recently_unfilled(session, close_out: CloseOut, at: datetime) -> set[tuple[str, str]]:
    """Instruments whose last order found nobody (killed unfilled, rejected, expired) a short
    while ago: the plan goes on with the others and tries these again later."""
    rows = session.execute(select(ClientOrder.venue, ClientOrder.code).where(
        ClientOrder.close_out_id == close_out.id, ClientOrder.filled_lots == 0,
        ClientOrder.status.in_((OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.EXPIRED)),
        ClientOrder.closed_at > at - RETRY_AFTER)).all()
    return {(venue, code) for venue, code in rows}


def _wait(session, close_out: CloseOut, waiting: str, code: str | None) -> None:
    if (close_out.waiting, close_out.waiting_code) != (waiting, code):
        close_out.waiting, close_out.waiting_code = waiting, code
        session.flush()


def _finish(session, close_out: CloseOut, client: BrokerClient, figures: margin.Figures, at: datetime) -> None:
    """NPR1 back at or above zero, or nothing left to trade: what remains below zero is a debt."""
    before = snapshot(close_out)
    shortfall = figures.npr1 < 0
    close_out.status = CloseOutStatus.SHORTFALL if shortfall else CloseOutStatus.DONE
    close_out.finished_at, close_out.waiting, close_out.waiting_code = at, None, None
    session.flush()
    record(session, f"margin_close_out.{close_out.status}", "margin_close_out", close_out.id, before,
           snapshot(close_out))
    calls.tell(session, client, "margin_close_out_done", at, npr1=figures.npr1)
    if shortfall:
        calls.record_debt(session, client, close_out.id, -figures.npr1, at)


# --- the worker's round ------------------------------------------------------------------------------

def follow_due(session, at: datetime) -> int:
    """Margin calls past their deadline are closed out; running close-outs go on. The number of
    close-outs looked at."""
    for call in calls.due_calls(session, at):
        # Another worker (or a process beside it) may reach the same call: the row lock makes one
        # of them start the close-out, the other find the call closed out when the lock is free.
        session.refresh(call, with_for_update=True)
        if call.is_open:
            _at_deadline(session, calls.call_client(session, call), at)
    running = list(session.scalars(select(CloseOut).where(CloseOut.status == CloseOutStatus.RUNNING)
                                   .order_by(CloseOut.id)))
    for close_out in running:
        session.refresh(close_out, with_for_update=True)    # another worker's round may have moved it
        if close_out.is_running:
            advance(session, close_out, at)
    return len(running)


def _at_deadline(session, client: BrokerClient, at: datetime) -> None:
    try:
        figures = client_risk(session, client, at).figures
    except RiskUnavailable as error:
        log.warning("margin: the call of client %s is due but cannot be valued (no %s FX rate)", client.id,
                    error.currency)
        return
    if figures.npr1 >= 0:
        calls.settle(session, client, at)    # met since the monitoring last looked
    else:
        start(session, client, CloseOutGround.DEADLINE, None, at)
