"""Reference-data pages of the secondary market: the exchange keeps instruments, reference
prices and member firms' trading accounts; a member firm reads its own accounts."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from app.auth.access import roles_required
from app.auth.models import Organisation
from app.auth.roles import STAFF_ROLES, Role
from app.clock.services import now
from app.domain.calendar import almaty_date
from app.extensions import db
from app.pages import apply, form_errors_text, show_error
from app.secondary.models import Instrument
from app.secondary.reference import services as reference
from app.secondary.reference.forms import (ACCOUNT_KIND_LABELS, FREQUENCY_LABELS, KIND_LABELS, SUBJECT_LABELS,
                                           AccountForm, ActionForm, HaltForm, InstrumentForm, ReferencePriceForm)
from app.secondary.reference.services import ReferenceDataError

bp = Blueprint("market_reference", __name__, url_prefix="/market/reference")
MEMBERS = (Role.PRIMARY_DEALER, Role.PARTICIPANT)
REFUSED = 422


@bp.context_processor
def vocabulary() -> dict:
    return {"KIND_LABELS": KIND_LABELS, "SUBJECT_LABELS": SUBJECT_LABELS, "ACCOUNT_KIND_LABELS": ACCOUNT_KIND_LABELS,
            "FREQUENCY_LABELS": FREQUENCY_LABELS}


def load(instrument_id: int) -> Instrument:
    return db.session.get(Instrument, instrument_id) or abort(404)


def submit(form, operation, done, back: str):
    """`apply`, after naming the field that is wrong rather than calling the form expired."""
    if form.is_submitted() and not form.validate():
        flash(form_errors_text(form), "error")
        return redirect(back)
    return apply(form, operation, done, back)


def status(form) -> int:
    return REFUSED if form.is_submitted() and form.errors else 200


# --- instruments ---------------------------------------------------------------------------

@bp.route("/")
@roles_required(*STAFF_ROLES)
def instruments():
    day = almaty_date(now())
    return render_template("secondary/reference/instruments.html", day=day,
                           rows=reference.instrument_rows(db.session, day))


@bp.route("/instruments/new", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def new_instrument():
    form = InstrumentForm()
    if form.validate_on_submit():
        try:
            instrument = reference.create_instrument(db.session, **form.terms())
        except ReferenceDataError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash(_("Instrument %(code)s created.", code=instrument.code), "success")
            return redirect(url_for("market_reference.edit_instrument", instrument_id=instrument.id))
    return render_template("secondary/reference/instrument.html", form=form, instrument=None), status(form)


@bp.route("/instruments/<int:instrument_id>", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def edit_instrument(instrument_id: int):
    instrument = load(instrument_id)
    form = InstrumentForm(data=reference.snapshot_values(instrument))
    del form.code, form.kind  # fixed once created
    if form.validate_on_submit():
        try:
            reference.update_instrument(db.session, instrument, **form.terms())
        except ReferenceDataError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash(_("Instrument %(code)s saved.", code=instrument.code), "success")
            return redirect(url_for("market_reference.edit_instrument", instrument_id=instrument.id))
    return render_template("secondary/reference/instrument.html", **instrument_page(instrument, form)), status(form)


def instrument_page(instrument: Instrument, form: InstrumentForm) -> dict:
    day = almaty_date(now())
    return {"instrument": instrument, "form": form, "halt_form": HaltForm(formdata=None),
            "action_form": ActionForm(formdata=None), "day": day,
            "price_form": ReferencePriceForm(formdata=None, trading_day=day),
            "prices": reference.recent_prices(db.session, instrument.id)}


@bp.route("/instruments/<int:instrument_id>/halt", methods=["POST"])
@roles_required(*STAFF_ROLES)
def halt(instrument_id: int):
    instrument, form = load(instrument_id), HaltForm()
    return submit(form, lambda: reference.halt_instrument(db.session, instrument, form.reason.data),
                  _l("Trading in the instrument is halted."),
                  url_for("market_reference.edit_instrument", instrument_id=instrument.id))


@bp.route("/instruments/<int:instrument_id>/resume", methods=["POST"])
@roles_required(*STAFF_ROLES)
def resume(instrument_id: int):
    instrument = load(instrument_id)
    return submit(ActionForm(), lambda: reference.resume_instrument(db.session, instrument),
                  _l("Trading in the instrument is resumed."),
                  url_for("market_reference.edit_instrument", instrument_id=instrument.id))


@bp.route("/instruments/<int:instrument_id>/price", methods=["POST"])
@roles_required(*STAFF_ROLES)
def set_price(instrument_id: int):
    instrument, form = load(instrument_id), ReferencePriceForm()
    return submit(form, lambda: reference.set_reference_price(db.session, instrument, form.trading_day.data,
                                                              form.price.data),
                  _l("The reference price is set."),
                  url_for("market_reference.edit_instrument", instrument_id=instrument.id))


# --- trading accounts ----------------------------------------------------------------------

@bp.route("/accounts", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def accounts():
    form = AccountForm()
    form.organisation_id.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(firm.id), firm.name) for firm in reference.member_firms(db.session)]
    if form.validate_on_submit():
        try:
            account = reference.create_account(
                db.session, organisation=_organisation(form.organisation_id.data), code=form.code.data,
                kind=form.kind.data, client_name=form.client_name.data, client_code=form.client_code.data)
        except ReferenceDataError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash(_("Trading account %(code)s created.", code=account.code), "success")
            return redirect(url_for("market_reference.accounts"))
    return render_template("secondary/reference/accounts.html", form=form,
                           accounts=reference.all_accounts(db.session)), status(form)


def _organisation(value: str | None) -> Organisation | None:
    return db.session.get(Organisation, int(value)) if (value or "").isdigit() else None


@bp.route("/accounts/mine")
@roles_required(*MEMBERS)
def my_accounts():
    return render_template("secondary/reference/my_accounts.html",
                           accounts=reference.accounts_of(db.session, current_user.organisation_id))
