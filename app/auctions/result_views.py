"""After the window: the summary register, the what-if explorer and decision, deals, settlement,
certificates, and the public notices."""
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auctions import access, results
from app.auctions.blueprint import bp
from app.auctions.forms import DecisionForm, ExploreForm
from app.auctions.loaders import load, refreshed
from app.auctions.models import AuctionStatus, Deal, DealStatus, Notice
from app.auctions.page import PAGES
from app.auth.access import any_role, public, roles_required
from app.auth.roles import STAFF_ROLES
from app.clock.services import now
from app.extensions import db
from app.pages import apply
from app.placement import pages
from app.placement.forms import ActionForm
from app.refusals import Refusal
from app.registers import auction_documents as documents
from app.registers import deal_register_files as registers
from app.registers import pdf_response, xlsx_response
from app.registers.models import DealRegisterFile

READERS = (*STAFF_ROLES, *access.INITIATORS)


@bp.route("/<int:auction_id>/register")
@roles_required(*READERS)
def register(auction_id: int):
    auction = pages.load_if(load, auction_id, access.reads_register)
    return render_template("auctions/register.html", register=results.summary_register(auction),
                           named=access.named_register(auction, current_user))


@bp.route("/<int:auction_id>/register.<any(pdf, xlsx):fmt>")
@roles_required(*READERS)
def register_file(auction_id: int, fmt: str):
    auction = pages.load_if(load, auction_id, access.reads_register)
    named = access.named_register(auction, current_user)
    summary = results.summary_register(auction)
    name = f"summary-register-{auction.number}"
    if fmt == "pdf":
        return pdf_response(documents.summary_register_pdf(summary, named), f"{name}.pdf")
    return xlsx_response(documents.summary_register_xlsx(summary, named), f"{name}.xlsx")


# --- what-if explorer and the decision --------------------------------------------------------------

@bp.route("/<int:auction_id>/explorer", methods=["GET", "POST"])
@roles_required(*READERS)
def explorer(auction_id: int):
    auction = pages.load_if(load, auction_id, access.reads_register)
    explore = ExploreForm(request.args)
    valid = explore.validate()
    quantity = explore.quantity.data if valid and explore.quantity.data else auction.declared_quantity
    fill = explore.market_fill_percent.data if valid and explore.market_fill_percent.data is not None else Decimal(100)
    explore.quantity.data, explore.market_fill_percent.data = quantity, fill
    form = DecisionForm(formdata=request.form if request.method == "POST" else None,
                        quantity=quantity, market_fill_percent=fill, cutoff_price=_cutoff_arg())
    decided = _decide(auction, form) if request.method == "POST" else None
    if decided:
        return decided
    scenarios = results.explore(auction, quantity, fill) if auction.status != AuctionStatus.FAILED else []
    summary = results.summary_register(auction)
    return render_template("auctions/explorer.html", auction=auction, scenarios=scenarios, explore=explore,
                           form=form, quantity=quantity, fill=fill, register=summary,
                           chart=documents.demand_chart(auction, summary.levels),
                           can_decide=access.is_initiator(auction, current_user)
                           and auction.status == AuctionStatus.CLOSED), 422 if form.errors else 200


def _cutoff_arg() -> Decimal | None:
    try:
        return Decimal(request.args["cutoff"])
    except (KeyError, ArithmeticError, ValueError):
        return None


def _decide(auction, form: DecisionForm):
    """The initiator's decision; None while the explorer is to be shown again."""
    access.require_initiator(auction, current_user)
    satisfy = form.satisfy.data == "yes"
    done = _("The decision is recorded.") if satisfy else _("The bids are refused; the auction failed.")
    return pages.submitted(form, lambda: results.decide(db.session, auction, current_user, _entry(form), now()),
                           done, PAGES.detail(auction.id))


def _entry(form: DecisionForm) -> results.DecisionEntry:
    fill = form.market_fill_percent.data
    return results.DecisionEntry(satisfy=form.satisfy.data == "yes", cutoff_price=form.cutoff_price.data,
                                 quantity=form.quantity.data, reason=form.reason.data,
                                 market_fill_percent=fill if fill is not None else Decimal(100))


# --- deals and settlement -------------------------------------------------------------------------

@bp.route("/<int:auction_id>/deals/form", methods=["POST"])
@roles_required(*STAFF_ROLES)
def form_deals(auction_id: int):
    auction = load(auction_id)
    return apply(ActionForm(), lambda: results.form_deals(db.session, auction, now()),
                 lambda deals: _("%(count)d deals formed.", count=len(deals)), PAGES.detail(auction.id))


