"""Exchange staff set the sandbox clock that every worker of the desk reads."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.roles import Role
from app.clock import services
from app.clock.forms import QuickShiftForm, SandboxTimeForm
from app.domain.calendar import ALMATY, from_almaty_wall_clock
from app.extensions import db
from app.formatting import almaty_datetime

bp = Blueprint("clock", __name__, url_prefix="/clock")
staff_only = roles_required(Role.EXCHANGE_STAFF, Role.ADMIN)


@bp.before_request
def refuse_when_off():
    """Runs after the access check: only staff reach here, and they are told why."""
    if request.method == "POST" and not services.sandbox_enabled():
        flash(_("The sandbox clock is off on this desk (SANDBOX_CLOCK): the desk runs on real time."), "error")
        return redirect(url_for("clock.index"))
    return None


@bp.route("/")
@staff_only
def index():
    state = services.sandbox_state()
    return _render(SandboxTimeForm(formdata=None, simulated_at=_almaty_wall_clock(services.now()),
                                   frozen=bool(state and state.frozen)))


@bp.route("/set", methods=["POST"])
@staff_only
def set_time():
    form = SandboxTimeForm()
    if not form.validate_on_submit():
        return _render(form, 422)
    try:
        row = services.set_sandbox_time(db.session, from_almaty_wall_clock(form.simulated_at.data),
                                        form.frozen.data, current_user.id)
    except services.SandboxTimeError as error:
        db.session.rollback()
        form.simulated_at.errors.append(error.message)
        return _render(form, 422)
    return _committed(row)


@bp.route("/shift", methods=["POST"])
@staff_only
def shift():
    form = QuickShiftForm()
    if not form.validate_on_submit():
        flash(_("Choose one of the quick moves."), "error")
        return redirect(url_for("clock.index"))
    try:
        row = services.shift_sandbox(db.session, form.shift.data, current_user.id)
    except services.SandboxTimeError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("clock.index"))
    return _committed(row)


@bp.route("/reset", methods=["POST"])
@staff_only
def reset():
    services.reset_sandbox(db.session)
    flash(_("The sandbox clock follows real time again."), "success")
    return redirect(url_for("clock.index"))


def _committed(row):
    flash(_("Sandbox clock set to %(time)s Almaty time.", time=almaty_datetime(row.simulated_at)), "success")
    return redirect(url_for("clock.index"))


def _almaty_wall_clock(instant):
    return instant.astimezone(ALMATY).replace(tzinfo=None, second=0, microsecond=0)


def _render(form: SandboxTimeForm, status: int = 200):
    return render_template("clock/index.html", form=form, enabled=services.sandbox_enabled(),
                           state=services.sandbox_state(), business_now=services.now(),
                           real_now=services.wall_now()), status
