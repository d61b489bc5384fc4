"""What the subscription page shows to whom: one context, assembled by role and state; and what
the shared placement pages need to know of subscriptions."""
from datetime import datetime

from app.auth.models import User
from app.placement.forms import ActionForm
from app.placement.pages import OfferingPages, seconds_until
from app.placement.vocabulary import BIDDERS
from app.subscriptions import access, bidding, results
from app.subscriptions.forms import BidForm, NoteForm
from app.subscriptions.models import Subscription, SubscriptionBid, SubscriptionStatus

PAGES = OfferingPages(blueprint="subscriptions", parent="subscription_id", bid_model=SubscriptionBid,
                      bid_form=BidForm, bidding=bidding)


def subscription_page(session, subscription: Subscription, user: User, now: datetime) -> dict:
    phase = bidding.phase(subscription, now) if subscription.status == SubscriptionStatus.ANNOUNCED else None
    bidder = user.role in BIDDERS
    page = {
        "subscription": subscription, "phase": phase, "now": now, "is_staff": access.is_staff(user),
        "is_seller": access.is_seller(subscription, user),
        "reads_registers": access.reads_registers(subscription, user),
        "action_form": ActionForm(), "note_form": NoteForm(formdata=None),
        "counts": results.counts(session, subscription),
        "own_bids": bidding.firm_bids(session, subscription, user.organisation_id) if bidder else [],
        "deals_by_bid": {deal.bid_id: deal for deal in subscription.deals
                         if deal.organisation_id == user.organisation_id},
        # only primary dealers bid for GKO: nobody else is offered the form
        "may_bid": not subscription.is_gko or user.organisation.is_primary_dealer,
        "bid_form": None, "seconds_left": None,
    }
    if phase == "open" and bidder and page["may_bid"]:
        page["bid_form"] = BidForm.blank(session)
        page["seconds_left"] = seconds_until(subscription.period_end_at, now)
    return page
