"""JSON API of the calendar feature, under /api/v1/calendar."""
from apiflask import APIBlueprint

bp = APIBlueprint("calendar_api", __name__, url_prefix="/api/v1/calendar", tag="Calendar")
