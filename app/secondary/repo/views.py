"""Repo pages (seed 004 §29–32): automatic repo books traded on the rate, direct repo offers
between two firms, and each firm's repos with both legs side by side.

A member firm sees only its own orders, offers and repos (another firm's answer 404); exchange
staff see every repo. Instructions go through the sequencer (`services.execute`), which
commits by itself; a refusal lands on the form field it concerns, with the input kept.
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from app.auth.access import roles_required
from app.auth.roles import STAFF_ROLES, Role
from app.domain.repo import REPO_TERMS
from app.extensions import db
from app.pages import apply, show_error
from app.secondary.engine.commands import CancelOrder
from app.secondary.engine.direct import AnswerDirectDeal
from app.secondary.messages import MarketError
from app.secondary.models import MarketOrder
from app.secondary.reference import services as reference
from app.secondary.reference.forms import ACCOUNT_KIND_LABELS
from app.secondary.repo import reads
from app.secondary.repo.forms import (KIND_LABELS, REPO_ROLE_LABELS, REPO_SIDE_LABELS, DirectRepoForm,
                                      RepoFilterForm, RepoOrderForm)
from app.secondary.repo.services import CloseRepoEarly, OfferDirectRepo, PlaceRepoOrder
from app.secondary.trading import services
from app.secondary.trading.forms import (ORDER_STATUS_LABELS, TRADE_STATUS_LABELS, ActionForm, AnswerForm,
                                         account_choices, new_key)

bp = Blueprint("market_repo", __name__, url_prefix="/market/repo")
MEMBERS = (Role.PRIMARY_DEALER, Role.PARTICIPANT)
STAFF = tuple(sorted(STAFF_ROLES))
REFUSED = 422
# Refusals the commands do not tie to a field, put next to the input that caused them.
FIELDS = {"unknown_account": "account_id", "unknown_instrument": "instrument_id",
          "instrument_halted": "instrument_id", "mode_not_allowed": "instrument_id",
          "repo_not_allowed": "instrument_id", "no_reference_price": "instrument_id",
          "repo_term_not_standard": "days", "repo_term_out_of_range": "days",
          "repo_close_not_business_day": "days", "repo_redemption_in_term": "days",
          "repo_discount_out_of_range": "discount_percent", "counterparty_required": "counterparty_id",
          "self_deal": "counterparty_id"}
RENAMED = {"price": "rate"}
SIDE_OF_ORDER = {"buy": "borrow", "sell": "lend"}


@bp.context_processor
def vocabulary() -> dict:
    return {"REPO_SIDE_LABELS": REPO_SIDE_LABELS, "REPO_ROLE_LABELS": REPO_ROLE_LABELS, "KIND_LABELS": KIND_LABELS,
            "ORDER_STATUS_LABELS": ORDER_STATUS_LABELS, "TRADE_STATUS_LABELS": TRADE_STATUS_LABELS,
            "ACCOUNT_KIND_LABELS": ACCOUNT_KIND_LABELS, "SIDE_OF_ORDER": SIDE_OF_ORDER}


def _firm() -> int:
    return current_user.organisation_id


def _run(form, command):
    """Sequence one instruction; a refusal goes onto the form and None is returned."""
    try:
        return services.execute(db.session, command)
    except MarketError as error:
        db.session.rollback()
        error.field = RENAMED.get(error.field, error.field) or FIELDS.get(error.code)
        show_error(form, error)
        return None


def _status(*forms) -> int:
    return REFUSED if any(form.is_submitted() and (form.errors or form.form_errors) for form in forms) else 200


def _accounts():
    return [account for account in reference.accounts_of(db.session, _firm()) if account.is_active]


def _instrument_choices() -> list[SelectChoice]:
    return [SelectChoice("", "—")] + [SelectChoice(str(item.id), f"{item.code} · {item.name}")
                                      for item in reads.repo_instruments(db.session)]


def _order_form(formdata=True) -> RepoOrderForm:
    form = RepoOrderForm() if formdata else RepoOrderForm(formdata=None)
    form.instrument_id.choices = _instrument_choices()
    form.account_id.choices = account_choices(_accounts())
    if not form.is_submitted() or not formdata:
        form.idempotency_key.data = new_key()
    return form


def _offer_form(formdata=True) -> DirectRepoForm:
    form = DirectRepoForm(prefix="offer") if formdata else DirectRepoForm(prefix="offer", formdata=None)
    form.counterparty_id.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(firm.id), firm.name) for firm in reference.member_firms(db.session) if firm.id != _firm()]
    form.instrument_id.choices = _instrument_choices()
    form.account_id.choices = account_choices(_accounts())
    return form


def _page(order_form: RepoOrderForm, offer_form: DirectRepoForm) -> dict:
    trading_session = services.current_session(db.session)
    day = services.market_day(db.session)
    filters = RepoFilterForm(request.args)
    open_only = filters.state.data != "all"
    return {"order_form": order_form, "offer_form": offer_form, "filters": filters, "day": day,
            "trading_session": trading_session, "market_open": services.is_open(trading_session),
            "books": reads.repo_books(db.session, day), "terms": REPO_TERMS,
            "own_orders": reads.live_repo_orders(db.session, _firm()),
            "received": reads.repo_offers(db.session, _firm(), received=True),
            "sent": reads.repo_offers(db.session, _firm(), received=False),
            "repos": reads.repos(db.session, _firm(), open_only), "mine": services.firm_account_ids(db.session, _firm()),
            "firm_names": {firm.id: firm.name for firm in reference.member_firms(db.session)},
            "accounts": _accounts(), "action_form": ActionForm(formdata=None)}


def _placed(ack) -> str:
    if ack.duplicate:
        return _("Repo order %(id)s was already placed; the repeated submission was ignored.", id=ack.order_id)
    repos = len({trade.repo_id for trade in ack.trades})
    return _("Repo order %(id)s placed: %(status)s, %(count)d repo(s) opened.", id=ack.order_id,
             status=ORDER_STATUS_LABELS.get(ack.status, ack.status), count=repos)


@bp.route("/", methods=["GET", "POST"])
@roles_required(*MEMBERS)
def index():
    form = _order_form()
    if form.validate_on_submit():
        command = PlaceRepoOrder(_firm(), form.account_id.data, form.instrument_id.data, form.days.data,
                                 form.side.data, form.rate.data, form.lots.data, form.client_code.data,
                                 current_user.id, form.idempotency_key.data or None)
        if ack := _run(form, command):
            flash(_placed(ack), "success")
            return redirect(url_for("market_repo.index"))
    return render_template("secondary/repo/index.html", **_page(form, _offer_form(formdata=False))), _status(form)


@bp.route("/direct", methods=["POST"])
@roles_required(*MEMBERS)
def offer():
    form = _offer_form()
    if form.validate_on_submit():
        command = OfferDirectRepo(_firm(), form.account_id.data, form.counterparty_id.data, form.instrument_id.data,
                                  form.days.data, form.side.data, form.rate.data, form.lots.data, form.discount,
                                  form.client_code.data, current_user.id)
        if ack := _run(form, command):
            flash(_("Direct repo %(id)s offered; it waits for the counterparty's answer.", id=ack.order_id),
                  "success")
            return redirect(url_for("market_repo.index"))
    return render_template("secondary/repo/index.html", **_page(_order_form(formdata=False), form)), REFUSED


def _answered(ack) -> str:
    if ack.status == "rejected":
        return _("The direct repo is rejected.")
    closing = ack.trades[-1]
    return _("The direct repo is accepted: repo %(id)s is open; its closing leg settles on %(day)s.",
             id=closing.repo_id, day=closing.settles_on.strftime("%d.%m.%Y"))


@bp.route("/direct/<int:offer_id>/answer", methods=["POST"])
@roles_required(*MEMBERS)
def answer(offer_id: int):
    offer_row = db.session.get(MarketOrder, offer_id)
    if not reads.is_repo_offer(offer_row) or offer_row.counterparty_id != _firm():
        abort(404)
    form = AnswerForm()
    command = AnswerDirectDeal(offer_row.id, _firm(), form.answer.data == "accept", form.account_id.data,
                               form.client_code.data, current_user.id)
    return apply(form, lambda: services.execute(db.session, command), _answered, url_for("market_repo.index"))


@bp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@roles_required(*MEMBERS)
def cancel(order_id: int):
    order = db.session.get(MarketOrder, order_id)
    if order is None or order.organisation_id != _firm() or order.settlement_code[:1] not in "RX":
        abort(404)
    command = CancelOrder(order.id, _firm(), current_user.id)
    return apply(ActionForm(), lambda: services.execute(db.session, command),
                 _("Repo order %(id)s cancelled.", id=order_id), url_for("market_repo.index"))


# --- one repo ----------------------------------------------------------------------------------

def _repo(repo_id: int) -> tuple[reads.RepoView, str | None]:
    """The repo and the caller's side in it (None for staff); another firm's repo is 404."""
    view = reads.repo_of(db.session, repo_id)
    if view is None:
        abort(404)
    if current_user.role in STAFF_ROLES:
        return view, None
    side = view.side_of(services.firm_account_ids(db.session, _firm()))
    if side is None:
        abort(404)
    return view, side


@bp.route("/<int:repo_id>")
@roles_required(*MEMBERS, *STAFF)
def detail(repo_id: int):
    view, side = _repo(repo_id)
    day = services.market_day(db.session)
    return render_template("secondary/repo/detail.html", repo=view, side=side, day=day,
                           early=_early_today(view, day), action_form=ActionForm(formdata=None))


def _early_today(view: reads.RepoView, day):
    """(m, I, Scn) if the repo could close early on `day`, else None."""
    math = view.math
    if view.kind != reads.DIRECT or not view.is_open or math is None:
        return None
    return math.early(day) if math.opens_on < day < math.closes_on else None


def _closing(ack) -> str:
    if ack.status == "settled":
        return _("Both sides agreed: the repo is closed early today and its closing leg is settled.")
    if ack.status == "failed":
        return _("Both sides agreed, but the closing leg failed to settle: a side lacks what it owes. "
                 "See failed settlements on the orders page.")
    return _("Your agreement to close early is recorded. The repo closes once the other side agrees too, "
             "on a day that is neither its opening nor its closing day.")


@bp.route("/<int:repo_id>/close-early", methods=["POST"])
@roles_required(*MEMBERS)
def close_early(repo_id: int):
    view, _side = _repo(repo_id)
    command = CloseRepoEarly(view.repo_id, _firm(), current_user.id)
    return apply(ActionForm(), lambda: services.execute(db.session, command), _closing,
                 url_for("market_repo.detail", repo_id=repo_id))


# --- staff ---------------------------------------------------------------------------------------

@bp.route("/all")
@roles_required(*STAFF)
def all_repos():
    filters = RepoFilterForm(request.args)
    open_only = filters.state.data != "all"
    return render_template("secondary/repo/all.html", filters=filters, day=services.market_day(db.session),
                           repos=reads.repos(db.session, None, open_only))
