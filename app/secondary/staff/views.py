"""The exchange staff's market pages: the trading day (open, close, failed settlements),
incoming balances, surveillance of every book with halts, and the end-of-day certificates —
which a member firm may also download, for its own deals only (another firm's: 404).

Market instructions go through the sequencer, which commits by itself; halts go through the
reference-data service, which writes the audit trail in the same transaction.
"""
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.roles import STAFF_ROLES, Role
from app.clock.services import now
from app.domain.calendar import almaty_date
from app.extensions import db
from app.formatting import short_date
from app.pages import apply, form_errors_text, show_error
from app.refusals import Refusal
from app.registers import pdf_response
from app.secondary import balances, schedule, surveillance
from app.secondary.engine.day import SettlementAnswer
from app.secondary.models import Instrument, MarketTrade
from app.secondary.reference import services as reference
from app.secondary.staff import certificates
from app.secondary.staff.forms import ActionForm, BalancesForm, HaltForm, OpenDayForm, SettlementForm
from app.secondary.trading import services
from app.secondary.trading.forms import SIDE_LABELS, TRADE_STATUS_LABELS

bp = Blueprint("market_staff", __name__, url_prefix="/market")
MEMBERS = (Role.PRIMARY_DEALER, Role.PARTICIPANT)
REFUSED = 422
# Refusals of the day's opening, shown next to the input that caused them.
FIELDS = {"day_exists": "day", "not_business_day": "day", "bad_session_times": "closes"}


@bp.context_processor
def vocabulary() -> dict:
    return {"TRADE_STATUS_LABELS": TRADE_STATUS_LABELS, "SIDE_LABELS": SIDE_LABELS}


# --- the trading day ---------------------------------------------------------------------------

def _open_form() -> OpenDayForm:
    form = OpenDayForm()
    if not form.is_submitted():
        form.day.data = almaty_date(now())
        try:
            form.opens.data, form.closes.data = schedule.default_times()
        except schedule.ScheduleError:
            pass   # a mistyped MARKET_OPENS/CLOSES leaves the times for staff to type
    return form


def _day_page(form: OpenDayForm) -> dict:
    trading_session = services.current_session(db.session)
    day = services.market_day(db.session)
    unsettled = surveillance.unsettled(db.session, day)
    return {"form": form, "trading_session": trading_session, "market_open": services.is_open(trading_session),
            "day": day, "now": now(), "unsettled": unsettled, "action_form": ActionForm(formdata=None)}


@bp.route("/staff/")
@roles_required(*STAFF_ROLES)
def day():
    return render_template("secondary/staff/day.html", **_day_page(_open_form()))


@bp.route("/staff/open", methods=["POST"])
@roles_required(*STAFF_ROLES)
def open_day():
    form = _open_form()
    if form.validate_on_submit():
        try:
            schedule.open_day(db.session, form.day.data, form.opens.data, form.closes.data, current_user.id)
        except Refusal as error:
            db.session.rollback()
            error.field = error.field or FIELDS.get(error.code)
            show_error(form, error)
        else:
            flash(_("Trading day %(day)s is open.", day=short_date(form.day.data)), "success")
            return redirect(url_for("market_staff.day"))
    return render_template("secondary/staff/day.html", **_day_page(form)), REFUSED


@bp.route("/staff/close", methods=["POST"])
@roles_required(*STAFF_ROLES)
def close_day():
    return apply(ActionForm(), lambda: schedule.close_day(db.session, current_user.id),
                 _("The session is closed: unfilled day orders are cancelled and deals due today are settled."),
                 url_for("market_staff.day"))


def _settled(ack) -> str:
    if ack.status == "settled":
        return _("The deal is settled.")
    if ack.status == "cancelled":
        return _("The deal is cancelled; nothing was delivered.")
    return _("Delivery was tried again and failed: a side still lacks what it owes.")


@bp.route("/staff/trades/<int:trade_id>/settlement", methods=["POST"])
@roles_required(*STAFF_ROLES)
def settlement(trade_id: int):
    trade, form = db.session.get(MarketTrade, trade_id) or abort(404), SettlementForm()
    command = SettlementAnswer(trade.id, form.action.data, None, current_user.id)
    return apply(form, lambda: services.execute(db.session, command), _settled, url_for("market_staff.day"))


