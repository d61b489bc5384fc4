"""Administration of organisations and users: the lists, and the checks made before the
identity services change anything. Shared by the admin pages and `flask orgs|users`.

Services flush; the view or CLI command commits once.
"""
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.auth import services as identity
from app.auth.models import Organisation, User, UserSession
from app.auth.roles import OrganisationKind, Role
from app.auth.services import IdentityError

BIN_PATTERN = re.compile(r"^\d{12}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class UserRow:
    user: User
    active_sessions: int
    last_login_at: datetime | None


# --- lists ---------------------------------------------------------------------------------

def organisations(session, kind: str | None = None, active: bool | None = None) -> list[Organisation]:
    query = select(Organisation).options(selectinload(Organisation.parent)).order_by(Organisation.name)
    if kind:
        query = query.where(Organisation.kind == kind)
    if active is not None:
        query = query.where(Organisation.is_active.is_(active))
    return list(session.scalars(query))


def user_counts(session) -> dict[int, int]:
    return dict(session.execute(select(User.organisation_id, func.count(User.id)).group_by(User.organisation_id)).all())


def member_firms(session) -> list[Organisation]:
    return organisations(session, kind=OrganisationKind.MEMBER_FIRM, active=True)


def find_organisation(session, name: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.name == (name or "").strip()))


def find_user(session, login: str) -> User | None:
    return session.scalar(select(User).where(User.login == identity.normalise_login(login)))


def users(session, now: datetime, idle: timedelta, absolute: timedelta, role: str | None = None,
          organisation_id: int | None = None, enabled: bool | None = None) -> list[UserRow]:
    query = select(User).options(selectinload(User.organisation)).order_by(User.login)
    if role:
        query = query.where(User.role == role)
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    if enabled is not None:
        query = query.where(User.is_enabled.is_(enabled))
    return _with_sessions(session, list(session.scalars(query)), now, idle, absolute)


def user_row(session, user: User, now: datetime, idle: timedelta, absolute: timedelta) -> UserRow:
    return _with_sessions(session, [user], now, idle, absolute)[0]


def _with_sessions(session, people: list[User], now: datetime, idle: timedelta, absolute: timedelta) -> list[UserRow]:
    """Live sessions are neither revoked, idle nor past their absolute lifetime."""
    ids = [user.id for user in people]
    live = dict(session.execute(
        select(UserSession.user_id, func.count(UserSession.id))
        .where(UserSession.user_id.in_(ids), UserSession.revoked_at.is_(None),
               UserSession.last_seen_at > now - idle, UserSession.created_at > now - absolute)
        .group_by(UserSession.user_id)
    ).all())
    last_login = dict(session.execute(
        select(UserSession.user_id, func.max(UserSession.created_at))
        .where(UserSession.user_id.in_(ids)).group_by(UserSession.user_id)
    ).all())
    return [UserRow(user, live.get(user.id, 0), last_login.get(user.id)) for user in people]


# --- organisations -------------------------------------------------------------------------

def check_bin(session, bin: str | None, org: Organisation | None = None) -> None:
    if not bin:
        return
    if not BIN_PATTERN.match(bin):
        raise IdentityError(_l("A BIN/IIN has exactly 12 digits."), "bin")
    holder = session.scalar(select(Organisation.id).where(Organisation.bin == bin))
    if holder is not None and (org is None or holder != org.id):
        raise IdentityError(_l("An organisation with this BIN/IIN already exists."), "bin")


def add_organisation(session, now: datetime, name: str, kind: OrganisationKind, bin: str | None = None,
                     is_primary_dealer: bool = False, parent: Organisation | None = None) -> Organisation:
    """Only a natural-person client has a parent: the member firm that serves it."""
    if parent is not None and kind != OrganisationKind.CLIENT:
        raise IdentityError(_l("Only a client belongs to a member firm; leave the member firm empty."), "parent_id")
    if parent is not None and not parent.is_active:
        raise IdentityError(_l("That member firm is inactive."), "parent_id")
    return identity.create_organisation(session, name, kind, now, bin=(bin or "").strip() or None,
                                        is_primary_dealer=is_primary_dealer, parent=parent)


def edit_organisation(session, org: Organisation, admin: User | None, now: datetime, name: str,
                      bin: str | None, is_primary_dealer: bool, is_active: bool) -> Organisation:
    """Deactivating ends the sessions of all its users (the identity service does it)."""
    name, bin = (name or "").strip(), (bin or "").strip() or None
    if not name:
        raise IdentityError(_l("An organisation needs a name."), "name")
    holder = session.scalar(select(Organisation.id).where(Organisation.name == name))
    if holder is not None and holder != org.id:
        raise IdentityError(_l("An organisation with this name already exists."), "name")
    check_bin(session, bin, org)
    if admin is not None and admin.organisation_id == org.id and not is_active:
        raise IdentityError(_l("You cannot deactivate your own organisation."), "is_active")
    if org.is_primary_dealer and not is_primary_dealer and _has_role(session, org, Role.PRIMARY_DEALER):
        raise IdentityError(_l("Users of this organisation hold the primary-dealer role: change their role first."),
                            "is_primary_dealer")
    return identity.update_organisation(session, org, now, name=name, bin=bin,
                                        is_primary_dealer=is_primary_dealer, is_active=is_active)


def _has_role(session, org: Organisation, role: Role) -> bool:
    return session.scalar(select(User.id).where(User.organisation_id == org.id, User.role == role).limit(1)) is not None


# --- users ---------------------------------------------------------------------------------

def check_email(email: str | None) -> None:
    if email and not EMAIL_PATTERN.match(email):
        raise IdentityError(_l("This is not an email address."), "email")


def add_user(session, now: datetime, login: str, full_name: str, role: Role, org: Organisation | None,
             password: str, repeated: str, email: str | None = None) -> User:
    if org is None:
        raise IdentityError(_l("Choose an existing organisation."), "organisation_id")
    if not org.is_active:
        raise IdentityError(_l("That organisation is inactive."), "organisation_id")
    email = (email or "").strip() or None
    check_email(email)
    identity.check_new_password(password, repeated)
    return identity.create_user(session, login, full_name or "", role, org, password, now, email=email)


def edit_user(session, user: User, admin: User | None, now: datetime, full_name: str, email: str | None,
              role: Role, is_enabled: bool) -> User:
    """Disabling or a new role ends the user's sessions (the identity service does it)."""
    full_name, email = (full_name or "").strip(), (email or "").strip() or None
    if not full_name:
        raise IdentityError(_l("A user needs a full name."), "full_name")
    check_email(email)
    if admin is not None and admin.id == user.id and (not is_enabled or role != user.role):
        raise IdentityError(_l("You cannot disable yourself or change your own role."), "is_enabled")
    return identity.update_user(session, user, now, full_name=full_name, email=email, role=str(role),
                                is_enabled=is_enabled)


def set_enabled(session, user: User, now: datetime, enabled: bool) -> User:
    return identity.update_user(session, user, now, is_enabled=enabled)


def reset_password(session, user: User, now: datetime, password: str, repeated: str) -> None:
    """Every session of the user ends."""
    identity.check_new_password(password, repeated)
    identity.set_password(session, user, password, now)
