"""The JSON API for dealers' and issuers' systems, under /api/v1."""
from apiflask import APIBlueprint
from flask_login import current_user

from app.auth.access import any_role

bp = APIBlueprint("api", __name__, url_prefix="/api/v1", tag="Session")


@bp.get("/me")
@any_role
def me():
    """Who the token (or session) belongs to."""
    return {"login": current_user.login, "role": current_user.role,
            "organisation": current_user.organisation.name}
