"""Notices: stored for the cabinet and sent by e-mail in the user's language. Services flush."""
from datetime import datetime

from flask import current_app, has_request_context, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.audit.services import record
from app.auth.models import User
from app.brokerage.models import BrokerClient
from app.messaging import services as messaging
from app.notices.labels import SUBJECT, TEXTS, notice_text
from app.notices.models import CabinetNotice
from app.refusals import Refusal

EMAIL_PURPOSE = "notice"
SHOWN = 200


def notify(session, user: User, kind: str, params: dict[str, str], link: str | None, at: datetime) -> CabinetNotice:
    """Store the notice and queue its e-mail (to the user's address, else the agreement's)."""
    if kind not in TEXTS:
        raise ValueError(f"unknown notice kind {kind!r}")
    params = {str(name): str(value) for name, value in params.items()}
    notice = CabinetNotice(user_id=user.id, kind=kind, params=params, link=link, created_at=at, read_at=None)
    session.add(notice)
    session.flush()
    address = user.email or session.scalar(select(BrokerClient.email).where(BrokerClient.user_id == user.id))
    if address:
        _queue_email(session, user, address, notice)
    record(session, "notice.sent", "notice", notice.id, None, {"user_id": user.id, "kind": kind, "params": params})
    return notice


def _queue_email(session, user: User, address: str, notice: CabinetNotice) -> None:
    with force_locale(user.locale or "ru"):
        subject, body = str(SUBJECT), notice_text(notice.kind, notice.params)
    if notice.link:
        root = (request.host_url if has_request_context() else current_app.config["DESK_URL"]).rstrip("/")
        body = f"{body}\n\n{root}{notice.link}"
    try:
        messaging.send_email(session, address, subject, body, purpose=EMAIL_PURPOSE, user_id=user.id)
    except messaging.InvalidMessage:
        pass  # an address the outbox cannot take: the notice in the cabinet still stands


def notices_of(session, user: User, limit: int = SHOWN) -> list[CabinetNotice]:
    return list(session.scalars(select(CabinetNotice).where(CabinetNotice.user_id == user.id)
                                .order_by(CabinetNotice.created_at.desc(), CabinetNotice.id.desc()).limit(limit)))


def unread_count(session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(CabinetNotice)
                          .where(CabinetNotice.user_id == user.id, CabinetNotice.read_at.is_(None))) or 0


def own_notice(session, user: User, notice_id: int) -> CabinetNotice | None:
    notice = session.get(CabinetNotice, notice_id)
    return notice if notice is not None and notice.user_id == user.id else None


def mark_read(session, user: User, notice_id: int, at: datetime) -> CabinetNotice:
    notice = own_notice(session, user, notice_id)
    if notice is None:
        raise Refusal(_l("There is no such notice."), code="not_found")
    if notice.read_at is None:
        notice.read_at = at
        session.flush()
        record(session, "notice.read", "notice", notice.id, None, {"read_at": at})
    return notice


def mark_all_read(session, user: User, at: datetime) -> int:
    result = session.execute(update(CabinetNotice).where(CabinetNotice.user_id == user.id, CabinetNotice.read_at.is_(None))
                             .values(read_at=at))
    if result.rowcount:
        record(session, "notice.all_read", "user", user.id, None, {"count": result.rowcount, "read_at": at})
    return result.rowcount
