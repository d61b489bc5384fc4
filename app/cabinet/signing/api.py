"""JSON API of signing, under /api/v1/cabinet/documents: the client's own documents only.

What the caller may not see answers 404. A refusal the service recorded (a wrong try, a refused
signature, an expiry) is committed with the error answer; any other refusal rolls back.
"""
from apiflask import APIBlueprint, Schema
from apiflask.fields import Dict, Integer, String
from apiflask.validators import Length
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import ValidationError

from app.api.errors import ApiError
from app.api.fields import AwareDateTime
from app.auth.access import roles_required
from app.cabinet.signing import access, services
from app.cabinet.signing.models import DocumentStatus, SignedDocument
from app.clock.services import now
from app.extensions import db
from app.refusals import Refusal
from app.transaction import keep

bp = APIBlueprint("signing_api", __name__, url_prefix="/api/v1/cabinet/documents", tag="Signing")
signer_only = roles_required(*access.SIGNER_ROLES)
STATUS_OF_CODE = {"already_signed": 409, "document_expired": 409, "verifier_unavailable": 503}
NOT_FOUND = {404: "No such document, or not yours"}
ERRORS = {**NOT_FOUND, 409: "Already signed or refused (`already_signed`), or expired (`document_expired`)",
          422: "Refused: `code` names the rule (e.g. `wrong_code`, `code_expired`, `resend_too_soon`, "
               "`too_many_codes`, `no_phone`, or the signature's refusal: `document_mismatch`, "
               "`bad_signature`, `untrusted_chain`, `expired`, `revoked`, `not_for_signing`, `wrong_iin`, "
               "`malformed`)"}
EDS_ERRORS = {**ERRORS, 503: "The signature verifier (NCANode) did not answer (`verifier_unavailable`): "
                             "nothing is stored, send the signature again later"}


def encodable(value: str) -> None:
    try:
        value.encode()
    except UnicodeEncodeError as error:
        raise ValidationError(_("Send text in UTF-8.")) from error


def six_digits(value: str) -> None:
    if not services.CODE_PATTERN.fullmatch(value):
        raise ValidationError(_("Enter the %(digits)s digits of the code.", digits=services.CODE_DIGITS))


class CodeIn(Schema):
    code = String(required=True, validate=six_digits, metadata={"pattern": "^[0-9]{6}$", "example": "123456"})


class EdsIn(Schema):
    signed_xml = String(required=True, validate=[
        Length(min=1, max=services.MAX_SIGNED_XML_BYTES, error=_l("Send the signed XML NCALayer returned.")),
        encodable], metadata={"description": "The XML NCALayer returned (XMLDSig, enveloped)."})


class CodeSentOut(Schema):
    document_id = Integer()
    sent_at = AwareDateTime()
    expires_at = AwareDateTime(metadata={"description": "The code is void after this, or after three wrong tries."})


class DocumentOut(Schema):
    id = Integer()
    kind = String(metadata={"example": "order"})
    status = String(metadata={"enum": [str(status) for status in DocumentStatus]})
    summary = String(metadata={"description": "What is signed, in plain words."})
    sha256 = String(metadata={"description": "SHA-256 of `document`, hex."})
    document = String(metadata={"description": "The issued XML (canonical, UTF-8): sign exactly these bytes."})
    method = String(allow_none=True, metadata={"description": "`sms` or `eds`, once signed or refused."})
    verification = Dict(allow_none=True, metadata={
        "description": "Signed with EDS: iin, subject, serial, algorithm (and `sandbox`); refused: code, message."})
    created_at = AwareDateTime()
    expires_at = AwareDateTime()
    signed_at = AwareDateTime(allow_none=True)
    next_url = String()


def own_document(document_id: int) -> SignedDocument:
    document = db.session.get(SignedDocument, document_id)
    if document is None or not access.is_signer(current_user, document):
        raise ApiError(404, "not_found", _("There is no such document."))
    return document


def describe(document: SignedDocument) -> dict:
    status = DocumentStatus.EXPIRED if services.is_expired(document, now()) else document.status
    return {"id": document.id, "kind": document.kind, "status": status, "summary": document.summary,
            "sha256": document.document_sha256, "document": document.document.decode(),
            "method": document.method, "verification": document.verification,
            "created_at": document.created_at, "expires_at": document.expires_at,
            "signed_at": document.signed_at, "next_url": document.next_url}


def applied(operation):
    """Run one signing step; a refusal becomes the JSON error with its code."""
    try:
        return operation()
    except Refusal as error:  # the service's SigningError, or a kind handler's refusal
        if getattr(error, "keep", False):
            keep()
        else:
            db.session.rollback()
        raise ApiError(STATUS_OF_CODE.get(error.code, 422), error.code, str(error.message)) from error


@bp.get("/<int:document_id>")
@signer_only
@bp.output(DocumentOut)
@bp.doc(responses=NOT_FOUND)
def get_document(document_id: int):
    """A document to sign: what it says, its XML, its status and how it was signed"""
    return describe(own_document(document_id))


@bp.post("/<int:document_id>/code")
@signer_only
@bp.output(CodeSentOut)
@bp.doc(responses=ERRORS)
def send_code(document_id: int):
    """Send a one-time code by SMS to your mobile number on file

    Valid 5 minutes; a new code voids the previous one. Not sooner than 60 seconds after the
    last code for this document, at most 10 codes an hour.
    """
    document = own_document(document_id)
    code = applied(lambda: services.send_code(
        db.session, document, services.signer_phone(db.session, current_user), now()))
    return {"document_id": document.id, "sent_at": code.created_at, "expires_at": code.expires_at}


@bp.post("/<int:document_id>/confirm")
@signer_only
@bp.input(CodeIn, arg_name="data")
@bp.output(DocumentOut)
@bp.doc(responses=ERRORS)
def confirm_code(document_id: int, data: dict):
    """Sign with the SMS code

    Three wrong tries void the code (`code_void`); ask for a new one.
    """
    document = own_document(document_id)
    return describe(applied(lambda: services.confirm_code(db.session, document, data["code"], now())))


@bp.post("/<int:document_id>/eds")
@signer_only
@bp.input(EdsIn, arg_name="data")
@bp.output(DocumentOut)
@bp.doc(responses=EDS_ERRORS)
def sign_eds(document_id: int, data: dict):
    """Sign with EDS: send the XML NCALayer signed

    The signature must cover exactly the issued document, with a certificate for signing of
    your IIN from a configured certifying centre, valid and not revoked. A refused signature
    is kept, and the document can no longer be signed (`already_signed`): start again.
    """
    document = own_document(document_id)
    signed_xml = data["signed_xml"].encode()
    return describe(applied(lambda: services.verify_eds(db.session, document, signed_xml, now())))