# --- incoming balances -------------------------------------------------------------------------

def _load(form: BalancesForm) -> int:
    if not form.has_input():
        raise balances.BalancesRefused([(None, _("Paste the rows or choose a file."))])
    if form.file.data:
        rows = balances.rows_from_file(form.file.data.filename or "", form.file.data.read())
    else:
        rows = balances.rows_from_text(form.text.data)
    parsed = balances.parse_balances(db.session, rows)
    return balances.load_balances(db.session, parsed, current_user.id)


@bp.route("/staff/balances", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def load_balances():
    form, problems = BalancesForm(), []
    if form.validate_on_submit():
        try:
            count = _load(form)
        except balances.BalancesRefused as error:
            db.session.rollback()
            form.form_errors.append(str(error.message))
            problems = error.problems
        else:
            flash(_("%(count)d incoming balances loaded.", count=count), "success")
            return redirect(url_for("market_staff.load_balances"))
    refused = form.is_submitted() and (form.errors or problems)
    return render_template("secondary/staff/balances.html", form=form, problems=problems), \
        REFUSED if refused else 200


# --- surveillance ------------------------------------------------------------------------------

@bp.route("/staff/surveillance")
@roles_required(*STAFF_ROLES)
def surveillance_page():
    day = services.market_day(db.session)
    return render_template("secondary/staff/surveillance.html", day=day,
                           books=surveillance.books(db.session, day), halted=surveillance.halted(db.session),
                           journal=surveillance.journal_tail(db.session), head=surveillance.head(db.session),
                           halt_form=HaltForm(formdata=None), action_form=ActionForm(formdata=None))


def _halting(form, operation, done):
    back = url_for("market_staff.surveillance_page")
    if form.is_submitted() and not form.validate():
        flash(form_errors_text(form), "error")
        return redirect(back)
    return apply(form, operation, done, back)


@bp.route("/staff/instruments/<int:instrument_id>/halt", methods=["POST"])
@roles_required(*STAFF_ROLES)
def halt(instrument_id: int):
    instrument, form = db.session.get(Instrument, instrument_id) or abort(404), HaltForm()
    return _halting(form, lambda: reference.halt_instrument(db.session, instrument, form.reason.data),
                    _("Trading in %(code)s is halted.", code=instrument.code))


@bp.route("/staff/instruments/<int:instrument_id>/resume", methods=["POST"])
@roles_required(*STAFF_ROLES)
def resume(instrument_id: int):
    instrument = db.session.get(Instrument, instrument_id) or abort(404)
    return _halting(ActionForm(), lambda: reference.resume_instrument(db.session, instrument),
                    _("Trading in %(code)s is resumed.", code=instrument.code))


# --- end-of-day certificates -------------------------------------------------------------------

def _trading_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(404)


@bp.route("/staff/certificates")
@roles_required(*STAFF_ROLES)
def certificates_today():
    """The day picked in the form (`?day=`), else the market's current day."""
    asked = request.args.get("day", "")
    day = asked if _is_date(asked) else services.market_day(db.session).isoformat()
    return redirect(url_for("market_staff.certificates_page", day=day))


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


@bp.route("/staff/certificates/<day>")
@roles_required(*STAFF_ROLES)
def certificates_page(day: str):
    trading_day = _trading_day(day)
    return render_template("secondary/staff/certificates.html", day=trading_day,
                           firms=certificates.firms_of_day(db.session, trading_day))


def _certificate_firm():
    """Staff name the firm (`?organisation=`); a member gets its own firm's and no other."""
    asked = request.args.get("organisation", type=int)
    if current_user.role in STAFF_ROLES:
        firm = certificates.member_firm(db.session, asked) if asked else None
    elif asked in (None, current_user.organisation_id):
        firm = certificates.member_firm(db.session, current_user.organisation_id)
    else:
        firm = None
    return firm or abort(404)


@bp.route("/certificates/<day>.pdf")
@roles_required(*STAFF_ROLES, *MEMBERS)
def certificate_pdf(day: str):
    trading_day, firm = _trading_day(day), _certificate_firm()
    return pdf_response(certificates.certificate_pdf(db.session, firm, trading_day),
                        certificates.certificate_filename(firm, trading_day))
