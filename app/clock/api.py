"""JSON API of the clock feature, under /api/v1/clock."""
from apiflask import APIBlueprint

bp = APIBlueprint("clock_api", __name__, url_prefix="/api/v1/clock", tag="Clock")
