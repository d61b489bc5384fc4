"""What clients and the firm's dealers read of client orders: a client only its own, a firm
only its own clients'."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.brokerage.models import BrokerClient
from app.cabinet.periods import Period
from app.orders.models import LIVE_STATUSES, ClientFill, ClientOrder, OrderSide

SHOWN = 500
PAGE = 100             # a list page; "earlier" goes on from the last row shown (keyset, not offset)
EXPORT_ROWS = 10_000   # an XLSX export of a period


def blocked(session, client_ids: list[int]) -> dict[tuple[int, str | None, str], Decimal]:
    """What live orders block, by (client, venue or None for money, asset): one query."""
    rows = session.execute(select(ClientOrder.client_id, ClientOrder.side, ClientOrder.venue, ClientOrder.code,
                                  ClientOrder.currency,
                                  func.sum(ClientOrder.block_per_lot * (ClientOrder.lots - ClientOrder.filled_lots)))
                           .where(ClientOrder.client_id.in_(client_ids), ClientOrder.status.in_(LIVE_STATUSES))
                           .group_by(ClientOrder.client_id, ClientOrder.side, ClientOrder.venue, ClientOrder.code,
                                     ClientOrder.currency)).all()
    found: dict[tuple[int, str | None, str], Decimal] = defaultdict(Decimal)
    for client_id, side, venue, code, currency, amount in rows:
        key = (client_id, None, currency) if side == OrderSide.BUY else (client_id, venue, code)
        found[key] += Decimal(amount)
    return found


def orders_of(session, client: BrokerClient, period: Period, status: str | None = None,
              before: int | None = None, limit: int = PAGE) -> list[ClientOrder]:
    """Placed in the period, newest first; `before`: the id of the last order of the previous page."""
    query = select(ClientOrder).where(ClientOrder.client_id == client.id, ClientOrder.created_at >= period.starts_at,
                                      ClientOrder.created_at < period.ends_at)
    if status:
        query = query.where(ClientOrder.status == status)
    if before:
        query = query.where(ClientOrder.id < before)
    # The API shows each order's document summary: one query for all, not one per order.
    query = query.options(selectinload(ClientOrder.document))
    return list(session.scalars(query.order_by(ClientOrder.id.desc()).limit(limit)))


def recent_orders(session, client: BrokerClient, limit: int = 5) -> list[ClientOrder]:
    return list(session.scalars(select(ClientOrder).where(ClientOrder.client_id == client.id)
                                .options(selectinload(ClientOrder.document)).order_by(ClientOrder.id.desc()).limit(limit)))


def fills_of(session, client: BrokerClient, period: Period, before: int | None = None,
             limit: int = PAGE) -> list[tuple[ClientFill, ClientOrder]]:
    query = select(ClientFill, ClientOrder).join(ClientOrder, ClientOrder.id == ClientFill.order_id).where(
        ClientFill.client_id == client.id, ClientFill.traded_at >= period.starts_at,
        ClientFill.traded_at < period.ends_at)
    if before:
        query = query.where(ClientFill.id < before)
    return list(session.execute(query.order_by(ClientFill.id.desc()).limit(limit)).all())


def fills_of_order(session, order: ClientOrder) -> list[ClientFill]:
    return list(session.scalars(select(ClientFill).where(ClientFill.order_id == order.id).order_by(ClientFill.id)))


def own_order(session, order_id: int, client: BrokerClient) -> ClientOrder:
    order = session.get(ClientOrder, order_id)
    if order is None or order.client_id != client.id:
        abort(404)
    return order


def own_fill(session, fill_id: int, client: BrokerClient) -> ClientFill:
    fill = session.get(ClientFill, fill_id)
    if fill is None or fill.client_id != client.id:
        abort(404)
    return fill


def firm_order(session, order_id: int, user: User) -> ClientOrder:
    """An order of the dealer's own firm's client; any other does not exist for it."""
    order = session.get(ClientOrder, order_id)
    if order is None or order.firm_id != user.organisation_id:
        abort(404)
    return order


def dealing_queue(session, firm_id: int, live_only: bool = True) -> list[ClientOrder]:
    """The firm's clients' orders for the external venues, oldest first: the dealer's work."""
    query = select(ClientOrder).where(ClientOrder.firm_id == firm_id, ClientOrder.venue != "kase",
                                      ClientOrder.accepted_at.is_not(None))
    if live_only:
        query = query.where(ClientOrder.status.in_(LIVE_STATUSES)).order_by(ClientOrder.accepted_at)
    else:
        query = query.order_by(ClientOrder.id.desc())
    return list(session.scalars(query.limit(SHOWN)))
