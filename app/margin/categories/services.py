"""Client categories (seed 003): the client's request, what the risk staff record on it, the
grant, the refusal and the downgrade. Services flush; the request commits. Every step is in the
audit trail; the client is told of a grant, a refusal and a downgrade in its own language."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.services import record
from app.auth.models import User
from app.brokerage.models import BrokerClient
from app.brokerage.services import lock_client
from app.domain.calendar import almaty_date
from app.margin.categories.models import CategoryRequest, Qualification, RequestStatus
from app.margin.models import MarginCategory
from app.notices.services import notify
from app.refusals import Refusal

MAX_REASON = 500
MAX_DOCUMENT = 100
MAX_AGREEMENT_NUMBER = 40
EARLIEST = date(2000, 1, 1)
CABINET_LINK = "/cabinet/risk/category"
MISSING_QUALIFICATION = _l("the professional-investor status or a passed test (which, its date and document)")
MISSING_AGREEMENT = _l("the supplementary agreement (its number and date)")


class CategoryError(Refusal):
    """A category step refused; `field` names the input."""


# --- the client ----------------------------------------------------------------------------------

def request_special_risk(session, client: BrokerClient, by: User, at: datetime) -> CategoryRequest:
    """Seed 003's first condition: the client's own request. One open request at a time."""
    lock_client(session, client)
    if client.margin_category == MarginCategory.SPECIAL_RISK:
        raise CategoryError(_l("You are already in the special-risk category."), None, "already_special_risk")
    if pending_request(session, client) is not None:
        raise CategoryError(_l("Your request is already with your broker."), None, "request_pending")
    request = CategoryRequest(client_id=client.id, firm_id=client.firm_id, status=RequestStatus.PENDING,
                              requested_at=at, requested_by_id=by.id)
    session.add(request)
    session.flush()
    record(session, "margin_category.requested", "margin_category_request", request.id, None, snapshot(request))
    return request


def pending_request(session, client: BrokerClient) -> CategoryRequest | None:
    return session.scalar(select(CategoryRequest).where(CategoryRequest.client_id == client.id,
                                                        CategoryRequest.status == RequestStatus.PENDING))


# --- the risk staff ------------------------------------------------------------------------------

def record_qualification(session, request: CategoryRequest, kind: str | None, on: date | None,
                         document: str | None, by: User, at: datetime) -> CategoryRequest:
    """Seed 003's second condition: a professional investor, or a passed test — which, since when,
    on what document. Recorded again, it replaces what was recorded (both are in the trail)."""
    _require_pending(request)
    if kind not in set(Qualification):
        raise CategoryError(_l("Choose: a professional investor or a passed test."), "qualification",
                            "invalid_qualification")
    on = _checked_day(on, at, "qualified_on")
    document = _checked_text(document, MAX_DOCUMENT, "qualification_document",
                             _l("Give the document's reference (at most 100 characters)."))
    return _change(session, request, "qualification_recorded", qualification=str(kind), qualified_on=on,
                   qualification_document=document, qualification_recorded_by_id=by.id,
                   qualification_recorded_at=at)


def record_agreement(session, request: CategoryRequest, number: str | None, on: date | None, by: User,
                     at: datetime) -> CategoryRequest:
    """Seed 003's third condition: the supplementary agreement to the brokerage agreement, which
    cannot predate the agreement it supplements."""
    _require_pending(request)
    number = _checked_text(number, MAX_AGREEMENT_NUMBER, "agreement_number",
                           _l("Give the supplementary agreement's number (at most 40 characters)."))
    on = _checked_day(on, at, "agreement_date")
    if on < request.client.agreement_date:
        raise CategoryError(_l("The supplementary agreement cannot be older than the brokerage agreement of "
                               "%(day)s.", day=request.client.agreement_date.strftime("%d.%m.%Y")),
                            "agreement_date", "before_agreement")
    return _change(session, request, "agreement_recorded", agreement_number=number, agreement_date=on,
                   agreement_recorded_by_id=by.id, agreement_recorded_at=at)


def missing_conditions(request: CategoryRequest) -> list:
    """What must still be recorded before a grant (the request itself is the first condition)."""
    missing = []
    if not request.qualification_recorded:
        missing.append(MISSING_QUALIFICATION)
    if not request.agreement_recorded:
        missing.append(MISSING_AGREEMENT)
    return missing


def grant(session, request: CategoryRequest, by: User, at: datetime) -> CategoryRequest:
    """All three conditions met: the client is special risk, and that table's rates apply to it."""
    _require_pending(request)
    missing = missing_conditions(request)
    if missing:
        raise CategoryError(_l("The category cannot be granted yet. Record first: %(missing)s.",
                               missing="; ".join(str(item) for item in missing)), None, "conditions_missing")
    _change(session, request, "granted", status=RequestStatus.GRANTED, decided_at=at, decided_by_id=by.id)
    _set_category(session, request.client, MarginCategory.SPECIAL_RISK)
    notify(session, request.client.user, "category_granted", {}, CABINET_LINK, at)
    return request


