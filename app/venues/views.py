"""Pages: the back office's venue instruments and quote loads (/brokerage/venues), and the
client's own instrument list (/cabinet/instruments)."""
from datetime import datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.roles import Role
from app.cabinet.loaders import cabinet_client
from app.clock.services import now
from app.extensions import db
from app.venues import reads, services
from app.venues.forms import (EXTERNAL_LABELS, MARKET_LABELS, InstrumentForm, ConfirmForm, InstrumentSearchForm, QuotesFileForm,
                              WatchForm, WatchlistForm)

bp = Blueprint("venues", __name__, url_prefix="/brokerage/venues")
cabinet_bp = Blueprint("cabinet_instruments", __name__, url_prefix="/cabinet/instruments")
OFFICE = (Role.BROKER_OFFICE,)


@bp.app_template_filter("age")
def age(value: timedelta | datetime | None) -> str:
    """How old a quote is, in words ("12 min ago")."""
    if isinstance(value, datetime):
        value = max(now() - value, timedelta(0))
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    if minutes < 1:
        return _("just now")
    if minutes < 60:
        return ngettext("%(num)s min ago", "%(num)s min ago", minutes)
    if minutes < 48 * 60:
        return ngettext("%(num)s h ago", "%(num)s h ago", minutes // 60)
    return ngettext("%(num)s day ago", "%(num)s days ago", minutes // (24 * 60))


@bp.context_processor
@cabinet_bp.context_processor
def vocabulary() -> dict:
    return {"VENUE_NAMES": MARKET_LABELS}


# -- the back office --------------------------------------------------------------------------

@bp.route("")
@roles_required(*OFFICE)
def index():
    listed = reads.firm_instruments(db.session, current_user.organisation_id)
    latest = reads.latest_quotes(db.session, [item.id for item in listed])
    by_venue = {venue: [item for item in listed if item.venue == venue] for venue in EXTERNAL_LABELS}
    return render_template("venues/index.html", by_venue=by_venue, latest=latest, at=now())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*OFFICE)
def new_instrument():
    form = InstrumentForm()
    if form.validate_on_submit():
        try:
            services.add_instrument(db.session, current_user.organisation, form.entry(), current_user, now())
        except services.VenueError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            flash(_("The instrument is listed."), "success")
            return redirect(url_for("venues.index"))
    return render_template("venues/instrument.html", form=form, instrument=None), 422 if form.errors else 200


@bp.route("/<int:instrument_id>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE)
def edit_instrument(instrument_id: int):
    found = _firm_instrument(instrument_id)
    form = InstrumentForm(obj=found)
    form.venue.data, form.code.data = found.venue, found.code   # they name the instrument: not editable
    if form.validate_on_submit():
        try:
            services.edit_instrument(db.session, found, form.entry(), current_user, now())
        except services.VenueError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            flash(_("The instrument is changed."), "success")
            return redirect(url_for("venues.index"))
    return render_template("venues/instrument.html", form=form, instrument=found), 422 if form.errors else 200


@bp.route("/<int:instrument_id>/deactivate", methods=["POST"])
@roles_required(*OFFICE)
def deactivate(instrument_id: int):
    found = _firm_instrument(instrument_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.deactivate_instrument(db.session, found, current_user, now())
    flash(_("The instrument is no longer offered; its quotes stay."), "success")
    return redirect(url_for("venues.index"))


@bp.route("/quotes", methods=["GET", "POST"])
@roles_required(*OFFICE)
def quotes():
    form, problems, refused = QuotesFileForm(), [], False
    if form.validate_on_submit():
        try:
            loaded = services.load_quotes_csv(db.session, current_user.organisation, form.file.data.read(),
                                              current_user, now())
        except services.VenueError as error:
            db.session.rollback()
            problems, refused = [str(text) for _row, text in error.problems or []], True
            flash(str(error.message), "error")
        else:
            flash(ngettext("%(num)s quote loaded.", "%(num)s quotes loaded.", loaded), "success")
            return redirect(url_for("venues.quotes"))
    status = 422 if form.errors or refused else 200
    return render_template("venues/quotes.html", form=form, problems=problems, header=",".join(services.CSV_HEADER)), status


def _firm_instrument(instrument_id: int):
    found = reads.firm_instrument(db.session, current_user.organisation_id, instrument_id)
    if found is None:
        abort(404)
    return found


def _field_error(form, error: services.VenueError) -> None:
    field = getattr(form, error.field or "", None)
    if field is not None and isinstance(getattr(field, "errors", None), (list, tuple)):
        field.errors = [*field.errors, str(error.message)]
    else:
        flash(str(error.message), "error")


# -- the client's own list --------------------------------------------------------------------

@cabinet_bp.route("", methods=["GET", "POST"])
@roles_required(Role.CLIENT)
def instruments():
    client = cabinet_client()
    form = WatchlistForm()
    if form.validate_on_submit():
        _apply_ticks(client, form.shown.data or [], set(form.picked.data or []))
        return redirect(url_for("cabinet_instruments.instruments", q=form.q.data or None))
    search = InstrumentSearchForm(request.args)
    found = reads.search(db.session, client.firm_id, search.q.data) if search.validate() else []
    watched = reads.watchlist(db.session, client)
    return render_template("cabinet/instruments.html", client=client, search=search, found=found, watched=watched,
                           listed={(row.venue, row.code) for row in watched}, form=form)


@cabinet_bp.route("/search")
@roles_required(Role.CLIENT)
def search():
    client = cabinet_client()
    search_form = InstrumentSearchForm(request.args)
    found = reads.search(db.session, client.firm_id, search_form.q.data) if search_form.validate() else []
    listed = {(row.venue, row.code) for row in reads.watchlist(db.session, client)}
    return render_template("cabinet/instrument_search.html", client=client, search=search_form, found=found,
                           listed=listed, form=WatchForm())


@cabinet_bp.route("/add", methods=["POST"])
@roles_required(Role.CLIENT)
def add():
    client = cabinet_client()
    form = WatchForm()
    if form.validate_on_submit():
        try:
            services.watch(db.session, client, form.venue.data, form.code.data, now())
        except services.VenueError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return redirect(url_for("cabinet_instruments.instruments"))
        flash(_("%(code)s is in your list.", code=form.code.data.strip().upper()), "success")
        return redirect(url_for("cabinet.home"))
    abort(400)


@cabinet_bp.route("/remove", methods=["POST"])
@roles_required(Role.CLIENT)
def remove():
    client = cabinet_client()
    form = WatchForm()
    if not form.validate_on_submit():
        abort(400)
    services.unwatch(db.session, client, form.venue.data, form.code.data, now())
    flash(_("Removed from your list."), "success")
    return redirect(url_for("cabinet.home"))


def _apply_ticks(client, shown: list[str], picked: set[str]) -> None:
    """The rows on the page become ticked or not, all of them or (on a refusal) none."""
    at, refused = now(), []
    for value in dict.fromkeys(shown):
        venue, _colon, code = value.partition(":")
        try:
            if value in picked:
                services.watch(db.session, client, venue, code, at)
            else:
                services.unwatch(db.session, client, venue, code, at)
        except services.VenueError as error:
            refused.append(f"{code[:20]}: {error.message}")
    if refused:
        db.session.rollback()
        for text in refused:
            flash(text, "error")
    else:
        flash(_("Your list is saved."), "success")


