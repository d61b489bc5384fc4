"""Secondary market pages: trading screen, market quotes, positions, surveillance.

A member firm's dealers see only their own firm's orders, accounts, positions and trades (any
other is answered 404). Every instruction goes through the sequencer (`services.execute`),
which commits by itself; a refusal lands on the form field it concerns, with the input kept.
"""
from itertools import zip_longest

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from app.auth.access import any_role, roles_required
from app.auth.roles import Role
from app.extensions import db
from app.transaction import is_read
from app.pages import apply, show_error
from app.secondary import schedule
from app.secondary.assets import is_currency
from app.secondary.engine.commands import AmendOrder, CancelOrder, PlaceOrder
from app.secondary.engine.day import SettlementAnswer
from app.secondary.engine.direct import AnswerDirectDeal, OfferDirectDeal
from app.secondary.messages import MarketError
from app.secondary.models import OPEN, Instrument, MarketOrder, MarketTrade
from app.secondary.reference import services as reference
from app.secondary.reference.forms import ACCOUNT_KIND_LABELS
from app.secondary.trading import services
from app.secondary.trading.forms import (ORDER_STATUS_LABELS, SIDE_LABELS, TRADE_STATUS_LABELS, TYPE_LABELS,
                                         ActionForm, AmendForm, AnswerForm, DirectOfferForm, OrderFilterForm,
                                         OrderForm, SettlementForm, account_choices, new_key)

bp = Blueprint("market", __name__, url_prefix="/market")
MEMBERS = (Role.PRIMARY_DEALER, Role.PARTICIPANT)
REFUSED = 422
# Refusals the commands do not tie to a field, put next to the input that caused them.
FIELDS = {"unknown_account": "account_id", "market_no_expiry": "expires_on", "expiry_in_past": "expires_on",
          "no_reference_price": "price", "counterparty_required": "counterparty_id", "self_deal": "counterparty_id",
          "unknown_instrument": "instrument_id", "instrument_halted": "instrument_id",
          "mode_not_allowed": "settlement_code"}


@bp.context_processor
def vocabulary() -> dict:
    return {"SIDE_LABELS": SIDE_LABELS, "TYPE_LABELS": TYPE_LABELS, "ORDER_STATUS_LABELS": ORDER_STATUS_LABELS,
            "TRADE_STATUS_LABELS": TRADE_STATUS_LABELS, "ACCOUNT_KIND_LABELS": ACCOUNT_KIND_LABELS,
            "is_currency": is_currency}


def _firm() -> int:
    return current_user.organisation_id


def _run(form, command):
    """Sequence one instruction; a refusal goes onto the form and None is returned."""
    try:
        return services.execute(db.session, command)
    except MarketError as error:
        db.session.rollback()
        error.field = error.field or FIELDS.get(error.code)
        show_error(form, error)
        return None


def _status(form) -> int:
    return REFUSED if form.is_submitted() and (form.errors or form.form_errors) else 200


def _session_banner() -> dict:
    # Past its close time the session shows as closed (is_open asks the clock); the worker
    # stores the close, and a change made here stores it first.
    if not is_read():
        schedule.advance_due(db.session)
    trading_session = services.current_session(db.session)
    return {"trading_session": trading_session, "market_open": services.is_open(trading_session),
            "day": services.day_of(trading_session)}


def _accounts():
    """The firm's active accounts, its own accounts first (the form's default choice)."""
    accounts = [account for account in reference.accounts_of(db.session, _firm()) if account.is_active]
    return sorted(accounts, key=lambda account: (account.kind != "own", account.code))


def _own_order(order_id: int) -> MarketOrder:
    order = db.session.get(MarketOrder, order_id)
    if order is None or order.organisation_id != _firm():
        abort(404)
    return order


# --- the market: quotes for everyone ---------------------------------------------------------

@bp.route("/")
@any_role
def index():
    banner = _session_banner()
    return render_template("secondary/market.html", quotes=services.quotes(db.session, banner["day"]),
                           can_trade=current_user.role in MEMBERS, **banner)


# --- the trading screen ------------------------------------------------------------------------

def _book(instrument_id: int, code: str) -> Instrument:
    instrument = db.session.get(Instrument, instrument_id)
    if instrument is None or code not in instrument.codes:
        abort(404)
    return instrument


