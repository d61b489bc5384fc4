"""Margin calls and debts (seed 003, issue 13 items 4–5), written once: a call opens when NPR2
goes below zero and must be met — NPR1 back at or above zero — by 17:00 Astana time of the next
business day, or by the end of the current day when the risk staff demand it; the broker may
suspend the client's orders meanwhile. A shortfall left after a forced close-out is a debt due
by the end of the next business day. Services flush; the request or the worker's round commits.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.services import record
from app.auth.models import User
from app.brokerage.models import BrokerClient
from app.calendar.services import business_calendar
from app.domain import margin
from app.domain.calendar import almaty_date
from app.formatting import almaty_datetime, money, short_date
from app.margin.models import CallStatus, DebtStatus, MarginCall, MarginDebt
from app.notices.services import notify
from app.orders import services as orders
from app.orders.models import LIVE_STATUSES, ClientOrder
from app.refusals import Refusal

CENT = Decimal("0.01")
RISK_PAGE = "/cabinet/risk"
SUSPENDED = _l("Suspended by your broker until the margin call is met (collateral below the minimal margin).")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def tell(session, client: BrokerClient, kind: str, at: datetime, **values) -> None:
    """A notice on the Risks page and by e-mail, its figures written in the client's language."""
    with force_locale(client.user.locale or "ru"):
        params = {name: _written(value) for name, value in values.items()}
    notify(session, client.user, kind, params, RISK_PAGE, at)


def _written(value) -> str:
    if isinstance(value, Decimal):
        return money(cents(value))
    if isinstance(value, datetime):
        return almaty_datetime(value)
    if isinstance(value, date):
        return short_date(value)
    return str(value)


def snapshot(call: MarginCall) -> dict:
    return {"client_id": call.client_id, "status": call.status, "opened_at": call.opened_at,
            "deadline": call.deadline, "s": call.s, "m0": call.m0, "closed_at": call.closed_at,
            "demanded_same_day": call.demanded_same_day, "orders_suspended_at": call.orders_suspended_at}


# --- reads -------------------------------------------------------------------------------------------

def open_call(session, client: BrokerClient) -> MarginCall | None:
    return session.scalar(select(MarginCall).where(MarginCall.client_id == client.id,
                                                   MarginCall.status == CallStatus.OPEN))


def required_open_call(session, client: BrokerClient) -> MarginCall:
    """The open call the risk staff act on, or a refusal that says there is none."""
    call = open_call(session, client)
    if call is None:
        raise Refusal(_l("The client has no open margin call."), code="no_open_call")
    return call


def calls_of(session, client: BrokerClient, limit: int = 10) -> list[MarginCall]:
    return list(session.scalars(select(MarginCall).where(MarginCall.client_id == client.id)
                                .order_by(MarginCall.id.desc()).limit(limit)))


def open_debts(session, client: BrokerClient) -> list[MarginDebt]:
    return list(session.scalars(select(MarginDebt).where(MarginDebt.client_id == client.id,
                                                         MarginDebt.status == DebtStatus.OPEN)
                                .order_by(MarginDebt.id)))


def due_calls(session, at: datetime) -> list[MarginCall]:
    return list(session.scalars(select(MarginCall).where(MarginCall.status == CallStatus.OPEN,
                                                         MarginCall.deadline <= at).order_by(MarginCall.id)))


def live_orders(session, client: BrokerClient) -> list[ClientOrder]:
    """The client's own live orders (not a close-out's)."""
    return list(session.scalars(select(ClientOrder).where(ClientOrder.client_id == client.id,
                                                          ClientOrder.status.in_(LIVE_STATUSES),
                                                          ClientOrder.close_out.is_(False))
                                .order_by(ClientOrder.id)))


def call_client(session, call: MarginCall) -> BrokerClient:
    return session.get(BrokerClient, call.client_id)


# --- the monitoring's changes ------------------------------------------------------------------------

