"""The business calendar page: a month grid, the overrides, and a deadline helper."""
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from babel.dates import get_day_names
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import any_role, roles_required
from app.auth.roles import STAFF_ROLES, Role
from app.calendar import services
from app.calendar.forms import OverrideForm
from app.calendar.models import CalendarOverride, OverrideKind
from app.clock.services import now
from app.domain.calendar import CalendarRangeError, almaty_date, deadline_hints, month_weeks, shift_month
from app.extensions import db

bp = Blueprint("calendar", __name__, url_prefix="/calendar")


@bp.route("/")
@any_role
def index():
    return _render(OverrideForm(formdata=None))


@bp.route("/overrides", methods=["POST"])
@roles_required(Role.EXCHANGE_STAFF, Role.ADMIN)
def add_override():
    form = OverrideForm()
    if not form.validate_on_submit():
        return _render(form, status=422)
    try:
        services.add_override(db.session, form.day.data, OverrideKind(form.kind.data), form.note.data,
                              current_user.id, now())
    except services.OverrideError as error:
        db.session.rollback()
        getattr(form, error.field or "day").errors.append(error.message)
        return _render(form, status=422)
    flash(_("Override for %(day)s saved.", day=form.day.data.strftime("%d.%m.%Y")), "success")
    return redirect(_month_url(form.day.data))


@bp.route("/overrides/<int:override_id>/remove", methods=["POST"])
@roles_required(Role.EXCHANGE_STAFF, Role.ADMIN)
def remove_override(override_id: int):
    override = db.session.get(CalendarOverride, override_id) or abort(404)
    day = override.day
    services.remove_override(db.session, override)
    flash(_("Override for %(day)s removed.", day=day.strftime("%d.%m.%Y")), "success")
    return redirect(_month_url(day))


def _month_url(day: date) -> str:
    return url_for("calendar.index", month=day.strftime("%Y-%m"))


def _render(form: OverrideForm, status: int = 200):
    today = almaty_date(now())
    shown = _requested_month(form, today)
    hint_day = _date_arg("on") or today
    try:
        page = _month_page(shown, hint_day)
    except CalendarRangeError:
        flash(_("The calendar covers the years %(first)d–%(last)d.", first=services.FIRST_YEAR,
                last=services.LAST_YEAR), "error")
        page = _month_page(today.replace(day=1), today)
    return render_template("calendar/index.html", form=form, today=today,
                           can_edit=current_user.role in STAFF_ROLES, kind_labels=services.OVERRIDE_KIND_LABELS,
                           **page), status


def _month_page(first: date, hint_day: date) -> dict:
    weeks = month_weeks(first.year, first.month)
    days = services.describe_days(db.session, weeks[0][0], weeks[-1][-1], str(get_locale() or "ru"))
    calendar = services.business_calendar(db.session, hint_day.year)
    return {
        "month": first,
        "month_title": format_date(first, "LLLL yyyy"),
        "weekday_names": [get_day_names("abbreviated", locale=get_locale())[index] for index in range(7)],
        "weeks": [days[index:index + 7] for index in range(0, len(days), 7)],
        "neighbours": _neighbours(first),
        "overrides": services.list_overrides(db.session, first.year),
        "hint_day": hint_day,
        "hints": deadline_hints(calendar, hint_day),
    }


def _neighbours(first: date) -> dict[str, str]:
    steps = {"previous_year": -12, "previous_month": -1, "next_month": 1, "next_year": 12}
    return {name: "{:04d}-{:02d}".format(*shift_month(first.year, first.month, months))
            for name, months in steps.items()}


def _requested_month(form: OverrideForm, today: date) -> date:
    """The month in ?month=YYYY-MM, else the month of the date being entered, else this month."""
    text = request.args.get("month", "")
    try:
        return date.fromisoformat(f"{text}-01") if text else (form.day.data or today).replace(day=1)
    except (TypeError, ValueError):
        flash(_("Give the month as YYYY-MM, e.g. 2026-03."), "error")
        return today.replace(day=1)


def _date_arg(name: str) -> date | None:
    text = request.args.get(name, "")
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        flash(_("Give the date as YYYY-MM-DD, e.g. 2026-03-26."), "error")
        return None
