"""Deny by default: every endpoint declares who it serves, or nobody gets it.

`@public` — anyone; `@roles_required(...)` — logged-in users with one of those roles;
`@any_role` — any logged-in user. An endpoint with no declaration answers 403 to everyone,
and `tests/auth/test_route_roles.py` fails while one exists.
"""
from collections.abc import Callable, Iterable

from flask import abort, current_app, request
from flask_login import current_user

from app.auth.roles import ALL_ROLES, Role
from app.extensions import login_manager

PUBLIC = "public"
ACCESS_ATTRIBUTE = "desk_access"
# Endpoints that libraries register; they serve only public material.
LIBRARY_PUBLIC_ENDPOINTS = frozenset({"static", "openapi.spec"})


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
    return None


def roles_of(access) -> Iterable[str]:
    return () if access in (None, PUBLIC) else sorted(access)
