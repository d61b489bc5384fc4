"""The business calendar page."""
from flask import Blueprint, render_template

from app.auth.access import any_role

bp = Blueprint("calendar", __name__, url_prefix="/calendar")


@bp.route("/")
@any_role
def index():
    return render_template("calendar/index.html")