def _order_form(fresh: bool = False) -> OrderForm:
    """The request's order form, or (`fresh`) an empty one beside another form's refusal."""
    form = OrderForm(formdata=None) if fresh else OrderForm()
    form.account_id.choices = account_choices(_accounts())
    if fresh or not form.is_submitted():
        form.idempotency_key.data = new_key()
    return form


def _place(form: OrderForm, instrument: Instrument, code: str) -> PlaceOrder:
    return PlaceOrder(_firm(), form.account_id.data, instrument.id, code, form.side.data, form.type.data,
                      form.lots.data, form.price.data, form.client_code.data, form.expires_on.data,
                      current_user.id, form.idempotency_key.data or None)


def _placed(ack) -> str:
    if ack.duplicate:
        return _("Order %(id)s was already placed; the repeated submission was ignored.", id=ack.order_id)
    status = ORDER_STATUS_LABELS.get(ack.status, ack.status)
    return _("Order %(id)s placed: %(status)s, %(count)d trade(s).", id=ack.order_id, status=status,
             count=len(ack.trades))


def _screen(instrument: Instrument, code: str, form: OrderForm, amending=None) -> dict:
    """Everything the trading screen shows; `amending` is (order id, refused amend form)."""
    banner = _session_banner()
    bids, asks = services.book_depth(db.session, instrument.id, code, 10)
    own = services.own_orders(db.session, _firm(), OPEN, instrument_id=instrument.id, settlement_code=code,
                              board="book")
    reference_price = reference.reference_price(db.session, instrument.id, banner["day"])
    return {"instrument": instrument, "code": code, "form": form, "ladder": list(zip_longest(bids, asks)),
            "own": own, "own_levels": {(order.side, order.price) for order in own},
            "trades": services.recent_trades(db.session, instrument.id, code), "amending": amending,
            "reference_price": reference_price, "action_form": ActionForm(formdata=None),
            "corridor": reference_price and reference.corridor_prices(instrument, reference_price),
            "accounts": _accounts(), **banner}


@bp.route("/trade/<int:instrument_id>/<code>", methods=["GET", "POST"])
@roles_required(*MEMBERS)
def trade(instrument_id: int, code: str):
    instrument = _book(instrument_id, code)
    form = _order_form()
    if form.validate_on_submit() and (ack := _run(form, _place(form, instrument, code))):
        flash(_placed(ack), "success")
        return redirect(url_for("market.trade", instrument_id=instrument.id, code=code))
    return render_template("secondary/trading.html", **_screen(instrument, code, form)), _status(form)


@bp.route("/orders/<int:order_id>/amend", methods=["POST"])
@roles_required(*MEMBERS)
def amend_order(order_id: int):
    order = _own_order(order_id)
    instrument, code, form = order.instrument, order.settlement_code, AmendForm()
    command = AmendOrder(order.id, _firm(), form.price.data, form.lots.data, current_user.id)
    if form.validate_on_submit() and _run(form, command):
        flash(_("Order %(id)s amended.", id=order_id), "success")
        return redirect(url_for("market.trade", instrument_id=instrument.id, code=code))
    screen = _screen(instrument, code, _order_form(fresh=True), amending=(order_id, form))
    return render_template("secondary/trading.html", **screen), REFUSED


@bp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@roles_required(*MEMBERS)
def cancel_order(order_id: int):
    order = _own_order(order_id)
    if request.form.get("back") == "orders":
        back = url_for("market.orders")
    elif order.board == "direct":
        back = url_for("market.direct")
    else:
        back = url_for("market.trade", instrument_id=order.instrument_id, code=order.settlement_code)
    return apply(ActionForm(), lambda: services.execute(db.session, CancelOrder(order.id, _firm(), current_user.id)),
                 _("Order %(id)s cancelled.", id=order_id), back)


# --- own orders, trades and failed settlements -------------------------------------------------

def _own_trade(trade_id: int) -> MarketTrade:
    trade = db.session.get(MarketTrade, trade_id)
    if trade is None or _firm() not in (trade.buyer_account.organisation_id, trade.seller_account.organisation_id):
        abort(404)
    return trade


