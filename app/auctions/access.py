"""Who may read which auction, and which of its parts (object-level checks)."""
from flask import abort
from sqlalchemy import select

from app.auctions.models import Auction, AuctionStatus
from app.auth.models import User
from app.auth.roles import STAFF_ROLES, Role

BIDDERS = (Role.PRIMARY_DEALER, Role.PARTICIPANT)
INITIATORS = (Role.MINFIN, Role.ISSUER)


def is_staff(user: User) -> bool:
    return user.role in STAFF_ROLES


def is_initiator(auction: Auction, user: User) -> bool:
    return user.role in INITIATORS and user.organisation_id == auction.initiator_id


def can_read(auction: Auction, user: User) -> bool:
    """Staff and the initiator from the filing on; everyone else once it was announced."""
    return is_staff(user) or is_initiator(auction, user) or auction.announced_at is not None


def require_initiator(auction: Auction, user: User) -> None:
    if not is_initiator(auction, user):
        abort(404)


def reads_register(auction: Auction, user: User) -> bool:
    """The summary register goes to the initiator (and the exchange) after the close."""
    closed = auction.closed_at is not None and auction.status != AuctionStatus.CANCELLED
    return closed and (is_staff(user) or is_initiator(auction, user))


def named_register(auction: Auction, user: User) -> bool:
    """App.7 §6: the Ministry's copy names the dealers; an issuer's copy names nobody."""
    return is_staff(user) or (auction.is_gko and is_initiator(auction, user))


def reads_deal_register(auction: Auction, user: User) -> bool:
    return is_staff(user) or is_initiator(auction, user)


def visible_auctions(session, user: User) -> list[Auction]:
    query = select(Auction).order_by(Auction.trade_date.desc(), Auction.id.desc())
    if is_staff(user):
        pass
    elif user.role in INITIATORS:
        query = query.where(Auction.initiator_id == user.organisation_id)
    else:
        query = query.where(Auction.announced_at.is_not(None))
        if user.role == Role.PARTICIPANT:
            query = query.where(Auction.column == "securities")
    return list(session.scalars(query.limit(200)))
