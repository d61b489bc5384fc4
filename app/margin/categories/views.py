"""The risk staff's category requests queue (/brokerage/risk/categories): pending requests, the
forms that record a request's qualification and supplementary agreement, the grant and the
refusal; and the firm's special-risk clients, each with its downgrade. The back office reads."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.roles import Role
from app.brokerage.reads import firm_client
from app.clock.services import now
from app.extensions import db
from app.margin.categories import reads, services
from app.margin.categories.forms import (QUALIFICATION_LABELS, STATUS_LABELS, ActionForm, AgreementForm,
                                         QualificationForm, ReasonForm)
from app.margin.categories.models import CategoryRequest
from app.pages import show_error
from app.refusals import Refusal

bp = Blueprint("margin_categories", __name__, url_prefix="/brokerage/risk/categories")
RISK = (Role.BROKER_RISK,)
READERS = (Role.BROKER_RISK, Role.BROKER_OFFICE)


@bp.context_processor
def vocabulary() -> dict:
    return {"REQUEST_STATUS": STATUS_LABELS, "QUALIFICATIONS": QUALIFICATION_LABELS,
            "can_change": current_user.is_authenticated and current_user.role == Role.BROKER_RISK}


@bp.route("/")
@roles_required(*READERS)
def queue():
    return _queue_page(ReasonForm(formdata=None))


@bp.route("/<int:request_id>")
@roles_required(*READERS)
def detail(request_id: int):
    return _detail_page(reads.firm_request(db.session, current_user, request_id))


@bp.route("/<int:request_id>/qualification", methods=["POST"])
@roles_required(*RISK)
def record_qualification(request_id: int):
    form = QualificationForm()
    return _step(request_id, form, lambda request: services.record_qualification(
        db.session, request, form.qualification.data, form.qualified_on.data, form.qualification_document.data,
        current_user, now()), _("The qualification is recorded."))


@bp.route("/<int:request_id>/agreement", methods=["POST"])
@roles_required(*RISK)
def record_agreement(request_id: int):
    form = AgreementForm()
    return _step(request_id, form, lambda request: services.record_agreement(
        db.session, request, form.agreement_number.data, form.agreement_date.data, current_user, now()),
        _("The supplementary agreement is recorded."))


@bp.route("/<int:request_id>/grant", methods=["POST"])
@roles_required(*RISK)
def grant(request_id: int):
    return _step(request_id, ActionForm(), lambda request: services.grant(db.session, request, current_user, now()),
                 _("The client is now in the special-risk category; the client is told."))


@bp.route("/<int:request_id>/refuse", methods=["POST"])
@roles_required(*RISK)
def refuse(request_id: int):
    form = ReasonForm()
    return _step(request_id, form, lambda request: services.refuse(db.session, request, form.reason.data,
                                                                    current_user, now()),
                 _("The request is refused; the client reads the reason."))


@bp.route("/clients/<int:client_id>/downgrade", methods=["POST"])
@roles_required(*RISK)
def downgrade(client_id: int):
    client, form = firm_client(db.session, client_id, current_user), ReasonForm()
    if form.validate_on_submit():
        try:
            services.downgrade(db.session, client, form.reason.data, current_user, now())
        except Refusal as error:
            db.session.rollback()
            _refused(form, error)
        else:
            flash(_("%(name)s is back in the standard category; the client is told.", name=client.full_name),
                  "success")
            return redirect(url_for("margin_categories.queue"))
    return _queue_page(form, client_id, 422)


def _step(request_id: int, form, operation, done: str):
    """One step on a request: done → back to it; refused → its page again with the reason."""
    request = reads.firm_request(db.session, current_user, request_id)
    if not form.validate_on_submit():
        return _detail_page(request, form, 422)
    try:
        operation(request)
    except Refusal as error:
        db.session.rollback()
        _refused(form, error)
        db.session.refresh(request)
        return _detail_page(request, form, 409 if error.code == "wrong_status" else 422)
    flash(done, "success")
    return redirect(url_for("margin_categories.detail", request_id=request.id))


def _refused(form, error: Refusal) -> None:
    """On its field; a refusal of the whole step (a form the page may no longer show) is flashed."""
    if error.field:
        show_error(form, error)
    else:
        flash(str(error.message), "error")


def _detail_page(request: CategoryRequest, failed=None, status: int = 200):
    """The request's page; `failed` is a form sent back with its errors, the others are fresh
    (pre-filled with what is recorded)."""
    forms = {"qualification_form": QualificationForm(formdata=None, obj=request),
             "agreement_form": AgreementForm(formdata=None, obj=request),
             "action_form": ActionForm(), "reason_form": ReasonForm(formdata=None)}
    for name, form in forms.items():
        if failed is not None and type(form) is type(failed):
            forms[name] = failed
    return render_template("margin/category_request.html", request_row=request,
                           missing=services.missing_conditions(request), **forms), status


def _queue_page(form: ReasonForm, failed_client: int | None = None, status: int = 200):
    firm_id = current_user.organisation_id
    return render_template("margin/categories.html", pending=reads.pending(db.session, firm_id),
                           special=reads.special_risk_clients(db.session, firm_id),
                           decided=reads.decided(db.session, firm_id), form=form, failed_client=failed_client,
                           fresh=ReasonForm(formdata=None)), status
