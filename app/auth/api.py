"""JSON API: personal API tokens, under /api/v1/tokens.

A token may list and revoke its owner's tokens; creating one needs a logged-in browser session,
so a leaked token cannot mint itself successors that outlive its revocation.
"""
from datetime import datetime
from functools import wraps

from apiflask import APIBlueprint, Schema
from apiflask.fields import Integer, String
from apiflask.validators import Length
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.api.errors import ApiError, field_error
from app.api.fields import AwareDateTime
from app.auth import services
from app.auth.access import any_role
from app.auth.models import ApiToken
from app.auth.sessions import authenticated_by_token
from app.clock.services import wall_now
from app.extensions import db

bp = APIBlueprint("auth_api", __name__, url_prefix="/api/v1", tag="Tokens")
TOKEN_STATUSES = ("active", "expired", "revoked")


class TokenOut(Schema):
    id = Integer()
    name = String()
    prefix = String(metadata={"description": "The token's first characters, to recognise it."})
    status = String(metadata={"enum": list(TOKEN_STATUSES)})
    created_at = AwareDateTime()
    expires_at = AwareDateTime(allow_none=True)
    last_used_at = AwareDateTime(allow_none=True)
    revoked_at = AwareDateTime(allow_none=True)


class NewTokenOut(TokenOut):
    token = String(metadata={"description": "The token itself: shown this once, never again."})


class TokenIn(Schema):
    name = String(required=True, validate=Length(min=1, max=100, error=_l("Use 1 to 100 characters.")),
                  metadata={"example": "back office"})
    expires_at = AwareDateTime(load_default=None, allow_none=True,
                               metadata={"description": "Leave out for a token that lasts until revoked."})


def token_status(token: ApiToken, now: datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def describe(token: ApiToken, now: datetime) -> dict:
    """The row as the API shows it; the hash never leaves the database."""
    return {"id": token.id, "name": token.name, "prefix": token.prefix, "status": token_status(token, now),
            "created_at": token.created_at, "expires_at": token.expires_at,
            "last_used_at": token.last_used_at, "revoked_at": token.revoked_at}


def browser_session_only(view):
    """Refuse calls authenticated by a bearer token (checked before the body is read)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if authenticated_by_token():
            raise ApiError(403, "session_required",
                           _("Create new tokens from a logged-in browser session, not with a token."))
        return view(*args, **kwargs)

    return wrapper


@bp.get("/tokens")
@bp.output(TokenOut(many=True))
@any_role
def list_tokens():
    """Your API tokens

    Newest first, active or not. Only the prefix of each token is shown.
    """
    rows = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    now = wall_now()
    return [describe(token, now) for token in rows]


@bp.post("/tokens")
@browser_session_only
@bp.input(TokenIn, arg_name="data")
@bp.output(NewTokenOut, status_code=201)
@bp.doc(responses={403: "Called with a token: create tokens from a browser session"})
@any_role
def create_token(data: dict):
    """Create a token (browser session only)

    The answer carries the token itself, once. Sent with the session cookie, the call needs
    the `X-CSRFToken` header; sent with a bearer token, it is refused (403 `session_required`).
    """
    now = wall_now()
    try:
        token, raw = services.create_api_token(db.session, current_user, data["name"], now, data["expires_at"])
    except services.IdentityError as error:
        db.session.rollback()
        raise field_error(error.field or "name", error.message) from error
    return {**describe(token, now), "token": raw}


@bp.delete("/tokens/<int:token_id>")
@bp.output({}, status_code=204)
@any_role
def revoke_token(token_id: int):
    """Revoke a token

    Systems using it are refused from the next call. Revoking a revoked token changes nothing.
    """
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        # Someone else's token does not exist, as far as this user can tell.
        raise ApiError(404, "not_found", _("There is no such token."))
    services.revoke_api_token(db.session, token, wall_now())
    return ""
