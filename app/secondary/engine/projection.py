"""Writes what events changed into the orders, trades and positions tables, in bulk.

The tables are a projection of the journal: `flask market replay` folds the journal afresh
and compares its trades and positions with them byte for byte.
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.domain.market import SIDE_NAMES, Effects, Market, Order, Trade
from app.secondary.models import MarketOrder, MarketTrade, Position, TradingAccount


def book_key(instrument_id: int, code: str) -> str:
    return f"{instrument_id}/{code}"


def split_book(key: str) -> tuple[int, str]:
    instrument, code = key.split("/")
    return int(instrument), code


def bulk_update(session, table, rows: list[dict]) -> None:
    """One Core executemany UPDATE … WHERE id = :key (cheaper than the ORM's bulk path)."""
    columns = [name for name in rows[0] if name != "key"]
    statement = update(table).where(table.c.id == bindparam("b_key")).values(
        {name: bindparam("b_" + name) for name in columns})
    session.execute(statement, [{"b_" + name: value for name, value in row.items()} for row in rows])


class Projection:
    def __init__(self, session, market: Market, at: datetime, context=None):
        self.session, self.market, self.at = session, market, at
        self.context = context      # the batch's reference data: its accounts are already loaded
        self.created: dict[int, int] = {}          # order id → seq of the event that placed it
        self.orders: dict[int, Order] = {}
        self.trades: dict[int, Trade] = {}
        self.first_new_trade = market.next_trade
        self.ledgers: set[tuple[int, str]] = set()
        self._organisations: dict[int, int] | None = None

    def absorb(self, seq: int, event: dict, effects: Effects) -> None:
        for order_id, order in effects.orders.items():
            if order_id == seq:     # an order's id is the seq of the event that placed it
                self.created[order_id] = seq
            self.orders[order_id] = order
        for trade in effects.trades:
            self.trades[trade.trade_id] = trade
        if effects.all_ledgers:
            self.ledgers.update(self.market.ledgers)
        self.ledgers |= effects.ledgers

    def write(self) -> None:
        self._write_orders()
        self._write_trades()
        self._write_ledgers()

    def _write_orders(self) -> None:
        new = [self._order_row(o) for o in self.orders.values() if o.order_id in self.created]
        old = [self._order_state(o) for o in self.orders.values() if o.order_id not in self.created]
        if new:
            self.session.execute(insert(MarketOrder.__table__), new)
        if old:
            bulk_update(self.session, MarketOrder.__table__, old)

    def _order_state(self, order: Order) -> dict:
        return {"key": order.order_id, "status": order.status, "remaining_lots": order.remaining,
                "filled_lots": order.filled, "lots": order.lots, "price": self._price(order),
                "updated_at": self.at}

    def _order_row(self, order: Order) -> dict:
        instrument_id, code = split_book(order.book)
        return {"id": order.order_id, "seq": self.created[order.order_id],
                "instrument_id": instrument_id, "settlement_code": code,
                "board": "direct" if order.kind == "direct" else "book",
                "account_id": order.account, "organisation_id": self._organisation(order.account),
                "counterparty_id": order.counterparty, "side": SIDE_NAMES[order.side],
                "kind": order.kind, "price": self._price(order), "lots": order.lots,
                "remaining_lots": order.remaining, "filled_lots": order.filled,
                "client_code": order.client, "expires_on": order.expires_on,
                "status": order.status, "placed_at": self.at, "updated_at": self.at}

    def _price(self, order: Order):
        if order.kind == "market":
            return None
        return self.market.books[order.book].terms.price(order.ticks)

    def _write_trades(self) -> None:
        new = [self._trade_row(t) for t in self.trades.values() if t.trade_id >= self.first_new_trade]
        # An early-closed repo's closing leg changes its date and sum as well as its status.
        old = [{"key": t.trade_id, "status": t.status, "amount": t.amount, "settles_on": t.settles_on}
               for t in self.trades.values() if t.trade_id < self.first_new_trade]
        if new:
            self.session.execute(insert(MarketTrade.__table__), new)
        if old:
            bulk_update(self.session, MarketTrade.__table__, old)

    def _trade_row(self, trade: Trade) -> dict:
        instrument_id, code = split_book(trade.book)
        terms = self.market.books[trade.book].terms
        return {"id": trade.trade_id, "seq": trade.seq, "instrument_id": instrument_id,
                "settlement_code": code, "kind": trade.kind, "buy_order_id": trade.buy_order,
                "sell_order_id": trade.sell_order, "buyer_account_id": trade.buyer,
                "seller_account_id": trade.seller, "price": terms.price(trade.ticks),
                "lots": trade.lots, "quantity": trade.units, "amount": trade.amount,
                "repo_id": trade.repo_id, "trade_day": trade.trade_day, "settles_on": trade.settles_on,
                "status": trade.status, "traded_at": self.at}

    def _write_ledgers(self) -> None:
        if not self.ledgers:
            return
        rows = [{"account_id": account, "asset": asset, "seq": self.market.seq,
                 "ledger": json.dumps(self.market.ledgers[(account, asset)].to_dict(),
                                      sort_keys=True)}
                for account, asset in sorted(self.ledgers)]
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        statement = dialect.insert(Position)
        statement = statement.on_conflict_do_update(
            index_elements=["account_id", "asset"],
            set_={"ledger": statement.excluded.ledger, "seq": statement.excluded.seq})
        self.session.execute(statement, rows)

    def _organisation(self, account_id: int) -> int:
        account = self.context.account(account_id) if self.context is not None else None
        if account is not None:
            return account.organisation_id
        if self._organisations is None or account_id not in self._organisations:
            self._organisations = dict(self.session.execute(
                select(TradingAccount.id, TradingAccount.organisation_id)).all())
        return self._organisations[account_id]
