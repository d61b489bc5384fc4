"""Client categories in the JSON API: the client's request (/api/v1/cabinet/risk/category-request)
and the risk staff's queue, records and decisions (/api/v1/brokerage/risk/categories). A firm's
staff reach only their own clients' requests; the back office reads them."""
from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Date, Integer, List, Nested, String
from apiflask.validators import Length, OneOf
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import ValidationError

from app.api.errors import ApiError, refusals
from app.api.fields import AwareDateTime
from app.auth.access import roles_required
from app.auth.roles import Role
from app.brokerage.models import BrokerClient
from app.cabinet.loaders import api_client
from app.clock.services import now
from app.extensions import db
from app.margin.categories import reads, services
from app.margin.categories.models import CategoryRequest, Qualification, RequestStatus
from app.margin.models import MarginCategory

cabinet_bp = APIBlueprint("cabinet_category_api", __name__, url_prefix="/api/v1/cabinet/risk", tag="Cabinet category")
bp = APIBlueprint("margin_categories_api", __name__, url_prefix="/api/v1/brokerage/risk/categories",
                  tag="Client categories")
RISK = (Role.BROKER_RISK,)
READERS = (Role.BROKER_RISK, Role.BROKER_OFFICE)
STATUSES = [str(status) for status in RequestStatus]
CATEGORIES = [str(category) for category in MarginCategory]
NOT_FOUND = {404: "No such request, or not of the firm's client"}
ERRORS = {**NOT_FOUND, 409: "The request is already decided (`wrong_status`)",
          422: "Refused: `code` names the rule (`conditions_missing`, `invalid_date`, `before_agreement`, "
               "`not_special_risk`, `invalid_reason`, …) and `details.json.<field>` the field"}


def must_be_true(value: bool) -> None:
    if value is not True:
        raise ValidationError(_("Send true to confirm the request."))


class RequestIn(Schema):
    confirm = Boolean(required=True, validate=must_be_true,
                      metadata={"description": "true: the client asks for the special-risk category and "
                                               "accepts that its discount rates then apply."})


class OwnRequestOut(Schema):
    id = Integer()
    status = String(metadata={"enum": STATUSES})
    requested_at = AwareDateTime()
    qualification_recorded = Boolean(metadata={"description": "The broker recorded the professional-investor "
                                                              "status or a passed test."})
    agreement_recorded = Boolean(metadata={"description": "The broker recorded the supplementary agreement."})
    decided_at = AwareDateTime(allow_none=True)
    reason = String(allow_none=True, metadata={"description": "Why the broker refused."})
    downgraded_at = AwareDateTime(allow_none=True)
    downgrade_reason = String(allow_none=True)


class LatestRequestOut(OwnRequestOut):
    """The nested one: its own class, as one schema class is put in the spec once."""


class CategoryStatusOut(Schema):
    category = String(metadata={"enum": CATEGORIES})
    request = Nested(LatestRequestOut, allow_none=True, metadata={"description": "The latest request; null: none."})


class RequestOut(OwnRequestOut):
    client_id = Integer()
    client_name = String()
    client_code = String()
    client_category = String(metadata={"enum": CATEGORIES})
    qualification = String(allow_none=True, metadata={"enum": [str(kind) for kind in Qualification]})
    qualified_on = Date(allow_none=True)
    qualification_document = String(allow_none=True)
    agreement_number = String(allow_none=True)
    agreement_date = Date(allow_none=True)
    missing = List(String(), metadata={"description": "What must still be recorded before a grant, in the "
                                                      "user's language."})


class RequestRowOut(RequestOut):
    """A list's row: its own class, as one schema class is put in the spec once."""


class QueueQuery(Schema):
    status = String(load_default=str(RequestStatus.PENDING), validate=OneOf(STATUSES))


class QualificationIn(Schema):
    qualification = String(required=True, validate=OneOf([str(kind) for kind in Qualification],
                                                         error=_l("Choose professional or test_passed.")))
    qualified_on = Date(required=True, metadata={"description": "When the client was recognised or tested."})
    qualification_document = String(required=True, validate=Length(min=1, max=services.MAX_DOCUMENT))


class AgreementIn(Schema):
    agreement_number = String(required=True, validate=Length(min=1, max=services.MAX_AGREEMENT_NUMBER))
    agreement_date = Date(required=True)


class ReasonIn(Schema):
    reason = String(required=True, validate=Length(min=1, max=services.MAX_REASON),
                    metadata={"description": "Shown to the client."})


class ClientCategoryOut(Schema):
    client_id = Integer()
    category = String(metadata={"enum": CATEGORIES})


# --- the client ----------------------------------------------------------------------------------

@cabinet_bp.get("/category-request")
@roles_required(Role.CLIENT)
@cabinet_bp.output(CategoryStatusOut)
@cabinet_bp.doc(responses={404: "This login has no brokerage agreement"})
def category_status():
    """The client's category and its latest request for the special-risk category"""
    client = api_client()
    latest = reads.latest_request(db.session, client)
    return {"category": client.margin_category, "request": latest and own_request_out(latest)}


