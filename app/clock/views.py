"""Exchange staff set the sandbox clock."""
from flask import Blueprint, render_template

from app.auth.access import roles_required
from app.auth.roles import Role

bp = Blueprint("clock", __name__, url_prefix="/clock")


@bp.route("/")
@roles_required(Role.EXCHANGE_STAFF, Role.ADMIN)
def index():
    return render_template("clock/index.html")