@bp.route("/<int:auction_id>/settlement", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def settlement(auction_id: int):
    auction = load(auction_id)
    form = ActionForm()
    if form.validate_on_submit():
        short = {int(value) for value in request.form.getlist("short") if value.isdigit()}
        try:
            results.settle(db.session, auction, short, now())
        except Refusal as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            flash(_("Settlement is recorded and the results notice is published."), "success")
            return redirect(PAGES.detail(auction.id))
    needs = results.money_required(auction) if auction.status == AuctionStatus.DEALS_FORMED else []
    return render_template("auctions/settlement.html", auction=auction, needs=needs, form=form)


@bp.route("/<int:auction_id>/deals.<any(pdf, xlsx):fmt>")
@roles_required(*READERS)
def deal_register(auction_id: int, fmt: str):
    """A register of up to a thousand deals comes at once; a bigger PDF is built by the worker,
    and this page shows its progress and then the file."""
    auction, deals = _deal_register_of(auction_id)
    name = f"deal-register-{auction.number}"
    if fmt == "xlsx":
        return xlsx_response(documents.deal_register_xlsx(auction), f"{name}.xlsx")
    if registers.builds_inline(deals):
        return pdf_response(documents.deal_register_pdf(db.session, auction), f"{name}.pdf")
    current = registers.current_file(db.session, auction)
    return render_template("auctions/deal_register.html", auction=auction, file=current, form=ActionForm(),
                           stalled=registers.stalled(db.session, current), deals=deals)


@bp.route("/<int:auction_id>/deals.pdf", methods=["POST"])
@roles_required(*READERS)
def build_deal_register(auction_id: int):
    auction, deals = _deal_register_of(auction_id)
    if ActionForm().validate_on_submit() and not registers.builds_inline(deals):
        registers.request_file(db.session, auction, current_user, now())
    return redirect(url_for("auctions.deal_register", auction_id=auction.id, fmt="pdf"))


@bp.route("/deal-register-files/<int:file_id>")
@roles_required(*READERS)
def download_deal_register(file_id: int):
    """Only a finished file is ever served (it appears under its name when complete)."""
    register = db.session.get(DealRegisterFile, file_id)
    if register is None or register.status != "done":
        abort(404)
    _deal_register_of(register.auction_id)    # the reader's check
    return pages.finished_file(registers.file_path(register), f"deal-register-{register.auction.number}.pdf",
                               register.sha256)


def _deal_register_of(auction_id: int):
    """The auction and its number of deals, for a reader of its deal register; else 404."""
    auction = load(auction_id)
    deals = registers.deal_count(db.session, auction) if access.reads_deal_register(auction, current_user) else 0
    if not deals:
        abort(404)
    return auction, deals


@bp.route("/deals/<int:deal_id>/certificate.pdf")
@any_role
def certificate(deal_id: int):
    """Exchange certificates go to the satisfied participant and, for an issuer, to the
    initiator; only settled deals have one (GKO: after settlement, App.7 §9)."""
    deal = db.session.get(Deal, deal_id)
    if deal is None or deal.status != DealStatus.SETTLED or not _reads_certificate(deal):
        abort(404)
    return pdf_response(documents.certificate_pdf(deal), f"certificate-{deal.number}.pdf")


def _reads_certificate(deal: Deal) -> bool:
    user = current_user
    if access.is_staff(user) or deal.organisation_id == user.organisation_id:
        return True
    return not deal.auction.is_gko and access.is_initiator(deal.auction, user)


# --- public notices --------------------------------------------------------------------------------

@bp.route("/notices")
@public
def notices():
    refreshed()
    rows = db.session.scalars(db.select(Notice).order_by(Notice.published_at.desc(), Notice.id.desc())
                              .limit(200)).all()
    return render_template("auctions/notices.html", notices=rows)


@bp.route("/notices/<int:notice_id>")
@public
def notice(notice_id: int):
    row = db.session.get(Notice, notice_id) or abort(404)
    return render_template("auctions/notice.html", **documents.notice_context(row))


@bp.route("/notices/<int:notice_id>.txt")
@public
def notice_text(notice_id: int):
    row = db.session.get(Notice, notice_id) or abort(404)
    text = render_template("auctions/notice.txt", **documents.notice_context(row))
    return text, 200, {"Content-Type": "text/plain; charset=utf-8"}
