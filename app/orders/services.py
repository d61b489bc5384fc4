"""A client order's lifecycle: drafted and signed, accepted (blocking cover), then filled,
cancelled, rejected or expired. Services flush; the request (or the worker's round) commits —
except that an order for the desk's market is sequenced by the matcher, which commits what the
request wrote before it (app.secondary.engine.sequencer.submit): the signature and the accepted order
are stored before the order reaches the book, and a market's refusal rejects the order.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit.services import record
from app.auth.models import User
from app.brokerage import services as brokerage
from app.brokerage.models import BrokerClient, LedgerSource
from app.cabinet.signing import services as signing
from app.cabinet.signing.models import SignedDocument
from app.domain import client_orders as rules
from app.domain.market import MarketRefusal
from app.margin.risk import RiskUnavailable, client_risk
from app.formatting import money, quantity, short_date
from app.orders import instruments, messages
from app.orders.checks import OrderDraft, pre_trade_check, venue_check
from app.orders.models import LIVE_STATUSES, ClientFill, ClientOrder, OrderSide, OrderStatus
from app.secondary.engine.commands import CancelOrder, PlaceOrder
from app.secondary.messages import MarketError
from app.secondary.trading import services as market
from app.refusals import Refusal
from app.secondary.models import AccountKind, MarketOrder, MarketTrade, TradingAccount

KIND = "order"


def tradable_or_refuse(session, client: BrokerClient, venue: str, code: str) -> instruments.Tradable:
    tradable = instruments.find(session, client.firm_id, venue, code)
    if tradable is None:
        raise messages.refusal(rules.refuse("unknown_instrument"))
    return tradable


@dataclass(frozen=True)
class Preview:
    """What the order form shows as the client types: NPR1 now and after the order, or why not."""
    npr1_now: Decimal | None
    npr1_after: Decimal | None
    refusal: Refusal | None


def preview_npr1(session, client: BrokerClient, at: datetime) -> Decimal | None:
    """NPR1 now; None while the broker's FX table cannot value the client's holdings."""
    try:
        return client_risk(session, client, at).figures.npr1
    except RiskUnavailable:
        return None


def preview(session, client: BrokerClient, draft: OrderDraft, at: datetime) -> Preview:
    """The pre-trade check without placing anything (no writes)."""
    npr1_now = preview_npr1(session, client, at)
    try:
        tradable = tradable_or_refuse(session, client, draft.venue, draft.code)
        priced = pre_trade_check(session, client, tradable, draft, at)
    except (rules.OrderRefusal, MarketRefusal) as error:
        return Preview(npr1_now, error.details.get("npr1") if error.code == "npr1_below_zero" else None,
                       messages.refusal(error))
    except Refusal as error:
        return Preview(npr1_now, None, error)
    return Preview(npr1_now, priced.npr1_after, None)


def place(session, client: BrokerClient, user: User, draft: OrderDraft, at: datetime) -> ClientOrder:
    """Check the draft and issue it for signing; nothing is blocked or sent until it is signed."""
    tradable = tradable_or_refuse(session, client, draft.venue, draft.code)
    try:
        priced = pre_trade_check(session, client, tradable, draft, at)
    except (rules.OrderRefusal, MarketRefusal) as error:
        raise messages.refusal(error) from error
    order = ClientOrder(client_id=client.id, firm_id=client.firm_id, venue=tradable.venue, code=tradable.code,
                        currency=tradable.currency, side=draft.side, type=draft.type,
                        price=draft.price if draft.type == "limit" else None, lots=draft.lots,
                        lot_size=tradable.lot_size, filled_lots=0, block_per_lot=priced.block_per_lot,
                        amount=priced.amount, status=OrderStatus.AWAITING_SIGNATURE,
                        valid_until=rules.end_of_day(at), instrument_id=tradable.market and tradable.market.id,
                        settlement_code=priced.settlement_code, created_at=at)
    session.add(order)
    session.flush()
    document = signing.issue(session, KIND, document_fields(order, client), user, client.iin, summary(order),
                             f"/cabinet/orders/{order.id}", at)
    order.document = document       # the answer shows its summary: no load after the flush
    session.flush()
    record(session, "client_order.drafted", "client_order", order.id, None, snapshot(order))
    return order


def document_fields(order: ClientOrder, client: BrokerClient) -> dict[str, str]:
    """Every field of the instruction, as the client signs it."""
    return {"OrderId": str(order.id), "Broker": client.firm.name, "ClientCode": client.client_code,
            "Venue": order.venue, "Instrument": order.code, "Side": order.side, "Type": order.type,
            "Price": "" if order.price is None else str(order.price), "Lots": str(order.lots),
            "LotSize": str(order.lot_size), "Quantity": str(order.quantity), "Amount": str(order.amount),
            "Currency": order.currency, "ValidUntil": order.valid_until.isoformat()}


def summary(order: ClientOrder) -> str:
    """What is signed in plain words: "Buy 10 KZTK at 1 000,00 ₸ …"."""
    values = {"code": order.code, "quantity": quantity(order.quantity), "amount": money(order.amount, order.currency),
              "until": last_day(order)}
    if order.type == "limit":
        values["price"] = money(order.price, order.currency)
        text = _("Buy %(quantity)s %(code)s at %(price)s, amount %(amount)s, valid through %(until)s", **values) \
            if order.side == OrderSide.BUY else \
            _("Sell %(quantity)s %(code)s at %(price)s, amount %(amount)s, valid through %(until)s", **values)
    else:
        text = _("Buy %(quantity)s %(code)s at the market, up to %(amount)s", **values) \
            if order.side == OrderSide.BUY else _("Sell %(quantity)s %(code)s at the market", **values)
    return text


def last_day(order: ClientOrder) -> str:
    """The day an order is valid through, as a person reads it ("07.12.2026"), not the midnight
    after it that the desk stores."""
    return short_date(rules.day_of(order.valid_until - timedelta(microseconds=1)))


def snapshot(order: ClientOrder) -> dict:
    return {"client_id": order.client_id, "venue": order.venue, "code": order.code, "side": order.side,
            "type": order.type, "price": order.price, "lots": order.lots, "filled_lots": order.filled_lots,
            "status": order.status, "reason": order.reason, "market_order_id": order.market_order_id,
            "close_out": order.close_out}


def _change(session, order: ClientOrder, action: str, **values) -> None:
    before = snapshot(order)
    for name, value in values.items():
        setattr(order, name, value)
    session.flush()
    record(session, f"client_order.{action}", "client_order", order.id, before, snapshot(order))


# --- signed: accepted, blocked, sent ---------------------------------------------------------------

def on_signed(session, document: SignedDocument) -> None:
    """The signature is in: check again (cover may have been taken since), accept and block, and
    send an order for the desk's market into the book. A refusal here leaves the document unsigned."""
    order = session.scalar(select(ClientOrder).where(ClientOrder.document_id == document.id).with_for_update())
    if order is None or order.status != OrderStatus.AWAITING_SIGNATURE:
        raise messages.refusal(rules.refuse("not_awaiting_signature"))
    at = document.signed_at
    if at >= order.valid_until:
        raise messages.refusal(rules.refuse("order_day_over"))
    # Loaded and locked in one statement (what brokerage.lock_client does): its free money or
    # securities are checked and taken one order at a time.
    client = session.get(BrokerClient, order.client_id, with_for_update=True)
    tradable = tradable_or_refuse(session, client, order.venue, order.code)
    draft = OrderDraft(order.venue, order.code, order.side, order.type, order.lots, order.price)
    try:
        pre_trade_check(session, client, tradable, draft, at)
    except (rules.OrderRefusal, MarketRefusal) as error:
        raise messages.refusal(error) from error
    _change(session, order, "accepted", status=OrderStatus.ACTIVE, accepted_at=at)
    if tradable.is_kase:
        route(session, order, at)


