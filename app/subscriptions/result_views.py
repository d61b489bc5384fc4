"""After the bid period: collateral check, registers, the satisfied register upload, deals,
settlement, certificates, and members' notifications."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.access import any_role, roles_required
from app.auth.roles import STAFF_ROLES, Role
from app.clock.services import now
from app.extensions import db
from app.pages import apply
from app.placement import pages
from app.placement.forms import ActionForm
from app.placement.vocabulary import BIDDERS
from app.refusals import Refusal
from app.registers import bid_register_exports as registers
from app.registers import pdf_response
from app.registers.models import RegisterExport
from app.registers.pdf import render_document
from app.registers.readers import RegisterFileError, read_satisfied_register
from app.subscriptions import access, results
from app.subscriptions.blueprint import bp
from app.subscriptions.forms import NoteForm, UploadForm
from app.subscriptions.loaders import load
from app.subscriptions.models import (MemberNotification, SubscriptionBid, SubscriptionBidStatus,
                                      SubscriptionDeal)
from app.subscriptions.page import PAGES
from app.subscriptions.views import SELLERS

CONFIDENTIAL = (*STAFF_ROLES, *SELLERS, Role.ISSUER)


@bp.route("/<int:subscription_id>/collateral", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def collateral(subscription_id: int):
    """At the check time (T0, Y0) staff mark the bids the depository found without cover."""
    subscription = load(subscription_id)
    if request.method == "POST":
        unsecured = {int(value) for value in request.form.getlist("unsecured") if value.isdigit()}
        return apply(ActionForm(), lambda: results.collateral_check(db.session, subscription, unsecured, now()),
                     lambda count: _("%(count)d bids without cover left the register.", count=count),
                     PAGES.detail(subscription.id))
    return render_template("subscriptions/collateral.html", subscription=subscription, form=ActionForm(),
                           bids=results.active_bids(subscription))


# --- registers ----------------------------------------------------------------------------------------

@bp.route("/<int:subscription_id>/registers")
@roles_required(*CONFIDENTIAL)
def registers_page(subscription_id: int):
    return _registers(pages.load_if(load, subscription_id, access.reads_registers), UploadForm(formdata=None))


SHOWN_INVESTORS = 500


def _registers(subscription, upload: UploadForm, problems: list | None = None, status: int = 200):
    """The registers page; the investor table shows the first 500 bids, the files hold them all."""
    exports = registers.exports_of(db.session, subscription)
    shown = db.session.scalars(select(SubscriptionBid).where(
        SubscriptionBid.subscription_id == subscription.id, SubscriptionBid.status == SubscriptionBidStatus.ACTIVE)
        .order_by(SubscriptionBid.id).limit(SHOWN_INVESTORS)).all()
    return render_template(
        "subscriptions/registers.html", subscription=subscription, exports=exports, upload=upload,
        problems=problems, building=any(export.status in ("queued", "running") for export in exports),
        stalled=registers.stalled(db.session, exports),
        form=ActionForm(), note_form=NoteForm(formdata=None), is_seller=access.is_seller(subscription, current_user),
        shown_bids=shown, active_count=registers.active_count(db.session, subscription)), status


@bp.route("/<int:subscription_id>/registers/<any(xml, xlsx):fmt>", methods=["POST"])
@roles_required(*CONFIDENTIAL)
def build_register(subscription_id: int, fmt: str):
    subscription = pages.load_if(load, subscription_id, access.reads_registers)
    back = url_for("subscriptions.registers_page", subscription_id=subscription.id)
    if not ActionForm().validate_on_submit():
        return redirect(back)
    try:
        export = registers.start_export(db.session, subscription, fmt, current_user, now())
    except Refusal as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(back)
    registers.build_now_or_queue(db.session, export)
    return redirect(back)


@bp.route("/registers/<int:export_id>/<any(file, signature):part>")
@roles_required(*CONFIDENTIAL)
def download_register(export_id: int, part: str):
    """Only a finished file is ever served (it appears under its name when complete)."""
    export = db.session.get(RegisterExport, export_id)
    if export is None or export.status != "done" or not access.reads_registers(export.subscription, current_user):
        abort(404)
    path = registers.export_path(export)
    if part == "file":
        return pages.finished_file(path, path.name, export.sha256)
    signature = path.with_name(path.name + ".sig")
    if export.kind != "accepted_xml" or not signature.exists():
        abort(404)
    return pages.finished_file(signature, signature.name)


@bp.route("/<int:subscription_id>/satisfied", methods=["POST"])
@roles_required(*SELLERS)
def upload_satisfied(subscription_id: int):
    """App.8 §9: the seller's answer; every problem is reported with its row before anything is stored."""
    subscription = pages.load_if(load, subscription_id, access.is_seller)
    form = UploadForm()
    problems = None
    if form.validate_on_submit():
        problems = _apply_upload(subscription, form.file.data)
        if problems is None:
            flash(_("The satisfied register is accepted."), "success")
            return redirect(PAGES.detail(subscription.id))
    return _registers(subscription, form, problems, 422)


