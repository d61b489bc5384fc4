"""The signing page: what will be signed, in plain words and as XML, and three ways to sign it.

Only the signer sees a document or acts on it; to anyone else it does not exist (404). Every
action redirects back to the page with what happened; a refusal the service recorded (a wrong
try, a refused signature) is committed with that answer, anything else is rolled back.
"""
from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.access import roles_required
from app.cabinet.signing import access, services
from app.cabinet.signing.forms import CodeForm, EdsForm, SigningActionForm
from app.cabinet.signing.models import CodeStatus, DocumentStatus, SignedDocument
from app.clock.services import now, sandbox_enabled
from app.extensions import db
from app.pages import form_errors_text
from app.refusals import Refusal

bp = Blueprint("signing", __name__, url_prefix="/cabinet/sign")
signer_only = roles_required(*access.SIGNER_ROLES)


def signer_document(document_id: int) -> SignedDocument:
    document = db.session.get(SignedDocument, document_id)
    if document is None or not access.is_signer(current_user, document):
        abort(404)
    return document


def readable_document(document_id: int) -> SignedDocument:
    document = db.session.get(SignedDocument, document_id)
    if document is None or not access.can_download(current_user, document):
        abort(404)
    return document


@bp.route("/<int:document_id>")
@signer_only
def show(document_id: int):
    document = signer_document(document_id)
    return render_template("cabinet/signing/document.html", **page(document))


def page(document: SignedDocument) -> dict:
    at = now()
    refused = document.status == DocumentStatus.REFUSED
    return {"document": document, "fields": services.document_fields(document),
            "xml": document.document.decode(), "expired": services.is_expired(document, at),
            "live_code": live_code(document, at),
            "refusal": services.refusal_message(document.verification) if refused else None,
            "sandbox": sandbox_enabled(), "action_form": SigningActionForm(), "code_form": CodeForm(),
            "eds_form": EdsForm()}


def live_code(document: SignedDocument, at):
    """The code sent last, while it can still sign."""
    code = services.last_code(db.session, document)
    return code if code is not None and code.status == CodeStatus.ACTIVE and at < code.expires_at else None


@bp.route("/<int:document_id>/code", methods=["POST"])
@signer_only
def send_code(document_id: int):
    document = signer_document(document_id)
    return act(SigningActionForm(), document, lambda: services.send_code(
        db.session, document, services.signer_phone(db.session, current_user), now()),
        _l("The code is sent by SMS to your mobile number on file; it is valid for 5 minutes."))


@bp.route("/<int:document_id>/confirm", methods=["POST"])
@signer_only
def confirm_code(document_id: int):
    document = signer_document(document_id)
    form = CodeForm()
    return act(form, document, lambda: services.confirm_code(db.session, document, form.code.data, now()),
               _l("Signed with the SMS code."))


@bp.route("/<int:document_id>/eds", methods=["POST"])
@signer_only
def sign_eds(document_id: int):
    document = signer_document(document_id)
    form = EdsForm()
    return act(form, document, lambda: services.verify_eds(
        db.session, document, form.signed_xml.data.encode(), now()),
        _l("Signed with your EDS; the signature is verified."))


@bp.route("/<int:document_id>/sandbox", methods=["POST"])
@signer_only
def sign_sandbox(document_id: int):
    document = signer_document(document_id)
    return act(SigningActionForm(), document, lambda: services.sandbox_sign(db.session, document, now()),
               _l("Signed with the sandbox's test key: not a real signature."))


def act(form, document: SignedDocument, operation, done):
    """Run one signing step and go back to the page — or, once signed, on to what was signed
    (the order, the withdrawal), which shows what became of it; a refusal the service recorded
    is kept."""
    back = url_for("signing.show", document_id=document.id)
    if not form.validate_on_submit():
        flash(form_errors_text(form), "error")
        return redirect(back)
    try:
        operation()
    except Refusal as error:  # the service's SigningError, or a kind handler's refusal
        if not getattr(error, "keep", False):
            db.session.rollback()
        flash(str(error.message), "error")
    else:
        flash(str(done), "success")
        if document.status == DocumentStatus.SIGNED:
            return redirect(document.next_url)
    return redirect(back)


@bp.route("/<int:document_id>/document.xml")
@roles_required(*access.DOWNLOAD_ROLES)
def document_xml(document_id: int):
    document = readable_document(document_id)
    return xml_download(document.document, f"document-{document.id}.xml")


@bp.route("/<int:document_id>/signature.xml")
@roles_required(*access.DOWNLOAD_ROLES)
def signature_xml(document_id: int):
    document = readable_document(document_id)
    if document.signature is None:
        abort(404)
    return xml_download(document.signature, f"signature-{document.id}.xml")


def xml_download(content: bytes, name: str) -> Response:
    return Response(content, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
