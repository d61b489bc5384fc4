"""CSRF for the API.

A browser attaches the session cookie to a forged cross-site request, but never an
`Authorization` header, so a call authenticated by a bearer token needs no CSRF token. Every
other unsafe call (POST, PUT, PATCH, DELETE) — in practice the desk's own pages calling the API
with the session cookie — must send the CSRF token in the `X-CSRFToken` header.
"""
from flask import current_app, request
from flask_login import current_user

from app.auth.sessions import authenticated_by_token, is_api_request
from app.extensions import csrf


def protect_session_calls(app, blueprints) -> None:
    """Take the API blueprints out of the blanket check and apply the rule above instead."""
    for blueprint in blueprints:
        csrf.exempt(blueprint)
    app.before_request(check_session_call)


def check_session_call() -> None:
    """before_request, after access control: an anonymous call has had its 401 already."""
    config = current_app.config
    if not (config["WTF_CSRF_ENABLED"] and config["WTF_CSRF_CHECK_DEFAULT"]):
        return
    if request.method not in config["WTF_CSRF_METHODS"] or not is_api_request():
        return
    if request.endpoint is None:
        return  # no such route: the 404/405 answer comes next
    if current_user.is_authenticated and authenticated_by_token():
        return
    if not current_user.is_authenticated:
        return  # a public endpoint called anonymously: no session of anyone's to ride on
    csrf.protect()
