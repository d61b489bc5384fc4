"""What every route of the feature starts from: the bid periods brought up to date, and the
subscription of the URL if the user may see it — a page answers 404, the API a JSON 404, so that
what the caller may not see does not leak (app.placement.loaders)."""
from flask import abort

from app.clock.services import now
from app.extensions import db
from app.placement import loaders
from app.subscriptions import access, results
from app.subscriptions import schemas as s
from app.subscriptions.kind import SUBSCRIPTION
from app.subscriptions.models import Subscription, SubscriptionBid
from app.transaction import is_read

MEMBERS = access.MEMBERS
ERRORS = loaders.errors("subscription")


def refreshed() -> None:
    """Bid periods that have ended show as closed: a read derives it, a change stores it."""
    results.advance_due(db.session, now(), store=not is_read())


def load(subscription_id: int):
    """The page's subscription, up to date."""
    return loaders.readable(SUBSCRIPTION, subscription_id, access.can_read, results.up_to_date) or abort(404)


def not_found(message=None):
    return loaders.not_found(SUBSCRIPTION, message)


def current_subscription(subscription_id: int) -> Subscription:
    subscription = loaders.readable(SUBSCRIPTION, subscription_id, access.can_read, results.up_to_date)
    if subscription is None:
        raise not_found()
    return subscription


def bid_row(bid: SubscriptionBid, details: bool = True) -> dict:
    row = {name: getattr(bid, name) for name in s.OfferingBidOut._declared_fields}
    row["investor_details"] = bid.investor_details if details else None
    return row
