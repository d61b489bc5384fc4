"""The client's notices page, and the unread count in the top bar."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.auth.access import roles_required
from app.auth.roles import Role
from app.clock.services import now
from app.extensions import db
from app.notices import services
from app.notices.labels import notice_text
from app.pages import form_errors_text

bp = Blueprint("notices", __name__, url_prefix="/cabinet/notices")


class NoticeActionForm(FlaskForm):
    """A button: only its CSRF token."""


@bp.app_context_processor
def unread_notices() -> dict:
    """The top bar's count, for clients only (None hides it)."""
    if not current_user or not current_user.is_authenticated or current_user.role != Role.CLIENT:
        return {"unread_notices": None}
    return {"unread_notices": services.unread_count(db.session, current_user)}


@bp.route("/")
@roles_required(Role.CLIENT)
def index():
    rows = services.notices_of(db.session, current_user)
    return render_template("notices/index.html", notices=[(row, notice_text(row.kind, row.params)) for row in rows],
                           form=NoticeActionForm())


@bp.route("/<int:notice_id>/read", methods=["POST"])
@roles_required(Role.CLIENT)
def read(notice_id: int):
    if services.own_notice(db.session, current_user, notice_id) is None:
        abort(404)
    if _checked():
        services.mark_read(db.session, current_user, notice_id, now())
    return redirect(url_for("notices.index"))


@bp.route("/read-all", methods=["POST"])
@roles_required(Role.CLIENT)
def read_all():
    if _checked():
        services.mark_all_read(db.session, current_user, now())
        flash(_("All notices are marked as read."), "success")
    return redirect(url_for("notices.index"))


def _checked() -> bool:
    form = NoticeActionForm()
    if form.validate_on_submit():
        return True
    flash(form_errors_text(form), "error")
    return False
