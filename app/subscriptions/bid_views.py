"""Bid pages of a subscription: submit, amend, withdraw; custodians confirm; investor details."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.placement.vocabulary import custodian_choices
from app.auth.access import roles_required
from app.auth.roles import Role
from app.clock.services import now
from app.extensions import db
from app.subscriptions import bidding, results
from app.subscriptions.forms import ActionForm, BidForm, DetailsForm
from app.subscriptions.models import SubscriptionBid
from app.subscriptions.services import OfferingError
from app.pages import apply, form_errors_text
from app.subscriptions.blueprint import bp
from app.subscriptions.loaders import load, refreshed

MEMBERS = (Role.PRIMARY_DEALER, Role.PARTICIPANT)


def _back(subscription_id: int) -> str:
    return url_for("subscriptions.detail", subscription_id=subscription_id) + "#bids"


def _own(subscription_id: int, bid_id: int) -> SubscriptionBid:
    bid = db.session.get(SubscriptionBid, bid_id)
    if bid is None or bid.subscription_id != subscription_id or bid.organisation_id != current_user.organisation_id:
        abort(404)
    return bid


def _form() -> BidForm:
    form = BidForm()
    form.custodian_id.choices = custodian_choices(db.session)
    return form


@bp.route("/<int:subscription_id>/bids", methods=["POST"])
@roles_required(*MEMBERS)
def submit_bid(subscription_id: int):
    subscription = load(subscription_id)
    form = _form()
    if not form.validate_on_submit():
        flash(form_errors_text(form), "error")
        return redirect(_back(subscription.id))
    try:
        _bid, created = bidding.submit_bid(db.session, subscription, current_user, form.entry(),
                                           form.idempotency_key.data, now())
    except OfferingError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    except IntegrityError:  # the same form sent twice at once
        db.session.rollback()
        flash(_("This bid was already accepted."), "success")
    else:
        flash(_("The bid is accepted.") if created else _("This bid was already accepted."), "success")
    return redirect(_back(subscription.id))


@bp.route("/<int:subscription_id>/bids/<int:bid_id>", methods=["POST"])
@roles_required(*MEMBERS)
def amend_bid(subscription_id: int, bid_id: int):
    bid = _own(load(subscription_id).id, bid_id)
    form = _form()
    if not form.validate_on_submit():
        flash(form_errors_text(form), "error")
        return redirect(_back(subscription_id))
    return apply(ActionForm(), lambda: bidding.amend_bid(db.session, bid, current_user, form.entry(), now()),
                 _("The bid is changed."), _back(subscription_id))


@bp.route("/<int:subscription_id>/bids/<int:bid_id>/withdraw", methods=["POST"])
@roles_required(*MEMBERS)
def withdraw_bid(subscription_id: int, bid_id: int):
    bid = _own(load(subscription_id).id, bid_id)
    return apply(ActionForm(), lambda: bidding.withdraw_bid(db.session, bid, current_user, now()),
                 _("The bid is withdrawn."), _back(subscription_id))


@bp.route("/<int:subscription_id>/bids/<int:bid_id>/details", methods=["GET", "POST"])
@roles_required(*MEMBERS)
def investor_details(subscription_id: int, bid_id: int):
    """A confidential form: the seller and the issuer read what is entered here."""
    bid = _own(load(subscription_id).id, bid_id)
    form = DetailsForm(data=bid.investor_details or None) if request.method == "GET" else DetailsForm()
    if form.validate_on_submit():
        try:
            results.enter_investor_details(db.session, bid, current_user, form.data, now())
        except OfferingError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            flash(_("The investor's details are saved."), "success")
            return redirect(_back(subscription_id))
    return render_template("subscriptions/details.html", bid=bid, form=form)


@bp.route("/confirmations")
@roles_required(Role.COLLATERAL_CONTROLLER)
def confirmations():
    refreshed()
    return render_template("subscriptions/confirmations.html",
                           bids=bidding.bids_to_confirm(db.session, current_user.organisation_id), form=ActionForm())


@bp.route("/confirmations/<int:bid_id>", methods=["POST"])
@roles_required(Role.COLLATERAL_CONTROLLER)
def confirm(bid_id: int):
    bid = db.session.get(SubscriptionBid, bid_id)
    if bid is None or bid.custodian_id != current_user.organisation_id:
        abort(404)
    confirmed = request.form.get("answer") == "confirm"
    done = _("The bid is confirmed.") if confirmed else _("The bid is refused; it leaves the register.")
    return apply(ActionForm(), lambda: bidding.confirm_bid(db.session, bid, current_user, confirmed, now()),
                 done, url_for("subscriptions.confirmations"))
