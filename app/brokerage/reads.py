"""What the back office and the client may read: a firm sees only its own clients."""
from flask import abort
from sqlalchemy import or_, select

from app.auth.models import User
from app.brokerage.models import BrokerClient, LedgerEntry

SHOWN = 200


def clients_of(session, firm_id: int, search: str | None = None) -> list[BrokerClient]:
    query = select(BrokerClient).where(BrokerClient.firm_id == firm_id)
    if search:
        like = f"%{search.strip()}%"
        query = query.where(or_(BrokerClient.full_name.ilike(like), BrokerClient.iin.like(like),
                                BrokerClient.agreement_number.ilike(like)))
    return list(session.scalars(query.order_by(BrokerClient.full_name).limit(SHOWN)))


def firm_client(session, client_id: int, user: User) -> BrokerClient:
    """The client, if it is the user's firm's; otherwise 404 (another firm's client does not exist for it)."""
    client = session.get(BrokerClient, client_id)
    if client is None or client.firm_id != user.organisation_id:
        abort(404)
    return client


def own_client(session, user: User) -> BrokerClient | None:
    """The brokerage client whose login this is."""
    return session.scalar(select(BrokerClient).where(BrokerClient.user_id == user.id))


def ledger_of(session, client: BrokerClient, limit: int = SHOWN) -> list[LedgerEntry]:
    return list(session.scalars(select(LedgerEntry).where(LedgerEntry.client_id == client.id)
                                .order_by(LedgerEntry.id.desc()).limit(limit)))