@bp.route("/orders")
@roles_required(*MEMBERS)
def orders():
    filters = OrderFilterForm(request.args)
    filters.validate()
    banner = _session_banner()
    statuses = (filters.status.data,) if filters.status.data else None
    return render_template("secondary/orders.html", filters=filters, firm_id=_firm(),
                           failed=services.failed_trades(db.session, _firm()),
                           orders=services.own_orders(db.session, _firm(), statuses, filters.day.data),
                           trades=services.trades_of(db.session, _firm(), filters.day.data or banner["day"]),
                           action_form=ActionForm(formdata=None), **banner)


def _settled(ack) -> str:
    if ack.status == "settled":
        return _("The deal is settled.")
    if ack.status == "cancelled":
        return _("The deal is cancelled; nothing was delivered.")
    return _("Your agreement to retry is recorded. Delivery is tried again once both sides have agreed; "
             "it succeeds only when each side holds what it owes.")


@bp.route("/trades/<int:trade_id>/settlement", methods=["POST"])
@roles_required(*MEMBERS)
def settlement(trade_id: int):
    trade, form = _own_trade(trade_id), SettlementForm()
    command = SettlementAnswer(trade.id, form.action.data, _firm(), current_user.id)
    return apply(form, lambda: services.execute(db.session, command), _settled, url_for("market.orders"))


@bp.route("/positions")
@roles_required(*MEMBERS)
def positions():
    banner = _session_banner()
    rows = services.positions(db.session, _firm(), banner["day"])
    dates = sorted({day for row in rows for day, _amount in row.ahead})
    return render_template("secondary/positions.html", rows=rows, dates=dates, accounts=_accounts(), **banner)


# --- direct (negotiated) deals ------------------------------------------------------------------

def _offer_form(fresh: bool = False) -> DirectOfferForm:
    form = DirectOfferForm(formdata=None) if fresh else DirectOfferForm()
    form.counterparty_id.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(firm.id), firm.name) for firm in reference.member_firms(db.session) if firm.id != _firm()]
    form.instrument_id.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(item.id), f"{item.code} · {item.name}") for item in reference.instruments(db.session)]
    form.account_id.choices = account_choices(_accounts())
    return form


def _offer(form: DirectOfferForm) -> OfferDirectDeal:
    return OfferDirectDeal(_firm(), form.account_id.data, form.counterparty_id.data, form.instrument_id.data,
                           form.settlement_code.data, form.side.data, form.price.data, form.lots.data,
                           form.client_code.data, current_user.id)


def _direct_page(form: DirectOfferForm, answering=None) -> dict:
    sent = [order for order in services.own_orders(db.session, _firm(), board="direct")
            if order.counterparty_id is not None]        # not the orders that answered others' offers
    return {"form": form, "sent": sent, "received": services.offers_to(db.session, _firm()),
            "answering": answering, "accounts": _accounts(), "action_form": ActionForm(formdata=None),
            "firm_names": {firm.id: firm.name for firm in reference.member_firms(db.session)},
            **_session_banner()}


@bp.route("/direct", methods=["GET", "POST"])
@roles_required(*MEMBERS)
def direct():
    form = _offer_form()
    if form.validate_on_submit() and (ack := _run(form, _offer(form))):
        flash(_("Direct deal %(id)s offered; it waits for the counterparty's answer.", id=ack.order_id), "success")
        return redirect(url_for("market.direct"))
    return render_template("secondary/direct.html", **_direct_page(form)), _status(form)


@bp.route("/direct/<int:offer_id>/answer", methods=["POST"])
@roles_required(*MEMBERS)
def answer_offer(offer_id: int):
    offer = db.session.get(MarketOrder, offer_id)
    if offer is None or offer.counterparty_id != _firm():
        abort(404)
    form = AnswerForm()
    form.account_id.choices = account_choices(_accounts())
    command = AnswerDirectDeal(offer.id, _firm(), form.answer.data == "accept", form.account_id.data,
                               form.client_code.data, current_user.id)
    if form.validate_on_submit() and _run(form, command):
        flash(_("The direct deal is accepted: a trade is made.") if command.accept
              else _("The direct deal is rejected."), "success")
        return redirect(url_for("market.direct"))
    return render_template("secondary/direct.html", **_direct_page(_offer_form(fresh=True), (offer_id, form))), REFUSED