def issue(session, client: BrokerClient, figures: margin.Figures, at: datetime) -> MarginCall:
    """NPR2 went below zero: the open call, or a new one with its deadline."""
    existing = open_call(session, client)
    if existing is not None:
        return existing
    deadline = margin.margin_call_deadline(business_calendar(session, almaty_date(at).year), at)
    call = MarginCall(client_id=client.id, status=CallStatus.OPEN, opened_at=at, deadline=deadline,
                      s=cents(figures.s), m0=cents(figures.m0), demanded_same_day=False)
    session.add(call)
    session.flush()
    record(session, "margin_call.opened", "margin_call", call.id, None, snapshot(call))
    return call


def settle(session, client: BrokerClient, at: datetime) -> None:
    """NPR1 is back at or above zero: an open call is met and the debts are repaid."""
    call = open_call(session, client)
    if call is not None:
        close_call(session, call, CallStatus.MET, at)
        notify(session, client.user, "margin_call_met", {}, RISK_PAGE, at)
    for debt in open_debts(session, client):
        before = {"status": debt.status, "repaid_at": None}
        debt.status, debt.repaid_at = DebtStatus.REPAID, at
        session.flush()
        record(session, "margin_debt.repaid", "margin_debt", debt.id, before,
               {"status": debt.status, "repaid_at": at})


def close_call(session, call: MarginCall, status: CallStatus, at: datetime) -> None:
    before = snapshot(call)
    call.status, call.closed_at = status, at
    session.flush()
    record(session, f"margin_call.{status}", "margin_call", call.id, before, snapshot(call))


def record_debt(session, client: BrokerClient, close_out_id: int, amount: Decimal, at: datetime) -> MarginDebt:
    due_on = margin.debt_due_on(business_calendar(session, almaty_date(at).year), at)
    debt = MarginDebt(client_id=client.id, close_out_id=close_out_id, amount=cents(amount), due_on=due_on,
                      status=DebtStatus.OPEN, created_at=at)
    session.add(debt)
    session.flush()
    record(session, "margin_debt.recorded", "margin_debt", debt.id, None,
           {"client_id": client.id, "amount": debt.amount, "due_on": due_on})
    tell(session, client, "margin_debt", at, amount=debt.amount, due=due_on)
    return debt


# --- the risk staff's actions ------------------------------------------------------------------------

def demand_same_day(session, call: MarginCall, by: User, at: datetime) -> MarginCall:
    """The end of the current day instead: 17:00 today, or now once that hour has passed."""
    _require_open(call)
    if call.demanded_same_day:
        raise Refusal(_l("The same-day deadline is already demanded."), code="already_demanded")
    before = snapshot(call)
    deadline = margin.margin_call_deadline(business_calendar(session, almaty_date(at).year), at, same_day=True)
    call.deadline, call.demanded_same_day, call.demanded_by_id = min(deadline, call.deadline), True, by.id
    session.flush()
    record(session, "margin_call.demanded_same_day", "margin_call", call.id, before, snapshot(call))
    tell(session, call_client(session, call), "margin_call_today", at, deadline=call.deadline)
    return call


def suspend_orders(session, call: MarginCall, by: User, at: datetime) -> int:
    """Seed 003: the broker may suspend the client's accepted orders until collateral arrives.
    They are cancelled through the orders service (the client told why, order by order); while
    NPR1 is below zero the pre-trade check refuses new orders that add risk anyway."""
    _require_open(call)
    client = call_client(session, call)
    with force_locale(client.user.locale or "ru"):
        reason = str(SUSPENDED)
    count = sum(orders.cancel_for_broker(session, order, by, reason, at) for order in live_orders(session, client))
    before = snapshot(call)
    call.orders_suspended_at = at
    session.flush()
    record(session, "margin_call.orders_suspended", "margin_call", call.id, before,
           {**snapshot(call), "cancelled": count})
    return count


def _require_open(call: MarginCall) -> None:
    if not call.is_open:
        raise Refusal(_l("The margin call is no longer open."), code="call_not_open")
