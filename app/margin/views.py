"""The risk staff's pages (/brokerage/risk): discount rates per client category and FX rates,
in force and scheduled, each key's history, and the forms that add entries. The back office
reads them too; only the risk staff change them."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.roles import Role
from app.clock.services import now
from app.domain.calendar import ALMATY
from app.extensions import db
from app.margin import reads, services
from app.margin.forms import CATEGORY_LABELS, RATE_VENUE_LABELS, CategoryForm, FxForm, RateForm
from app.margin.models import FOREIGN_CURRENCIES, MONEY, MarginCategory, RateKey
from app.pages import show_error
from app.refusals import Refusal

bp = Blueprint("margin", __name__, url_prefix="/brokerage/risk")
RISK = (Role.BROKER_RISK,)
READERS = (Role.BROKER_RISK, Role.BROKER_OFFICE)


@bp.context_processor
def vocabulary() -> dict:
    return {"CATEGORIES": CATEGORY_LABELS, "RATE_VENUES": RATE_VENUE_LABELS, "MONEY": MONEY,
            "can_change": current_user.is_authenticated and current_user.role == Role.BROKER_RISK}


# -- discount rates ---------------------------------------------------------------------------

@bp.route("/rates")
@roles_required(*READERS)
def rates():
    chooser = CategoryForm(request.args)
    category = chooser.category.data if chooser.validate() else MarginCategory.STANDARD
    form = RateForm(formdata=None, category=category, effective_from=_wall_clock())
    return _rates_page(chooser, category, form)


@bp.route("/rates", methods=["POST"])
@roles_required(*RISK)
def add_rate():
    form = RateForm()
    if form.validate_on_submit():
        try:
            services.add_rate(db.session, current_user.organisation, form.entry(), current_user, now())
        except Refusal as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash(_("The rate is entered; it applies from the moment set."), "success")
            return redirect(url_for("margin.rates", category=form.category.data))
    category = _category(form.category.data)
    return _rates_page(CategoryForm(formdata=None, category=category), category, form, 422)


@bp.route("/rates/<category>/<venue>/<code>")
@roles_required(*READERS)
def rate_history(category: str, venue: str, code: str):
    key = _key(category, venue, code)
    history = reads.rate_history(db.session, current_user.organisation_id, category, key)
    if not history:
        abort(404)
    return render_template("margin/rate_history.html", category=category, key=key, history=history,
                           states=reads.states(history, now()))


def _rates_page(chooser: CategoryForm, category: str, form: RateForm, status: int = 200):
    at = now()
    firm_id = current_user.organisation_id
    return render_template("margin/rates.html", chooser=chooser, category=category, form=form, at=at,
                           in_force=list(reads.rates_in_force(db.session, firm_id, category, at).values()),
                           scheduled=reads.scheduled_rates(db.session, firm_id, category, at)), status


def _category(value) -> str:
    return value if value in set(MarginCategory) else MarginCategory.STANDARD


def _key(category: str, venue: str, code: str) -> RateKey:
    if category not in set(MarginCategory) or venue not in RATE_VENUE_LABELS:
        abort(404)
    return RateKey(None if venue == MONEY else venue, code.upper())


# -- FX rates ---------------------------------------------------------------------------------

@bp.route("/fx")
@roles_required(*READERS)
def fx():
    return _fx_page(FxForm(formdata=None, effective_from=_wall_clock()))


@bp.route("/fx", methods=["POST"])
@roles_required(*RISK)
def add_fx():
    form = FxForm()
    if form.validate_on_submit():
        try:
            services.add_fx_rate(db.session, current_user.organisation, form.entry(), current_user, now())
        except Refusal as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash(_("The FX rate is entered; it applies from the moment set."), "success")
            return redirect(url_for("margin.fx"))
    return _fx_page(form, 422)


@bp.route("/fx/<currency>")
@roles_required(*READERS)
def fx_history(currency: str):
    currency = currency.upper()
    history = reads.fx_history(db.session, current_user.organisation_id, currency) \
        if currency in FOREIGN_CURRENCIES else []
    if not history:
        abort(404)
    return render_template("margin/fx_history.html", currency=currency, history=history,
                           states=reads.states(history, now()))


def _fx_page(form: FxForm, status: int = 200):
    at = now()
    firm_id = current_user.organisation_id
    return render_template("margin/fx.html", form=form, at=at,
                           in_force=list(reads.fx_in_force(db.session, firm_id, at).values()),
                           scheduled=reads.scheduled_fx(db.session, firm_id, at)), status


def _wall_clock():
    """Now as the form's Almaty wall-clock field shows it (to the minute)."""
    return now().astimezone(ALMATY).replace(tzinfo=None, second=0, microsecond=0)
