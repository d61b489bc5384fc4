"""Reconciliation of a firm's clients with its aggregated client account(s) on the desk's market.

On KASE the firm holds its clients' securities and money on its aggregated trading accounts;
each client's share is a sub-account of the client ledger. Per instrument (client ledger rows
on venue KASE) and per currency (client ledger money rows: the desk treats a broker's client
money as held on its market account) the clients' total must equal the aggregated accounts'.

An aggregated account's figure is its position once every deal already registered settles:
the current position plus the unsettled deal net of every date (App.6 §1 ledger: `current +
Σ due`). Active orders' blocks are left out: they move nothing in the client ledger either.
"""
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from app.brokerage.models import BrokerClient, LedgerEntry, Venue
from app.brokerage.services import CENT
from app.domain.ledger import Ledger
from app.secondary.assets import is_currency
from app.secondary.models import AccountKind, Position, TradingAccount

ZERO = Decimal(0)


@dataclass(frozen=True)
class Line:
    asset: str                   # instrument code, or currency
    clients: Decimal
    aggregated: Decimal

    @property
    def difference(self) -> Decimal:
        return self.clients - self.aggregated

    @property
    def reconciled(self) -> bool:
        return self.difference == 0


@dataclass(frozen=True)
class Reconciliation:
    accounts: list[str]          # codes of the firm's aggregated accounts
    securities: list[Line]
    money: list[Line]

    @property
    def differences(self) -> int:
        return sum(not line.reconciled for line in self.securities + self.money)

    @property
    def reconciled(self) -> bool:
        return self.differences == 0


def reconcile(session, firm_id: int) -> Reconciliation:
    """The firm's lines, instruments and currencies in code order; three queries in all."""
    securities, money = _clients_totals(session, firm_id)
    accounts, held = _aggregated_totals(session, firm_id)
    held_money = {asset: amount for asset, amount in held.items() if is_currency(asset)}
    held_securities = {asset: amount for asset, amount in held.items() if not is_currency(asset)}
    return Reconciliation(accounts, _lines(securities, held_securities, False),
                          _lines(money, held_money, True))


def _clients_totals(session, firm_id: int) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """(securities on KASE by instrument, money by currency) summed over the firm's clients."""
    rows = session.execute(
        select(LedgerEntry.venue, LedgerEntry.asset, func.sum(LedgerEntry.amount))
        .join(BrokerClient, BrokerClient.id == LedgerEntry.client_id)
        .where(BrokerClient.firm_id == firm_id, (LedgerEntry.venue == Venue.KASE) | LedgerEntry.venue.is_(None))
        .group_by(LedgerEntry.venue, LedgerEntry.asset)).all()
    securities = {asset: Decimal(amount) for venue, asset, amount in rows if venue is not None}
    money = {asset: Decimal(amount) for venue, asset, amount in rows if venue is None}
    return securities, money


def _aggregated_totals(session, firm_id: int) -> tuple[list[str], dict[str, Decimal]]:
    accounts = list(session.scalars(select(TradingAccount.code).where(
        TradingAccount.organisation_id == firm_id, TradingAccount.kind == AccountKind.AGGREGATED)
        .order_by(TradingAccount.code)))
    positions = session.scalars(select(Position).join(TradingAccount).where(
        TradingAccount.organisation_id == firm_id, TradingAccount.kind == AccountKind.AGGREGATED))
    held: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for position in positions:
        held[position.asset] += settled_and_due(Ledger.from_dict(json.loads(position.ledger)))
    return accounts, dict(held)


def settled_and_due(ledger: Ledger) -> Decimal:
    """The position once every registered deal settles (orders' blocks left out)."""
    return ledger.current + sum(ledger.due.values(), ZERO)


def _lines(clients: dict[str, Decimal], held: dict[str, Decimal], money: bool) -> list[Line]:
    lines = [Line(asset, _figure(clients.get(asset, ZERO), money), _figure(held.get(asset, ZERO), money))
             for asset in sorted({*clients, *held})]
    return [line for line in lines if line.clients or line.aggregated]


def _figure(amount: Decimal, money: bool) -> Decimal:
    """Money to the tiyn/cent; securities in whole pieces when they are whole."""
    amount = Decimal(amount).quantize(CENT)
    return amount if money or amount != amount.to_integral_value() else amount.quantize(Decimal(1))