signing.register_kind(KIND, on_signed)


def aggregated_account(session, firm_id: int) -> TradingAccount | None:
    return session.scalar(select(TradingAccount).where(
        TradingAccount.organisation_id == firm_id, TradingAccount.kind == AccountKind.AGGREGATED,
        TradingAccount.is_active.is_(True)).order_by(TradingAccount.id).limit(1))


def market_key(order: ClientOrder) -> str:
    """The order's idempotency key in the matcher; a forced close-out's order is marked in it."""
    return f"{'close-out' if order.close_out else 'client'}-order-{order.id}"


def route(session, order: ClientOrder, at: datetime) -> None:
    """Into the matcher on the firm's aggregated client account with the client's code. The
    idempotency key makes a retry (the worker's, after a crash here) the same order, not a twin."""
    account = aggregated_account(session, order.firm_id)
    if account is None:
        _reject(session, order, _("The broker has no client account on the desk's market."), at)
        return
    command = PlaceOrder(order.firm_id, account.id, order.instrument_id, order.settlement_code, order.side,
                         order.type, order.lots, order.price, order.client.client_code, None,
                         order.client.user_id, market_key(order))
    try:
        ack = market.execute(session, command)
    except MarketError as error:
        _reject(session, order, str(error.message), at)
        return
    _change(session, order, "routed", market_order_id=ack.order_id)
    # A fresh order resting in the book with no trades has nothing to post yet (its later
    # trades come with the worker's round); a repeat's ack carries no trades, so it syncs.
    if ack.duplicate or ack.trades or ack.status in MARKET_FINAL:
        sync(session, [order], at)


