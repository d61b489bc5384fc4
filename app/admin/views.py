"""Administrators manage organisations and users."""
from flask import Blueprint, render_template

from app.auth.access import roles_required
from app.auth.roles import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/organisations")
@roles_required(Role.ADMIN)
def organisations():
    return render_template("admin/organisations.html")


@bp.route("/users")
@roles_required(Role.ADMIN)
def users():
    return render_template("admin/users.html")
