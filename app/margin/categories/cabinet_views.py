"""The client's category page (/cabinet/risk/category): its category, its latest request with
the broker's answer, and the request form (a confirmation; seed 003 asks for no signature)."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.roles import Role
from app.cabinet.loaders import cabinet_client
from app.clock.services import now
from app.extensions import db
from app.margin.categories import reads, services
from app.margin.categories.forms import QUALIFICATION_LABELS, STATUS_LABELS, RequestForm
from app.margin.forms import CATEGORY_LABELS
from app.refusals import Refusal

bp = Blueprint("cabinet_category", __name__, url_prefix="/cabinet/risk")


@bp.route("/category")
@roles_required(Role.CLIENT)
def category():
    return _page(RequestForm(formdata=None))


@bp.route("/category", methods=["POST"])
@roles_required(Role.CLIENT)
def request_category():
    client, form = cabinet_client(), RequestForm()
    if form.validate_on_submit():
        try:
            services.request_special_risk(db.session, client, current_user, now())
        except Refusal as error:
            db.session.rollback()
            flash(str(error.message), "error")     # the form may not be shown: a request is open
        else:
            flash(_("Your request is sent to your broker."), "success")
            return redirect(url_for("cabinet_category.category"))
    return _page(form, 422)


def _page(form: RequestForm, status: int = 200):
    client = cabinet_client()
    latest = reads.latest_request(db.session, client)
    return render_template("margin/category.html", client=client, latest=latest, form=form,
                           CATEGORIES=CATEGORY_LABELS, REQUEST_STATUS=STATUS_LABELS,
                           QUALIFICATIONS=QUALIFICATION_LABELS), status
