"""The JSON API for dealers' and issuers' systems, under /api/v1."""
from apiflask import APIBlueprint, Schema
from apiflask.fields import String
from flask_login import current_user

from app.auth.access import any_role

bp = APIBlueprint("api", __name__, url_prefix="/api/v1", tag="Session")


class MeOut(Schema):
    login = String()
    role = String()
    organisation = String()


@bp.get("/me")
@bp.output(MeOut)
@any_role
def me():
    """Who the token (or session) belongs to"""
    return {"login": current_user.login, "role": current_user.role,
            "organisation": current_user.organisation.name}
