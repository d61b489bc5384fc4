"""What every route of the feature starts from: the windows brought up to date, and the auction
(or bid) of the URL if the user may see it — a page answers 404, the API a JSON 404, so that
what the caller may not see does not leak (app.placement.loaders)."""
from flask import abort
from flask_login import current_user

from app.auctions import access, results
from app.auctions.kind import AUCTION
from app.auctions.models import Auction
from app.clock.services import now
from app.extensions import db
from app.placement import loaders
from app.transaction import is_read

INITIATORS, BIDDERS = access.INITIATORS, access.BIDDERS
ERRORS = loaders.errors("auction")


def refreshed() -> None:
    """Windows that have ended show as closed: a read derives it, a change stores it."""
    results.advance_due(db.session, now(), store=not is_read())


def load(auction_id: int):
    """The page's auction, up to date."""
    return loaders.readable(AUCTION, auction_id, access.can_read, results.up_to_date) or abort(404)


def not_found(message=None):
    return loaders.not_found(AUCTION, message)


def current_auction(auction_id: int) -> Auction:
    auction = loaders.readable(AUCTION, auction_id, access.can_read, results.up_to_date)
    if auction is None:
        raise not_found()
    return auction


def managed_auction(auction_id: int, staff_too: bool = True) -> Auction:
    """The initiator's own auction (and, with `staff_too`, any auction for staff); to anyone
    else it does not exist."""
    auction = current_auction(auction_id)
    if not (access.is_initiator(auction, current_user) or (staff_too and access.is_staff(current_user))):
        raise not_found()
    return auction
