"""The risk staff's margin fee tariff (/brokerage/risk/tariff): the entry in force, the scheduled
ones, the history, the latest accrual days, and the form that adds an entry. The back office
reads it too; only the risk staff change it."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.roles import Role
from app.clock.services import now
from app.domain.calendar import ALMATY
from app.extensions import db
from app.margin import reads as rate_reads
from app.margin.fees import reads, services
from app.margin.fees.forms import TariffForm
from app.pages import show_error
from app.refusals import Refusal

bp = Blueprint("margin_fees", __name__, url_prefix="/brokerage/risk")
RISK = (Role.BROKER_RISK,)
READERS = (Role.BROKER_RISK, Role.BROKER_OFFICE)


@bp.route("/tariff")
@roles_required(*READERS)
def tariff():
    wall_clock = now().astimezone(ALMATY).replace(tzinfo=None, second=0, microsecond=0)
    return _page(TariffForm(formdata=None, effective_from=wall_clock))


@bp.route("/tariff", methods=["POST"])
@roles_required(*RISK)
def add_tariff():
    form = TariffForm()
    if form.validate_on_submit():
        try:
            services.add_tariff(db.session, current_user.organisation, form.entry(), current_user, now())
        except Refusal as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash(_("The tariff is entered; it applies from the moment set."), "success")
            return redirect(url_for("margin_fees.tariff"))
    return _page(form, 422)


def _page(form: TariffForm, status: int = 200):
    at, firm_id = now(), current_user.organisation_id
    history = reads.tariff_history(db.session, firm_id)
    return render_template("margin/tariff.html", form=form, history=history, states=rate_reads.states(history, at),
                           in_force=reads.tariff_in_force(db.session, firm_id, at),
                           days=reads.accrual_days(db.session, firm_id),
                           can_change=current_user.role == Role.BROKER_RISK), status