# --- the desk's market: fills and final states from the matcher -----------------------------------

MARKET_FINAL = {"filled": OrderStatus.FILLED, "cancelled": OrderStatus.CANCELLED, "killed": OrderStatus.CANCELLED,
                "expired": OrderStatus.EXPIRED}


def sync(session, orders: list[ClientOrder], at: datetime, cancelled: OrderStatus = OrderStatus.CANCELLED,
         by: User | None = None, reason: str | None = None) -> int:
    """Post the trades of these orders not yet posted and take over the matcher's final status
    (`cancelled`: what a cancel in the book means here — the client's, or the day's end; `by` and
    `reason`: who cancelled it and why); the number of fills posted. One query for the trades, one for the orders' states."""
    by_market = {order.market_order_id: order for order in orders if order.market_order_id and order.is_live}
    if not by_market:
        return 0
    trades = session.scalars(select(MarketTrade).where(
        MarketTrade.buy_order_id.in_(by_market) | MarketTrade.sell_order_id.in_(by_market))
        .order_by(MarketTrade.id)).all()
    posted = set(session.execute(select(ClientFill.order_id, ClientFill.trade_id).where(
        ClientFill.order_id.in_([order.id for order in by_market.values()]))).all()) if trades else set()
    count = 0
    for trade in trades:
        for market_id in (trade.buy_order_id, trade.sell_order_id):
            order = by_market.get(market_id)
            if order is not None and (order.id, trade.id) not in posted:
                _fill(session, order, trade.lots, trade.price, trade.amount, trade.traded_at, trade.settles_on,
                      None, trade_id=trade.id)
                posted.add((order.id, trade.id))
                count += 1
    states = dict(session.execute(select(MarketOrder.id, MarketOrder.status).where(MarketOrder.id.in_(by_market))).all())
    for market_id, order in by_market.items():
        final = MARKET_FINAL.get(states.get(market_id))
        was_cancelled = states.get(market_id) == "cancelled"
        final = cancelled if was_cancelled else final
        if final is not None and order.is_live and final != OrderStatus.FILLED:
            _close(session, order, final, at, by if was_cancelled else None, reason if was_cancelled else None)
    return count


