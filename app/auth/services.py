"""Identity operations: logins, server-side sessions, passwords, users, organisations, tokens.

Services flush; the view or CLI command that called them commits once.
"""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from app.audit.services import actor_for, record
from app.auth.models import ApiToken, LoginAttempt, Organisation, User, UserSession
from app.auth.passwords import MIN_PASSWORD_LENGTH, burn_verification, hash_password, verify_password
from app.auth.roles import ROLE_ORGANISATION_KINDS, OrganisationKind, Role

TOKEN_PREFIX = "desk_"
SESSION_TOUCH_INTERVAL = timedelta(seconds=60)


class IdentityError(Exception):
    """A refused identity operation; `message` is shown to the user in their language."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class LoginRefused(IdentityError):
    pass


class LoginLocked(LoginRefused):
    pass


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_login(login: str) -> str:
    return (login or "").strip().lower()


# --- login ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class LoginLimits:
    """Failed logins allowed within `window`: for one login from one address, and from one
    address over all logins. Neither lets a stranger lock the real user out from elsewhere."""
    per_login: int
    per_address: int
    window: timedelta


def recent_failures(session, now: datetime, window: timedelta, address: str | None,
                    login: str | None = None) -> int:
    query = select(func.count(LoginAttempt.id)).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at > now - window,
        LoginAttempt.address.is_(None) if address is None else LoginAttempt.address == address)
    if login is not None:
        query = query.where(LoginAttempt.login == login)
    return session.scalar(query)


def authenticate(session, login: str, password: str, address: str | None, now: datetime,
                 limits: LoginLimits) -> User:
    """Check a password, unless this address has failed too often (for this login, or at all)."""
    login = normalise_login(login)
    if recent_failures(session, now, limits.window, address) >= limits.per_address:
        raise LoginLocked(_l("Too many failed logins from your network address. Try again in an hour or ask an administrator."))
    if recent_failures(session, now, limits.window, address, login) >= limits.per_login:
        raise LoginLocked(_l("Too many failed attempts for this login. Try again in an hour or ask an administrator."))
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        burn_verification(password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password)
    session.add(LoginAttempt(login=login, address=address, attempted_at=now, succeeded=ok))
    session.flush()
    if not ok:
        raise LoginRefused(_l("Wrong login or password."))
    if not user.is_active:
        raise LoginRefused(_l("This account is disabled. Ask an administrator."))
    return user


def start_session(session, user: User, address: str | None, user_agent: str | None, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=digest(token), user_id=user.id, created_at=now,
                            last_seen_at=now, address=address, user_agent=(user_agent or "")[:255]))
    session.flush()
    record(session, "user.login", "user", user.id, None, {"address": address}, actor=actor_for(user))
    return token


def session_user(session, user_id: str, token: str | None, now: datetime,
                 idle: timedelta, absolute: timedelta) -> User | None:
    """The user of a live server-side session, or None: revoked, idle, expired or disabled."""
    if not token or not str(user_id).isdigit():
        return None
    row = session.scalar(select(UserSession).options(joinedload(UserSession.user).joinedload(User.organisation))
                         .where(UserSession.token_hash == digest(token)))
    if row is None or row.revoked_at is not None or row.user_id != int(user_id):
        return None
    if now - row.last_seen_at > idle or now - row.created_at > absolute:
        row.revoked_at = now
        session.flush()
        return None
    if not row.user.is_active:
        return None
    if now - row.last_seen_at > SESSION_TOUCH_INTERVAL:
        row.last_seen_at = now
        session.flush()
    return row.user


def end_session(session, token: str | None, now: datetime) -> None:
    row = session.scalar(select(UserSession).where(UserSession.token_hash == digest(token or "")))
    if row is not None and row.revoked_at is None:
        row.revoked_at = now
        session.flush()
        record(session, "user.logout", "user", row.user_id)


def revoke_sessions(session, user: User, now: datetime, keep_token: str | None = None) -> int:
    query = update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep_token:
        query = query.where(UserSession.token_hash != digest(keep_token))
    result = session.execute(query.values(revoked_at=now))
    session.flush()
    return result.rowcount


# --- passwords -----------------------------------------------------------------------------

def check_new_password(password: str, repeated: str) -> None:
    if password != repeated:
        raise IdentityError(_l("The new passwords do not match."), "new_password_again")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise IdentityError(_l("The new password must be at least %(n)s characters long.", n=MIN_PASSWORD_LENGTH), "new_password")


def change_password(session, user: User, old: str, new: str, repeated: str,
                    current_token: str | None, now: datetime) -> None:
    """Seed 000: old password, the new one twice; other sessions of the user end."""
    if not verify_password(user.password_hash, old):
        raise IdentityError(_l("The current password is wrong."), "old_password")
    check_new_password(new, repeated)
    if new == old:
        raise IdentityError(_l("The new password must differ from the current one."), "new_password")
    user.password_hash = hash_password(new)
    user.password_changed_at, user.must_change_password = now, False
    revoked = revoke_sessions(session, user, now, keep_token=current_token)
    record(session, "user.password_changed", "user", user.id, None, {"other_sessions_ended": revoked})


def set_password(session, user: User, new: str, now: datetime, temporary: bool = False) -> None:
    """An administrator's reset: every session of the user ends; a `temporary` password must be
    changed at the next login."""
    check_new_password(new, new)
    user.password_hash = hash_password(new)
    user.password_changed_at, user.must_change_password = now, temporary
    revoke_sessions(session, user, now)
    record(session, "user.password_reset", "user", user.id)


# --- organisations and users ----------------------------------------------------------------

def organisation_snapshot(org: Organisation) -> dict:
    return {"name": org.name, "kind": org.kind, "bin": org.bin, "is_primary_dealer": org.is_primary_dealer,
            "parent_id": org.parent_id, "is_active": org.is_active}


def user_snapshot(user: User) -> dict:
    return {"login": user.login, "full_name": user.full_name, "email": user.email, "role": user.role,
            "organisation_id": user.organisation_id, "locale": user.locale, "is_enabled": user.is_enabled}


def create_organisation(session, name: str, kind: OrganisationKind, now: datetime, bin: str | None = None,
                        is_primary_dealer: bool = False, parent: Organisation | None = None) -> Organisation:
    name = (name or "").strip()
    if not name:
        raise IdentityError(_l("An organisation needs a name."), "name")
    if session.scalar(select(Organisation.id).where(Organisation.name == name)):
        raise IdentityError(_l("An organisation with this name already exists."), "name")
    if bin and (len(bin) != 12 or not bin.isdigit()):
        raise IdentityError(_l("A BIN/IIN has exactly 12 digits."), "bin")
    if bin and session.scalar(select(Organisation.id).where(Organisation.bin == bin)):
        raise IdentityError(_l("An organisation with this BIN/IIN already exists."), "bin")
    if is_primary_dealer and kind != OrganisationKind.MEMBER_FIRM:
        raise IdentityError(_l("Only a member firm can be a primary dealer."), "is_primary_dealer")
    if kind == OrganisationKind.CLIENT and (parent is None or parent.kind != OrganisationKind.MEMBER_FIRM):
        raise IdentityError(_l("A client belongs to a member firm."), "parent_id")
    org = Organisation(name=name, kind=str(kind), bin=bin or None, is_primary_dealer=is_primary_dealer,
                       parent=parent, is_active=True, created_at=now)
    session.add(org)
    session.flush()
    record(session, "organisation.created", "organisation", org.id, None, organisation_snapshot(org))
    return org


def update_organisation(session, org: Organisation, now: datetime, **changes) -> Organisation:
    before = organisation_snapshot(org)
    if changes.get("is_primary_dealer") and org.kind != OrganisationKind.MEMBER_FIRM:
        raise IdentityError(_l("Only a member firm can be a primary dealer."), "is_primary_dealer")
    for key in ("name", "bin", "is_primary_dealer", "is_active"):
        if key in changes:
            setattr(org, key, changes[key])
    session.flush()
    if not org.is_active:
        for user in org.users:
            revoke_sessions(session, user, now)
    record(session, "organisation.updated", "organisation", org.id, before, organisation_snapshot(org))
    return org


def check_role_fits(role: Role, org: Organisation) -> None:
    if ROLE_ORGANISATION_KINDS[role] != org.kind:
        raise IdentityError(_l("This role cannot be given to a user of that organisation."), "role")
    if role == Role.PRIMARY_DEALER and not org.is_primary_dealer:
        raise IdentityError(_l("The organisation is not a primary dealer."), "role")


def create_user(session, login: str, full_name: str, role: Role, org: Organisation, password: str,
                now: datetime, email: str | None = None, locale: str = "ru") -> User:
    login = normalise_login(login)
    if not login or not all(ch.isalnum() or ch in "._-" for ch in login):
        raise IdentityError(_l("A login uses letters, digits, dots, hyphens and underscores."), "login")
    if session.scalar(select(User.id).where(User.login == login)):
        raise IdentityError(_l("This login is taken."), "login")
    check_role_fits(role, org)
    check_new_password(password, password)
    user = User(login=login, full_name=full_name.strip() or login, email=email or None, role=str(role),
                organisation=org, password_hash=hash_password(password), locale=locale,
                is_enabled=True, created_at=now, password_changed_at=now)
    session.add(user)
    session.flush()
    record(session, "user.created", "user", user.id, None, user_snapshot(user))
    return user


def update_user(session, user: User, now: datetime, **changes) -> User:
    before = user_snapshot(user)
    if "role" in changes:
        check_role_fits(Role(changes["role"]), user.organisation)
    for key in ("full_name", "email", "role", "is_enabled", "locale"):
        if key in changes:
            setattr(user, key, changes[key])
    session.flush()
    if not user.is_enabled or before["role"] != user.role:
        revoke_sessions(session, user, now)
    record(session, "user.updated", "user", user.id, before, user_snapshot(user))
    return user


def set_locale(session, user: User, locale: str) -> None:
    if user.locale != locale:
        before = {"locale": user.locale}
        user.locale = locale
        session.flush()
        record(session, "user.locale_changed", "user", user.id, before, {"locale": locale})


# --- API tokens ----------------------------------------------------------------------------

def create_api_token(session, user: User, name: str, now: datetime,
                     expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Returns the row and the raw token, which is shown once and never stored."""
    name = (name or "").strip()
    if not name:
        raise IdentityError(_l("Give the token a name, e.g. the system that will use it."), "name")
    if expires_at is not None and expires_at <= now:
        raise IdentityError(_l("The expiry must be in the future."), "expires_at")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name[:100], prefix=raw[: len(TOKEN_PREFIX) + 6],
                     token_hash=digest(raw), created_at=now, expires_at=expires_at)
    session.add(token)
    session.flush()
    record(session, "api_token.created", "api_token", token.id, None,
           {"user_id": user.id, "name": token.name, "prefix": token.prefix})
    return token, raw


def revoke_api_token(session, token: ApiToken, now: datetime) -> None:
    if token.revoked_at is None:
        token.revoked_at = now
        session.flush()
        record(session, "api_token.revoked", "api_token", token.id, None, {"user_id": token.user_id})


def api_token_user(session, raw: str, now: datetime) -> User | None:
    # The user and its firm come in the same query: every API call asks for both.
    token = session.scalar(select(ApiToken).options(joinedload(ApiToken.user).joinedload(User.organisation))
                           .where(ApiToken.token_hash == digest(raw or "")))
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > SESSION_TOUCH_INTERVAL:
        token.last_used_at = now
        session.flush()
    return token.user
