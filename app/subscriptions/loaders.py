"""What every route of the feature starts from: the bid periods brought up to date, and the
subscription of the URL if the user may see it — a page answers 404, the API a JSON 404, so that
what the caller may not see does not leak."""
from flask import abort
from flask_babel import gettext as _
from flask_login import current_user

from app.api.errors import ApiError
from app.clock.services import now
from app.extensions import db
from app.subscriptions import access, results, services
from app.subscriptions import schemas as s
from app.subscriptions.models import Subscription, SubscriptionBid
from app.transaction import is_read

MEMBERS = access.MEMBERS
ERRORS = {404: "No such subscription, or not visible to you", 409: "The subscription's status does not allow this",
          422: "Refused: `code` names the rule, `details.json` the field"}


def refreshed() -> None:
    """Windows that have ended show as closed: a read derives it, a change stores it."""
    results.advance_due(db.session, now(), store=not is_read())


def load(subscription_id: int):
    """The page's subscription, up to date."""
    subscription = services.get_subscription(db.session, subscription_id)
    if subscription is None or not access.can_read(subscription, current_user):
        abort(404)
    return results.up_to_date(db.session, subscription, now(), store=not is_read())


# --- access ----------------------------------------------------------------------------------------

def not_found(message=None) -> ApiError:
    return ApiError(404, "not_found", str(message or _("There is no such subscription.")))


def current_subscription(subscription_id: int) -> Subscription:
    subscription = services.get_subscription(db.session, subscription_id)
    if subscription is None or not access.can_read(subscription, current_user):
        raise not_found()
    return results.up_to_date(db.session, subscription, now(), store=not is_read())


def bid_row(bid: SubscriptionBid, details: bool = True) -> dict:
    row = {name: getattr(bid, name) for name in s.OfferingBidOut._declared_fields}
    row["investor_details"] = bid.investor_details if details else None
    return row
