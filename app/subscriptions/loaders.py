"""What every route of the feature starts from (app.placement.loaders): the bid periods brought up
to date, the subscription of the URL if the user may see it, and a bid as the API shows it."""
from app.placement import loaders
from app.subscriptions import access, results
from app.subscriptions import schemas as s
from app.subscriptions.kind import SUBSCRIPTION
from app.subscriptions.models import SubscriptionBid

MEMBERS = access.MEMBERS
ERRORS = loaders.errors("subscription")
LOADERS = loaders.Loaders(SUBSCRIPTION, access.can_read, results)
refreshed, load, current_subscription, not_found = (LOADERS.refreshed, LOADERS.load, LOADERS.current,
                                                    LOADERS.not_found)


def bid_row(bid: SubscriptionBid, details: bool = True) -> dict:
    row = {name: getattr(bid, name) for name in s.OfferingBidOut._declared_fields}
    row["investor_details"] = bid.investor_details if details else None
    return row