def refuse(session, request: CategoryRequest, reason: str | None, by: User, at: datetime) -> CategoryRequest:
    """Refused with a reason the client reads; it may ask again."""
    _require_pending(request)
    reason = _checked_text(reason, MAX_REASON, "reason", _l("Give the client the reason (at most 500 characters)."))
    _change(session, request, "refused", status=RequestStatus.REFUSED, decided_at=at, decided_by_id=by.id,
            reason=reason)
    notify(session, request.client.user, "category_refused", {"reason": reason}, CABINET_LINK, at)
    return request


def downgrade(session, client: BrokerClient, reason: str | None, by: User, at: datetime) -> BrokerClient:
    """Back to standard, with a reason the client reads; the grant's request is closed with it."""
    lock_client(session, client)
    if client.margin_category != MarginCategory.SPECIAL_RISK:
        raise CategoryError(_l("This client is not in the special-risk category."), None, "not_special_risk")
    reason = _checked_text(reason, MAX_REASON, "reason", _l("Give the client the reason (at most 500 characters)."))
    granted = session.scalar(select(CategoryRequest).where(CategoryRequest.client_id == client.id,
                                                           CategoryRequest.status == RequestStatus.GRANTED)
                             .order_by(CategoryRequest.id.desc()))
    if granted is not None:
        _change(session, granted, "downgraded", status=RequestStatus.DOWNGRADED, downgraded_at=at,
                downgraded_by_id=by.id, downgrade_reason=reason)
    _set_category(session, client, MarginCategory.STANDARD, reason)
    notify(session, client.user, "category_downgraded", {"reason": reason}, CABINET_LINK, at)
    return client


# --- checks and records --------------------------------------------------------------------------

def _require_pending(request: CategoryRequest) -> None:
    if not request.is_pending:
        raise CategoryError(_l("This request is already decided."), None, "wrong_status")


def _checked_day(value: date | None, at: datetime, field: str) -> date:
    """A past or today's date (Almaty), not before 2000."""
    if not isinstance(value, date):
        raise CategoryError(_l("Give the date."), field, "invalid_date")
    if not EARLIEST <= value <= almaty_date(at):
        raise CategoryError(_l("The date is today or earlier, from the year 2000."), field, "invalid_date")
    return value


def _checked_text(value: str | None, limit: int, field: str, message) -> str:
    text = (value or "").strip()
    if not text or len(text) > limit:
        raise CategoryError(message, field, f"invalid_{field}")
    return text


def _change(session, request: CategoryRequest, action: str, **values) -> CategoryRequest:
    before = snapshot(request)
    for name, value in values.items():
        setattr(request, name, value)
    session.flush()
    record(session, f"margin_category.{action}", "margin_category_request", request.id, before, snapshot(request))
    return request


def _set_category(session, client: BrokerClient, category: MarginCategory, reason: str | None = None) -> None:
    before = {"margin_category": client.margin_category}
    client.margin_category = category
    session.flush()
    after = {"margin_category": str(category)} | ({"reason": reason} if reason else {})
    record(session, "client.margin_category_changed", "broker_client", client.id, before, after)


def snapshot(request: CategoryRequest) -> dict:
    return {"client_id": request.client_id, "status": request.status, "qualification": request.qualification,
            "qualified_on": request.qualified_on and request.qualified_on.isoformat(),
            "qualification_document": request.qualification_document,
            "agreement_number": request.agreement_number,
            "agreement_date": request.agreement_date and request.agreement_date.isoformat(),
            "decided_by_id": request.decided_by_id, "reason": request.reason,
            "downgraded_by_id": request.downgraded_by_id, "downgrade_reason": request.downgrade_reason}
