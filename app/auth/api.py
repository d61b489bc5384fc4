"""JSON API: who am I, and personal API tokens, under /api/v1."""
from apiflask import APIBlueprint

bp = APIBlueprint("auth_api", __name__, url_prefix="/api/v1", tag="Session")
