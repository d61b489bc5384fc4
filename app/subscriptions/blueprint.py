"""The subscriptions' two blueprints — the pages and the JSON API — on which every route module
of the feature registers; the factory imports them from app.subscriptions.routes."""
from apiflask import APIBlueprint
from flask import Blueprint

from app.subscriptions.labels import LABELS, STATUS_TONES

bp = Blueprint("subscriptions", __name__, url_prefix="/subscriptions")
api_bp = APIBlueprint("subscriptions_api", __name__, url_prefix="/api/v1/subscriptions", tag="Subscriptions")


@bp.context_processor
def vocabulary() -> dict:
    return {"S": LABELS, "S_TONES": STATUS_TONES}
