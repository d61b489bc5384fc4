"""Deny by default: every endpoint declares who it serves, or nobody gets it.

`@public` — anyone; `@roles_required(...)` — logged-in users with one of those roles;
`@any_role` — any logged-in user. An endpoint with no declaration answers 403 to everyone,
and `tests/auth/test_route_roles.py` fails while one exists.
"""
from collections.abc import Callable, Iterable

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.roles import ALL_ROLES, Role
from app.extensions import login_manager

PUBLIC = "public"
ACCESS_ATTRIBUTE = "desk_access"
# Endpoints that libraries register; they serve only public material.
LIBRARY_PUBLIC_ENDPOINTS = frozenset({"static", "openapi.spec"})
OPEN_BEFORE_PASSWORD_CHANGE = frozenset({"auth.password", "auth.logout", "main.language"})


def public(view: Callable) -> Callable:
    setattr(view, ACCESS_ATTRIBUTE, PUBLIC)
    return view


def roles_required(*roles: Role) -> Callable[[Callable], Callable]:
    allowed = frozenset(roles)
    if not allowed or not allowed <= ALL_ROLES:
        raise ValueError(f"unknown roles: {roles!r}")

    def decorate(view: Callable) -> Callable:
        setattr(view, ACCESS_ATTRIBUTE, allowed)
        return view

    return decorate


any_role = roles_required(*ALL_ROLES)


def endpoint_access(endpoint: str) -> str | frozenset[Role] | None:
    if endpoint in LIBRARY_PUBLIC_ENDPOINTS:
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, ACCESS_ATTRIBUTE, None)


def allows(access: str | frozenset | None, role: str | None) -> bool:
    if access == PUBLIC:
        return True
    if access is None or role is None:
        return False
    return role in access


def enforce_access():
    """before_request: the one place where access is decided."""
    if request.endpoint is None:
        return None  # no route: the 404 handler answers
    access = endpoint_access(request.endpoint)
    if access is None:
        current_app.logger.error("endpoint %s declares no access: denied", request.endpoint)
        abort(403)
    if access == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not allows(access, current_user.role):
        abort(403)
    if current_user.must_change_password and request.endpoint not in OPEN_BEFORE_PASSWORD_CHANGE:
        return password_change_required()
    return None


def password_change_required():
    """A first password chosen by someone else opens nothing but its own change."""
    if request.path.startswith("/api/"):
        abort(403)
    flash(_("Choose your own password first: the one you were given is for the first login only."), "info")
    return redirect(url_for("auth.password"))


def roles_of(access) -> Iterable[str]:
    return () if access in (None, PUBLIC) else sorted(access)