def _apply_upload(subscription, upload) -> list | None:
    try:
        lines = read_satisfied_register(upload.stream, upload.filename or "")
        results.apply_satisfied_register(db.session, subscription, [
            results.SatisfiedLine(row.row_number, row.bid_number, row.satisfied_price, row.satisfied_quantity)
            for row in lines], now())
    except RegisterFileError as error:
        db.session.rollback()
        return [(problem.row_number, f"{problem.field}: {problem.message}") for problem in error.problems]
    except results.RegisterProblems as error:
        db.session.rollback()
        return error.problems
    except Refusal as error:
        db.session.rollback()
        return [(None, str(error.message))]
    return None


@bp.route("/<int:subscription_id>/refuse-all", methods=["POST"])
@roles_required(*SELLERS)
def refuse_all(subscription_id: int):
    subscription = pages.load_if(load, subscription_id, access.is_seller)
    return pages.noted(PAGES, subscription, NoteForm(), results.refuse_all,
                       _("All bids are refused; the offering failed."))


# --- deals, settlement, certificates -------------------------------------------------------------------

@bp.route("/<int:subscription_id>/deals/form", methods=["POST"])
@roles_required(*STAFF_ROLES)
def form_deals(subscription_id: int):
    subscription = load(subscription_id)
    return apply(ActionForm(), lambda: results.form_deals(db.session, subscription, now()),
                 lambda deals: _("%(count)d deals formed; members are notified.", count=len(deals)),
                 PAGES.detail(subscription.id))


@bp.route("/<int:subscription_id>/settle", methods=["POST"])
@roles_required(*STAFF_ROLES)
def settle(subscription_id: int):
    subscription = load(subscription_id)
    return apply(ActionForm(), lambda: results.settle(db.session, subscription, now()),
                 _("Settlement is recorded."), PAGES.detail(subscription.id))


@bp.route("/deals/<int:deal_id>/certificate.pdf")
@any_role
def certificate(deal_id: int):
    deal = db.session.get(SubscriptionDeal, deal_id)
    if deal is None or deal.status != "settled" or not results.issues_certificates(deal.subscription):
        abort(404)
    subscription = deal.subscription
    if not (deal.organisation_id == current_user.organisation_id or access.reads_registers(subscription, current_user)):
        abort(404)
    data = render_document("subscriptions/pdf/certificate.html", deal=deal, subscription=subscription, bid=deal.bid)
    return pdf_response(data, f"certificate-{deal.number}.pdf")


@bp.route("/notifications")
@roles_required(*BIDDERS)
def notifications():
    rows = db.session.scalars(select(MemberNotification).where(
        MemberNotification.organisation_id == current_user.organisation_id)
        .order_by(MemberNotification.id.desc()).limit(200)).all()
    return render_template("subscriptions/notifications.html", notifications=rows)