@cabinet_bp.post("/category-request")
@roles_required(Role.CLIENT)
@cabinet_bp.input(RequestIn, arg_name="data")
@cabinet_bp.output(OwnRequestOut, status_code=201)
@cabinet_bp.doc(responses={422: "Refused: `already_special_risk`, `request_pending`"})
def request_category(data: dict):
    """Ask the broker for the special-risk category"""
    client = api_client()
    with refusals():
        request = services.request_special_risk(db.session, client, current_user, now())
    return own_request_out(request)


# --- the risk staff ------------------------------------------------------------------------------

@bp.get("")
@roles_required(*READERS)
@bp.input(QueueQuery, location="query", arg_name="query")
@bp.output(RequestRowOut(many=True))
def queue(query: dict):
    """The firm's category requests of one status (pending by default, oldest first)"""
    firm_id = current_user.organisation_id
    rows = reads.pending(db.session, firm_id) if query["status"] == RequestStatus.PENDING else \
        [row for row in reads.decided(db.session, firm_id) if row.status == query["status"]]
    return [request_out(row) for row in rows]


@bp.get("/<int:request_id>")
@roles_required(*READERS)
@bp.output(RequestOut)
@bp.doc(responses=NOT_FOUND)
def get_request(request_id: int):
    """One category request of the firm's client"""
    return request_out(_firm(request_id))


@bp.post("/<int:request_id>/qualification")
@roles_required(*RISK)
@bp.input(QualificationIn, arg_name="data")
@bp.output(RequestOut)
@bp.doc(responses=ERRORS)
def record_qualification(request_id: int, data: dict):
    """Record the client's professional-investor status or passed test (which, its date, the document)"""
    request = _firm(request_id)
    with refusals():
        services.record_qualification(db.session, request, data["qualification"], data["qualified_on"],
                                      data["qualification_document"], current_user, now())
    return request_out(request)


@bp.post("/<int:request_id>/agreement")
@roles_required(*RISK)
@bp.input(AgreementIn, arg_name="data")
@bp.output(RequestOut)
@bp.doc(responses=ERRORS)
def record_agreement(request_id: int, data: dict):
    """Record the supplementary agreement (number and date)"""
    request = _firm(request_id)
    with refusals():
        services.record_agreement(db.session, request, data["agreement_number"], data["agreement_date"],
                                  current_user, now())
    return request_out(request)


@bp.post("/<int:request_id>/grant")
@roles_required(*RISK)
@bp.output(RequestOut)
@bp.doc(responses=ERRORS)
def grant(request_id: int):
    """Grant the special-risk category: refused (`conditions_missing`) until both records are made"""
    request = _firm(request_id)
    with refusals():
        services.grant(db.session, request, current_user, now())
    return request_out(request)


@bp.post("/<int:request_id>/refuse")
@roles_required(*RISK)
@bp.input(ReasonIn, arg_name="data")
@bp.output(RequestOut)
@bp.doc(responses=ERRORS)
def refuse(request_id: int, data: dict):
    """Refuse the request with a reason the client reads"""
    request = _firm(request_id)
    with refusals():
        services.refuse(db.session, request, data["reason"], current_user, now())
    return request_out(request)


@bp.post("/clients/<int:client_id>/downgrade")
@roles_required(*RISK)
@bp.input(ReasonIn, arg_name="data")
@bp.output(ClientCategoryOut)
@bp.doc(responses={404: "No such client of the firm", 422: "Refused: `not_special_risk`, `invalid_reason`"})
def downgrade(client_id: int, data: dict):
    """Move a special-risk client back to the standard category, with a reason the client reads"""
    client = db.session.get(BrokerClient, client_id)
    if client is None or client.firm_id != current_user.organisation_id:
        raise ApiError(404, "not_found", _("There is no such client."))
    with refusals():
        services.downgrade(db.session, client, data["reason"], current_user, now())
    return {"client_id": client.id, "category": client.margin_category}


def _firm(request_id: int) -> CategoryRequest:
    request = db.session.get(CategoryRequest, request_id)
    if request is None or request.firm_id != current_user.organisation_id:
        raise ApiError(404, "not_found", _("There is no such request."))
    return request


def own_request_out(request: CategoryRequest) -> dict:
    return {"id": request.id, "status": request.status, "requested_at": request.requested_at,
            "qualification_recorded": request.qualification_recorded,
            "agreement_recorded": request.agreement_recorded, "decided_at": request.decided_at,
            "reason": request.reason, "downgraded_at": request.downgraded_at,
            "downgrade_reason": request.downgrade_reason}


def request_out(request: CategoryRequest) -> dict:
    client = request.client
    return {**own_request_out(request), "client_id": client.id, "client_name": client.full_name,
            "client_code": client.client_code, "client_category": client.margin_category,
            "qualification": request.qualification, "qualified_on": request.qualified_on,
            "qualification_document": request.qualification_document,
            "agreement_number": request.agreement_number, "agreement_date": request.agreement_date,
            "missing": [str(item) for item in services.missing_conditions(request)] if request.is_pending else []}