def _fill(session, order: ClientOrder, lots: int, price: Decimal, amount: Decimal, traded_at: datetime,
          settles_on, by: User | None, trade_id: int | None = None, note: str | None = None) -> ClientFill:
    """A deal for the client: the fill, its two ledger movements (money and securities, each
    settling on the venue's date) and the order's new state."""
    fill = ClientFill(order_id=order.id, client_id=order.client_id, lots=lots, quantity=lots * order.lot_size,
                      price=price, amount=amount, traded_at=traded_at, settles_on=settles_on, trade_id=trade_id,
                      recorded_by_id=by and by.id, note=note)
    session.add(fill)
    session.flush()
    sign = Decimal(1) if order.side == OrderSide.BUY else Decimal(-1)
    author = by or order.client.user
    reference = f"{order.venue.upper()} {trade_id or f'F{fill.id}'} / {order.id}"
    brokerage.post(session, order.client, order.venue, order.code, sign * fill.quantity, LedgerSource.DEAL,
                   reference, author, traded_at, settles_on=settles_on)
    brokerage.post(session, order.client, None, order.currency, -sign * amount, LedgerSource.DEAL,
                   reference, author, traded_at, settles_on=settles_on)
    filled = order.filled_lots + lots
    status = OrderStatus.FILLED if filled == order.lots else OrderStatus.PARTIALLY_FILLED
    _change(session, order, "filled", filled_lots=filled, status=status,
            closed_at=traded_at if status == OrderStatus.FILLED else None)
    messages.tell(session, order, "order_filled" if status == OrderStatus.FILLED else "order_partially_filled",
                  traded_at)
    return fill


def _close(session, order: ClientOrder, status: OrderStatus, at: datetime, by: User | None,
           reason: str | None = None) -> None:
    was_accepted = order.accepted_at is not None
    # A close-out order keeps the reason it was placed for when the market ends it.
    _change(session, order, str(status), status=status, closed_at=at, closed_by_id=by and by.id,
            reason=reason if reason is not None else order.reason)
    if not was_accepted:
        return      # a draft never signed: nothing to tell
    if status == OrderStatus.EXPIRED:
        messages.tell(session, order, "order_expired", at)
    elif status == OrderStatus.REJECTED:
        messages.tell(session, order, "order_rejected", at, reason=reason or "")


def _reject(session, order: ClientOrder, reason: str, at: datetime, by: User | None = None) -> None:
    _close(session, order, OrderStatus.REJECTED, at, by, reason)


# --- the client cancels ---------------------------------------------------------------------------

def cancel(session, order: ClientOrder, user: User, at: datetime) -> None:
    """While the order is active; what was filled before stays filled."""
    if not order.is_live:
        raise messages.refusal(rules.refuse("order_not_active"))
    if order.close_out:
        raise messages.refusal(rules.refuse("close_out_order"))
    _cancel(session, order, user, at)


def _cancel(session, order: ClientOrder, by: User | None, at: datetime, reason: str | None = None) -> bool:
    """True when the order was still live and is now cancelled."""
    if order.market_order_id is not None:
        try:
            market.execute(session, CancelOrder(order.market_order_id, order.firm_id, by and by.id))
        except MarketError:
            pass   # already filled or ended in the book: the sync below says which
        sync(session, [order], at, by=by, reason=reason)
    session.refresh(order, with_for_update=True)
    if not order.is_live:
        return order.status == OrderStatus.CANCELLED and order.closed_at == at
    _close(session, order, OrderStatus.CANCELLED, at, by, reason)
    return True


# --- the broker acts: margin calls and forced close-out (seed 003) --------------------------------

def cancel_for_broker(session, order: ClientOrder, by: User | None, reason: str, at: datetime) -> bool:
    """The broker cancels a client's live order (`by` None: the worker, at a margin call's
    deadline); the client is told why. False when it had ended already."""
    if not order.is_live or not _cancel(session, order, by, at, reason):
        return False
    messages.tell(session, order, "order_cancelled_by_broker", at, reason=reason)
    return True


