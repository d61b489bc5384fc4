"""What every route of the feature starts from: the windows brought up to date, and the auction
(or bid) of the URL if the user may see it — a page answers 404, the API a JSON 404, so that
what the caller may not see does not leak."""
from flask import abort
from flask_babel import gettext as _
from flask_login import current_user

from app.api.errors import ApiError
from app.auctions import access, results, services
from app.auctions.models import Auction, Bid
from app.clock.services import now
from app.extensions import db
from app.transaction import is_read

INITIATORS, BIDDERS = access.INITIATORS, access.BIDDERS
ERRORS = {404: "No such auction, or not visible to you", 409: "The auction's status does not allow this",
          422: "Refused: `code` names the rule, `details.json` the field"}


def refreshed() -> None:
    """Windows that have ended show as closed: a read derives it, a change stores it."""
    results.advance_due(db.session, now(), store=not is_read())


def load(auction_id: int):
    """The page's auction, up to date."""
    auction = services.get_auction(db.session, auction_id)
    if auction is None or not access.can_read(auction, current_user):
        abort(404)
    return results.up_to_date(db.session, auction, now(), store=not is_read())


# --- access ----------------------------------------------------------------------------------------

def not_found(message=None) -> ApiError:
    return ApiError(404, "not_found", str(message or _("There is no such auction.")))


def current_auction(auction_id: int) -> Auction:
    auction = db.session.get(Auction, auction_id)
    if auction is None or not access.can_read(auction, current_user):
        raise not_found()
    return results.up_to_date(db.session, auction, now(), store=not is_read())


def managed_auction(auction_id: int, staff_too: bool = True) -> Auction:
    """The initiator's own auction (and, with `staff_too`, any auction for staff); to anyone
    else it does not exist."""
    auction = current_auction(auction_id)
    if not (access.is_initiator(auction, current_user) or (staff_too and access.is_staff(current_user))):
        raise not_found()
    return auction


def own_bid(auction: Auction, bid_id: int) -> Bid:
    bid = db.session.get(Bid, bid_id)
    if bid is None or bid.auction_id != auction.id or bid.organisation_id != current_user.organisation_id:
        raise not_found(_("There is no such bid."))
    return bid


def controlled_bid(auction: Auction, bid_id: int) -> Bid:
    bid = db.session.get(Bid, bid_id)
    if bid is None or bid.auction_id != auction.id or bid.custodian_id != current_user.organisation_id:
        raise not_found(_("There is no such bid."))
    return bid
