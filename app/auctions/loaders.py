"""What every route of the feature starts from (app.placement.loaders): the windows brought up to
date, and the auction of the URL if the user may see it."""
from flask_login import current_user

from app.auctions import access, results
from app.auctions.kind import AUCTION
from app.auctions.models import Auction
from app.placement import loaders

INITIATORS, BIDDERS = access.INITIATORS, access.BIDDERS
ERRORS = loaders.errors("auction")
LOADERS = loaders.Loaders(AUCTION, access.can_read, results)
refreshed, load, current_auction, not_found = LOADERS.refreshed, LOADERS.load, LOADERS.current, LOADERS.not_found


def managed_auction(auction_id: int, staff_too: bool = True) -> Auction:
    """The initiator's own auction (and, with `staff_too`, any auction for staff); to anyone
    else it does not exist."""
    auction = current_auction(auction_id)
    if not (access.is_initiator(auction, current_user) or (staff_too and access.is_staff(current_user))):
        raise not_found()
    return auction
