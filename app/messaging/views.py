"""The sandbox outbox: what the desk sent, for trainees who have no real phone or mailbox."""
from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user

from app.auth.access import any_role
from app.auth.roles import STAFF_ROLES
from app.clock.services import sandbox_enabled
from app.extensions import db
from app.messaging import labels, services

bp = Blueprint("messaging", __name__, url_prefix="/dev")
PAGE_SIZE = 200


@bp.route("/outbox")
@any_role
def outbox():
    """Sandbox only (a 404 otherwise): staff read every message, anyone else their own."""
    if not sandbox_enabled():
        abort(404)
    user_id = None if current_user.role in STAFF_ROLES else current_user.id
    config = current_app.config
    return render_template("messaging/outbox.html", labels=labels, page_size=PAGE_SIZE,
                           messages=services.recent_messages(db.session, user_id, PAGE_SIZE),
                           sms_backend=config["SMS_BACKEND"], mail_backend=config["MAIL_BACKEND"])
