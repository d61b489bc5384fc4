"""Who may read which subscription and which of its parts."""
from sqlalchemy import or_, select

from app.auth.models import User
from app.auth.roles import STAFF_ROLES, Role
from app.subscriptions.models import Subscription

MEMBERS = (Role.PRIMARY_DEALER, Role.PARTICIPANT)


def is_staff(user: User) -> bool:
    return user.role in STAFF_ROLES


def is_seller(subscription: Subscription, user: User) -> bool:
    return user.organisation_id == subscription.seller_id and user.role in MEMBERS + (Role.MINFIN,)


def is_issuer(subscription: Subscription, user: User) -> bool:
    return user.role == Role.ISSUER and user.organisation_id == subscription.issuer_id


def can_read(subscription: Subscription, user: User) -> bool:
    """Staff, the seller and the issuer always; members once announced (a private placement is
    announced to members only); others once announced unless private."""
    if is_staff(user) or is_seller(subscription, user) or is_issuer(subscription, user):
        return True
    if subscription.announced_at is None:
        return False
    return user.role in MEMBERS or not subscription.is_private


def reads_registers(subscription: Subscription, user: User) -> bool:
    """The accepted register and the investor details are confidential: seller (or the Ministry),
    issuer and exchange staff."""
    return is_staff(user) or is_seller(subscription, user) or is_issuer(subscription, user)


def visible(session, user: User) -> list[Subscription]:
    query = select(Subscription).order_by(Subscription.period_start_at.desc(), Subscription.id.desc())
    if is_staff(user):
        pass
    elif user.role in MEMBERS:
        query = query.where(or_(Subscription.seller_id == user.organisation_id,
                                Subscription.announced_at.is_not(None)))
    elif user.role == Role.ISSUER:
        query = query.where(or_(Subscription.issuer_id == user.organisation_id,
                                Subscription.announced_at.is_not(None) & Subscription.is_private.is_(False)))
    elif user.role == Role.MINFIN:
        query = query.where(or_(Subscription.seller_id == user.organisation_id,
                                Subscription.announced_at.is_not(None) & Subscription.is_private.is_(False)))
    else:
        query = query.where(Subscription.announced_at.is_not(None), Subscription.is_private.is_(False))
    return list(session.scalars(query.limit(200)))
