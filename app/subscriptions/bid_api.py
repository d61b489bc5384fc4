"""JSON API of subscription bids beside the shared ones (app.placement.api): the investor's
details, entered after the period."""
from flask_login import current_user

from app.api.errors import refusals
from app.auth.access import roles_required
from app.clock.services import now
from app.extensions import db
from app.placement.api import own_bid
from app.subscriptions import results
from app.subscriptions import schemas as s
from app.subscriptions.api import API
from app.subscriptions.blueprint import api_bp as bp
from app.subscriptions.loaders import ERRORS, MEMBERS, bid_row


@bp.put("/<int:subscription_id>/bids/<int:bid_id>/investor-details")
@roles_required(*MEMBERS)
@bp.input(s.InvestorDetailsIn, arg_name="data")
@bp.output(s.OfferingBidOut)
@bp.doc(responses=ERRORS)
def investor_details(subscription_id: int, bid_id: int, data: dict):
    """Enter a client's details after the period, when the depository has none (App.8 §7)

    Confidential: the seller and the issuer read them (and staff); other members never.
    """
    bid = own_bid(API, subscription_id, bid_id)
    with refusals():
        results.enter_investor_details(db.session, bid, current_user, data, now())
    return bid_row(bid)
