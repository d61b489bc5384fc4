"""The client's notices in the JSON API, under /api/v1/cabinet/notices."""
from apiflask import APIBlueprint, Schema
from apiflask.fields import Dict, Integer, List, Nested, String
from flask_babel import gettext as _
from flask_login import current_user

from app.api.errors import ApiError
from app.api.fields import AwareDateTime
from app.auth.access import roles_required
from app.auth.roles import Role
from app.clock.services import now
from app.extensions import db
from app.notices import services
from app.notices.labels import notice_text

bp = APIBlueprint("notices_api", __name__, url_prefix="/api/v1/cabinet/notices", tag="Notices")


class NoticeOut(Schema):
    id = Integer()
    kind = String(metadata={"example": "withdrawal_paid"})
    params = Dict(keys=String(), values=String())
    text = String(metadata={"description": "The notice in the caller's language."})
    link = String(allow_none=True)
    created_at = AwareDateTime()
    read_at = AwareDateTime(allow_none=True, metadata={"description": "null while unread."})


class NoticeRowOut(NoticeOut):
    """A list's row: its own class, as one schema class is put in the spec once."""


class NoticesOut(Schema):
    unread = Integer()
    notices = List(Nested(NoticeRowOut))


def describe(notice) -> dict:
    return {"id": notice.id, "kind": notice.kind, "params": notice.params, "text": notice_text(notice.kind, notice.params),
            "link": notice.link, "created_at": notice.created_at, "read_at": notice.read_at}


@bp.get("")
@roles_required(Role.CLIENT)
@bp.output(NoticesOut)
def list_notices():
    """The caller's notices, newest first, and how many are unread"""
    rows = services.notices_of(db.session, current_user)
    return {"unread": services.unread_count(db.session, current_user), "notices": [describe(row) for row in rows]}


@bp.post("/<int:notice_id>/read")
@roles_required(Role.CLIENT)
@bp.output(NoticeOut)
@bp.doc(responses={404: "No such notice, or not yours"})
def mark_read(notice_id: int):
    """Mark one notice as read"""
    if services.own_notice(db.session, current_user, notice_id) is None:
        raise ApiError(404, "not_found", _("There is no such notice."))
    return describe(services.mark_read(db.session, current_user, notice_id, now()))
