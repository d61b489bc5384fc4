"""The client's portfolio (seed 000 «Портфель»): money per currency and securities per venue,
valued at the venue's price. Blocked: what the client's live orders and pending withdrawals hold."""
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from app.brokerage.models import BrokerClient, LedgerEntry, Venue
from app.brokerage.services import CENT, balances
from app.orders import reads as order_reads
from app.orders.models import LIVE_STATUSES, ClientOrder, OrderSide
from app.secondary.models import Instrument, PriceSubject
from app.venues import reads as venue_reads
from app.withdrawals import reads as withdrawal_reads
from app.withdrawals.models import BLOCKING, WithdrawalInstruction

ZERO = Decimal(0)


@dataclass(frozen=True)
class MoneyRow:
    currency: str
    total: Decimal
    blocked: Decimal

    @property
    def free(self) -> Decimal:
        return self.total - self.blocked


@dataclass(frozen=True)
class SecurityRow:
    venue: str
    code: str
    quantity: Decimal
    blocked: Decimal             # by live sell orders
    currency: str | None         # of the price and the value; None for an instrument the desk does not know
    price: Decimal | None        # the valuation price; None while the venue has none
    value: Decimal | None        # in the instrument's currency


@dataclass(frozen=True)
class Portfolio:
    money: list[MoneyRow]
    securities: list[SecurityRow]


def portfolio(session, client: BrokerClient) -> Portfolio:
    held = balances(session, [client]).get(client.id, [])
    held_blocked = blocked(session, client)
    money = [MoneyRow(balance.asset, balance.amount, held_blocked.get((None, balance.asset), ZERO).quantize(CENT))
             for balance in held if balance.is_money]
    securities = [balance for balance in held if not balance.is_money and balance.amount]
    kase = venue_reads.kase_prices(session, [balance.asset for balance in securities if balance.venue == Venue.KASE])
    external = [(balance.venue, balance.asset) for balance in securities if balance.venue != Venue.KASE]
    prices = venue_reads.valuation_prices(session, client.firm_id, external)
    known = venue_reads.external_instruments(session, client.firm_id, external)
    rows = []
    for balance in securities:
        if balance.venue == Venue.KASE:
            instrument, price = kase.get(balance.asset, (None, None))
            value, currency = _value(instrument, price, balance.amount), instrument and instrument.currency
        else:
            price, instrument = prices.get((balance.venue, balance.asset)), known.get((balance.venue, balance.asset))
            value = None if price is None else (price * balance.amount).quantize(CENT)
            currency = instrument and instrument.currency
        rows.append(SecurityRow(balance.venue, balance.asset, balance.amount,
                                held_blocked.get((balance.venue, balance.asset), ZERO), currency, price, value))
    return Portfolio(money, rows)


def blocked(session, client: BrokerClient) -> dict[tuple[str | None, str], Decimal]:
    """By (venue or None for money, asset): live orders' blocks and withdrawals not yet paid."""
    found: dict[tuple[str | None, str], Decimal] = defaultdict(Decimal)
    for (_client, venue, asset), amount in order_reads.blocked(session, [client.id]).items():
        found[(venue, asset)] += amount
    for (_client, currency), amount in withdrawal_reads.blocked_money(session, [client.id]).items():
        found[(None, currency)] += amount
    return found


def free_of(session, client: BrokerClient, venue: str | None, asset: str) -> dict[tuple[str | None, str], Decimal]:
    """What the client may still use of one asset — free money (`venue` None) or free securities —
    as the portfolio counts it (total less live orders' and pending withdrawals' blocks), in one
    query and without valuing the portfolio. Absent (0) where the portfolio has no row: no ledger
    entries for the money, a zero holding of the security."""
    held = select(func.sum(LedgerEntry.amount)).where(
        LedgerEntry.client_id == client.id, LedgerEntry.asset == asset,
        LedgerEntry.venue.is_(None) if venue is None else LedgerEntry.venue == venue).scalar_subquery()
    orders = select(func.sum(ClientOrder.block_per_lot * (ClientOrder.lots - ClientOrder.filled_lots))).where(
        ClientOrder.client_id == client.id, ClientOrder.status.in_(LIVE_STATUSES))
    if venue is None:
        orders = orders.where(ClientOrder.side == OrderSide.BUY, ClientOrder.currency == asset)
        withdrawals = select(func.sum(WithdrawalInstruction.amount)).where(
            WithdrawalInstruction.client_id == client.id, WithdrawalInstruction.currency == asset,
            WithdrawalInstruction.status.in_(BLOCKING)).scalar_subquery()
    else:
        orders = orders.where(ClientOrder.side != OrderSide.BUY, ClientOrder.venue == venue, ClientOrder.code == asset)
        withdrawals = None
    columns = [held, orders.scalar_subquery()] + ([withdrawals] if withdrawals is not None else [])
    amount, by_orders, *by_withdrawals = session.execute(select(*columns)).one()
    if amount is None:
        return {}
    amount = Decimal(amount).quantize(CENT)
    taken = ZERO if by_orders is None else Decimal(by_orders)
    if by_withdrawals and by_withdrawals[0] is not None:
        taken += Decimal(by_withdrawals[0]).quantize(CENT)
    if venue is None:
        return {(None, asset): amount - taken.quantize(CENT)}
    return {(venue, asset): amount - taken} if amount else {}


def _value(instrument: Instrument | None, price: Decimal | None, quantity: Decimal) -> Decimal | None:
    """On the desk's market a bond's price is in % of its face value."""
    if instrument is None or price is None:
        return None
    if instrument.price_subject == PriceSubject.MONEY or instrument.face_value is None:
        return (price * quantity).quantize(CENT)
    return (price * instrument.face_value * quantity / 100).quantize(CENT)
