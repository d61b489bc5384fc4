"""Home pages by role, the language switch and a health check."""
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user

from app.auth import services as auth_services
from app.auth.access import any_role, public
from app.auth.redirects import safe_next
from app.auth.roles import STAFF_ROLES, Role
from app.clock.services import now, wall_now
from app.extensions import db
from app.main import services

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def index():
    return redirect(url_for("main.home" if current_user.is_authenticated else "auth.login"))


@bp.route("/home")
@any_role
def home():
    counts = None
    if current_user.role in STAFF_ROLES:
        counts = services.desk_counts(db.session, wall_now(), current_app.config["SESSION_IDLE_TIMEOUT"])
    dealers = services.primary_dealers(db.session) if current_user.role in {Role.MINFIN, Role.EXCHANGE_STAFF} else None
    return render_template(
        "main/home.html",
        day=services.day_status(db.session, now()),
        activity=services.recent_activity(db.session, current_user),
        counts=counts,
        dealers=dealers,
    )


@bp.route("/language", methods=["POST"])
@public
def language():
    """Remembered per user once logged in; in the session before that."""
    chosen = request.form.get("lang", "")
    if chosen in current_app.config["LANGUAGES"]:
        session["lang"] = chosen
        if current_user.is_authenticated:
            auth_services.set_locale(db.session, current_user, chosen)
    return redirect(safe_next(request.form.get("next"), url_for("main.index")))


@bp.route("/healthz")
@public
def healthz():
    db.session.execute(db.select(1))
    return jsonify(status="ok")
