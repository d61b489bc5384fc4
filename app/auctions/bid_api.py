"""JSON API of bids beside the shared ones (app.placement.api): a PUT that replaces every field."""
from app.auctions import schemas as s
from app.auctions.api import API
from app.auctions.blueprint import api_bp as bp
from app.auctions.loaders import BIDDERS, ERRORS
from app.auth.access import roles_required
from app.placement.api import amended


@bp.put("/<int:auction_id>/bids/<int:bid_id>")
@roles_required(*BIDDERS)
@bp.input(s.BidIn, arg_name="data")
@bp.output(s.BidOut)
@bp.doc(responses=ERRORS)
def replace_bid(auction_id: int, bid_id: int, data: dict):
    """Change a bid in the window: every field as sent"""
    return amended(API, auction_id, bid_id, data)
