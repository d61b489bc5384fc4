"""The auctions' two blueprints — the pages and the JSON API — on which every route module of
the feature registers; the factory imports them from app.auctions.routes."""
from apiflask import APIBlueprint
from flask import Blueprint

from app.auctions.labels import LABELS, STATUS_TONES

bp = Blueprint("auctions", __name__, url_prefix="/auctions")
api_bp = APIBlueprint("auctions_api", __name__, url_prefix="/api/v1/auctions", tag="Auctions")


@bp.context_processor
def vocabulary() -> dict:
    return {"L": LABELS, "STATUS_TONES": STATUS_TONES}
