"""How a subscription (App.8) joins the shared placement lifecycle (app.placement)."""
from flask_babel import lazy_gettext as _l

from app.placement.kind import OfferingKind
from app.refusals import Refusal
from app.subscriptions.labels import STATUS_LABELS
from app.subscriptions.models import (Subscription, SubscriptionBid, SubscriptionBidStatus, SubscriptionNotice,
                                      SubscriptionStatus)


class OfferingError(Refusal):
    """A refused subscription operation."""


SUBSCRIPTION = OfferingKind(
    name="subscription", offering=Subscription, bid=SubscriptionBid, notice=SubscriptionNotice,
    parent="subscription_id", error=OfferingError, statuses=SubscriptionStatus,
    bid_statuses=SubscriptionBidStatus, status_labels=STATUS_LABELS,
    bid_audit="subscription_bid", bid_entity="subscription_bid", closes_at="period_end_at",
    snapshot_fields=("number", "status", "quantity", "price_min", "price_max", "period_start_at", "period_end_at",
                     "is_private", "review_note", "failure_reason"),
    bid_fields=("organisation_id", "kind", "status", "confirmation", "custodian_id", "secured"),
    # The investor is sealed too: staff read the trail before the offering closes.
    sealed_terms=lambda bid: [str(bid.price), bid.quantity, str(bid.amount), bid.investor_iin, bid.investor_name,
                              bid.investor_category, bid.qualified],
    words={"not_found": _l("There is no such subscription."),
           "wrong_status": _l("This cannot be done while the subscription is “%(status)s”."),
           "key_reused": _l("Your firm used this idempotency key for a bid in another offering.")},
    # A private placement is announced to members only, and so is every notice of it.
    notice_terms=lambda subscription: {"members_only": subscription.is_private},
)
