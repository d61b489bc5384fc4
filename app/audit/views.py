"""Exchange staff browse the audit trail."""
from flask import Blueprint, render_template

from app.auth.access import roles_required
from app.auth.roles import Role

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.route("/")
@roles_required(Role.EXCHANGE_STAFF, Role.ADMIN)
def index():
    return render_template("audit/index.html")
