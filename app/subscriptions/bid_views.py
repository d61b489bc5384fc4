"""Bid pages of a subscription: the shared ones (app.placement.pages) and the investor's details."""
from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.access import roles_required
from app.clock.services import now
from app.extensions import db
from app.placement import pages
from app.placement.vocabulary import BIDDERS
from app.refusals import Refusal
from app.subscriptions import results
from app.subscriptions.blueprint import bp
from app.subscriptions.forms import DetailsForm
from app.subscriptions.loaders import load, refreshed
from app.subscriptions.page import PAGES


pages.add_bid_pages(bp, PAGES, load, refreshed, _l("The bid is refused; it leaves the register."))


@bp.route("/<int:subscription_id>/bids/<int:bid_id>/details", methods=["GET", "POST"])
@roles_required(*BIDDERS)
def investor_details(subscription_id: int, bid_id: int):
    """A confidential form: the seller and the issuer read what is entered here."""
    bid = pages.own_bid(PAGES, load(subscription_id), bid_id)
    form = DetailsForm(data=bid.investor_details or None) if request.method == "GET" else DetailsForm()
    if form.validate_on_submit():
        try:
            results.enter_investor_details(db.session, bid, current_user, form.data, now())
        except Refusal as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            flash(_("The investor's details are saved."), "success")
            return redirect(PAGES.detail(subscription_id, "#bids"))
    return render_template("subscriptions/details.html", bid=bid, form=form)
