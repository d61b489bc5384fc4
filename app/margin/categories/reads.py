"""What the risk staff and the client read of category requests. A firm sees only its own
clients' requests; a client only its own."""
from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.brokerage.models import BrokerClient
from app.margin.categories.models import CategoryRequest, RequestStatus
from app.margin.models import MarginCategory

DECIDED_SHOWN = 50


def pending(session, firm_id: int) -> list[CategoryRequest]:
    """The queue: oldest first."""
    return list(session.scalars(select(CategoryRequest).where(CategoryRequest.firm_id == firm_id,
                                                              CategoryRequest.status == RequestStatus.PENDING)
                                .options(selectinload(CategoryRequest.client))
                                .order_by(CategoryRequest.requested_at, CategoryRequest.id)))


def decided(session, firm_id: int, limit: int = DECIDED_SHOWN) -> list[CategoryRequest]:
    return list(session.scalars(select(CategoryRequest).where(CategoryRequest.firm_id == firm_id,
                                                              CategoryRequest.status != RequestStatus.PENDING)
                                .options(selectinload(CategoryRequest.client))
                                .order_by(CategoryRequest.decided_at.desc(), CategoryRequest.id.desc()).limit(limit)))


def special_risk_clients(session, firm_id: int) -> list[BrokerClient]:
    return list(session.scalars(select(BrokerClient).where(BrokerClient.firm_id == firm_id,
                                                           BrokerClient.margin_category == MarginCategory.SPECIAL_RISK)
                                .order_by(BrokerClient.full_name)))


def firm_request(session, user: User, request_id: int) -> CategoryRequest:
    """The request, if it is of the user's firm's client; otherwise 404."""
    request = session.get(CategoryRequest, request_id)
    if request is None or request.firm_id != user.organisation_id:
        abort(404)
    return request


def latest_request(session, client: BrokerClient) -> CategoryRequest | None:
    return session.scalar(select(CategoryRequest).where(CategoryRequest.client_id == client.id)
                          .order_by(CategoryRequest.id.desc()).limit(1))