def place_close_out(session, client: BrokerClient, tradable: instruments.Tradable, side: str, lots: int,
                    close_out_id: int, reason: str, at: datetime) -> ClientOrder:
    """A market order of a forced close-out: the broker's, so unsigned and without the cover
    check (it lowers the client's risk), accepted at once. On the desk's market it is routed into
    the matcher (filled or killed there at once); for an external venue it waits in the firm's
    dealing queue, marked as a close-out. Raises OrderRefusal / MarketRefusal when the venue takes
    no order now (closed, halted, no quote)."""
    draft = OrderDraft(tradable.venue, tradable.code, side, "market", lots)
    priced = venue_check(session, tradable, draft, lots, at)
    order = ClientOrder(client_id=client.id, firm_id=client.firm_id, venue=tradable.venue, code=tradable.code,
                        currency=tradable.currency, side=side, type="market", price=None, lots=lots,
                        lot_size=tradable.lot_size, filled_lots=0, block_per_lot=priced.block_per_lot,
                        amount=priced.amount, status=OrderStatus.ACTIVE, reason=reason[:500],
                        valid_until=rules.end_of_day(at), instrument_id=tradable.market and tradable.market.id,
                        settlement_code=priced.settlement_code, created_at=at, accepted_at=at, close_out=True,
                        close_out_id=close_out_id)
    session.add(order)
    session.flush()
    record(session, "client_order.close_out_placed", "client_order", order.id, None, snapshot(order))
    if tradable.is_kase:
        route(session, order, at)
    return order


# --- the broker's dealer (external venues) --------------------------------------------------------

def record_fill(session, order: ClientOrder, lots: int | None, price: Decimal | None, by: User,
                at: datetime) -> ClientFill:
    """The dealer's execution report for an external venue's order: settles on the venue's date."""
    session.refresh(order, with_for_update=True)
    _require_external_live(order)
    tradable = tradable_or_refuse(session, order.client, order.venue, order.code)
    try:
        rules.check_fill(order.side, order.type, order.price, price, tradable.price_step, lots or 0,
                         order.remaining_lots)
    except rules.OrderRefusal as error:
        raise messages.refusal(error) from error
    amount = rules.money(price * lots * order.lot_size)
    if order.side == OrderSide.BUY and amount > order.block_per_lot * lots:
        raise messages.refusal(rules.refuse("fill_above_block"))
    settles_on = instruments.external_settlement_date(tradable, rules.day_of(at))
    return _fill(session, order, lots, price, amount, at, settles_on, by)


def reject(session, order: ClientOrder, reason: str, by: User, at: datetime) -> None:
    """The dealer refuses the order (or its unfilled rest) with a reason the client reads."""
    session.refresh(order, with_for_update=True)
    _require_external_live(order)
    reason = (reason or "").strip()
    if not reason:
        raise messages.refusal(rules.refuse("reason_required"))
    _reject(session, order, reason[:500], at, by)


def _require_external_live(order: ClientOrder) -> None:
    if order.market_order_id is not None or order.venue == "kase":
        raise messages.refusal(rules.refuse("not_external"))
    if not order.is_live:
        raise messages.refusal(rules.refuse("order_not_active"))


# --- the worker's round ---------------------------------------------------------------------------

def sync_market_orders(session, at: datetime) -> int:
    """Fills of the desk's market for every live client order (others' orders trade against them)."""
    live = list(session.scalars(select(ClientOrder).where(ClientOrder.status.in_(LIVE_STATUSES),
                                                          ClientOrder.market_order_id.is_not(None))))
    return sync(session, live, at)


def expire_due(session, at: datetime) -> int:
    """The day is over: unfilled orders expire (an order in the book is cancelled there first),
    and drafts never signed expire with their document."""
    count = 0
    # An outer join: a close-out order has no document, and expires with its day too.
    due = select(ClientOrder).outerjoin(SignedDocument, SignedDocument.id == ClientOrder.document_id).where(
        (ClientOrder.status.in_(LIVE_STATUSES) & (ClientOrder.valid_until <= at))
        | ((ClientOrder.status == OrderStatus.AWAITING_SIGNATURE)
           & ((ClientOrder.valid_until <= at) | (SignedDocument.expires_at <= at))))
    for order in session.scalars(due).all():
        if order.market_order_id is not None:
            try:
                market.execute(session, CancelOrder(order.market_order_id, None))
            except MarketError:
                pass
            sync(session, [order], at, cancelled=OrderStatus.EXPIRED)
        if order.is_live or order.status == OrderStatus.AWAITING_SIGNATURE:
            _close(session, order, OrderStatus.EXPIRED, at, None)
        count += order.status == OrderStatus.EXPIRED
    return count
