"""Flask-Login wiring: server-side sessions for browsers, bearer tokens for machines."""
from flask import Flask, current_app, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import services
from app.clock.services import wall_now
from app.extensions import db, login_manager
from app.transaction import commit_touch

SESSION_TOKEN_KEY = "sid"


def configure(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.session_protection = None  # the server-side session record is the protection
    login_manager.user_loader(load_session_user)
    login_manager.request_loader(load_token_user)
    login_manager.unauthorized_handler(unauthorized)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def load_session_user(user_id: str):
    user = services.session_user(
        db.session, user_id, session.get(SESSION_TOKEN_KEY), wall_now(),
        current_app.config["SESSION_IDLE_TIMEOUT"], current_app.config["PERMANENT_SESSION_LIFETIME"],
    )
    # A read commits the throttled touch of last_seen_at (or the expiry) here, its one write;
    # a change commits it with the rest of its work at the edge.
    commit_touch()
    if user is None:
        session.clear()
    return user


def load_token_user(req):
    """API calls only: `Authorization: Bearer desk_…`."""
    if not is_api_request():
        return None
    scheme, _sep, raw = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    user = services.api_token_user(db.session, raw.strip(), wall_now())
    commit_touch()
    if user is not None:
        request.environ["desk.auth"] = "token"
    return user


def authenticated_by_token() -> bool:
    return request.environ.get("desk.auth") == "token"


def unauthorized():
    if is_api_request():
        response = jsonify(code="unauthorized", message=_("Log in or send a valid API token."))
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="auction-desk"'
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def begin(user) -> None:
    """Log the user in on a fresh server-side session (the old cookie's contents are dropped)."""
    session.clear()
    token = services.start_session(
        db.session, user, request.remote_addr, request.headers.get("User-Agent"), wall_now()
    )
    session.permanent = True
    session[SESSION_TOKEN_KEY] = token
    login_user(user)


def end() -> None:
    """Log out; the login page that follows stays in the user's language."""
    language = current_user.locale
    services.end_session(db.session, session.get(SESSION_TOKEN_KEY), wall_now())
    logout_user()
    session.clear()
    session["lang"] = language


def current_token() -> str | None:
    return session.get(SESSION_TOKEN_KEY)
