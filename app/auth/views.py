"""Login, logout, password change and personal API tokens."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth import services, sessions
from app.auth.access import any_role, public
from app.auth.forms import ApiTokenForm, LoginForm, PasswordChangeForm
from app.auth.models import ApiToken
from app.auth.redirects import safe_next
from app.clock.services import wall_now
from app.domain.calendar import ALMATY
from app.extensions import db
from app.transaction import keep

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("main.home")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                db.session, form.login.data, form.password.data, request.remote_addr, wall_now(), _limits(),
            )
        except services.LoginLocked as refused:
            flash(refused.message, "error")
            status = 429
        except services.LoginRefused as refused:
            keep()  # the failed attempt must count, on every worker
            flash(refused.message, "error")
            status = 401
        else:
            sessions.begin(user)
            return redirect(safe_next(request.args.get("next"), url_for("main.home")))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


def _limits() -> services.LoginLimits:
    config = current_app.config
    return services.LoginLimits(config["LOGIN_FAILURE_LIMIT"], config["LOGIN_ADDRESS_FAILURE_LIMIT"],
                                config["LOGIN_FAILURE_WINDOW"])


@bp.route("/logout", methods=["GET", "POST"])
@public
def logout():
    """POST ends the session; a GET (a typed or followed link) only asks, since a read never writes
    and a link planted on another site must not log anyone out."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if request.method == "GET":
        return render_template("auth/logout.html")
    sessions.end()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@any_role
def password():
    form = PasswordChangeForm()
    first_login = current_user.must_change_password
    if form.validate_on_submit():
        try:
            services.change_password(
                db.session, current_user, form.old_password.data, form.new_password.data,
                form.new_password_again.data, sessions.current_token(), wall_now(),
            )
        except services.IdentityError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(_("Password changed successfully."), "success")
            return redirect(url_for("main.index") if first_login else url_for("auth.password"))
    return render_template("auth/password.html", form=form)


@bp.route("/tokens", methods=["GET", "POST"])
@any_role
def tokens():
    form = ApiTokenForm()
    new_token = None
    if form.validate_on_submit():
        expires_at = form.expires_at.data.replace(tzinfo=ALMATY) if form.expires_at.data else None
        try:
            _row, new_token = services.create_api_token(
                db.session, current_user, form.name.data, wall_now(), expires_at
            )
        except services.IdentityError as error:
            db.session.rollback()
            flash(error.message, "error")
    rows = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).all()
    return render_template("auth/tokens.html", form=form, tokens=rows, new_token=new_token, now=wall_now())


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@any_role
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)  # someone else's token does not exist, as far as this user can tell
    services.revoke_api_token(db.session, token, wall_now())
    flash(_("Token revoked: systems using it are refused from now on."), "success")
    return redirect(url_for("auth.tokens"))
