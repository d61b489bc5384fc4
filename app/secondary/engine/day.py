"""The trading day: opening with settlement dates, incoming balances, the close that cancels
day orders, and settlement deal by deal (App.6)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation


from app.domain.market import MarketRefusal
from app.secondary.assets import is_currency
from app.secondary.engine.commands import Ack, Command
from app.secondary.models import TradingSession


@dataclass
class OpenDay(Command):
    """Journals the day's opening: positions roll over, dated orders are re-dated."""
    day: date
    opens_at: datetime
    closes_at: datetime
    user_id: int | None = None

    def decide(self, batch):
        context = batch.context
        if context.trading_session(self.day) is not None:
            raise MarketRefusal("day_exists", day=self.day.isoformat())
        if not context.calendar(self.day.year).is_business_day(self.day):
            raise MarketRefusal("not_business_day", day=self.day.isoformat())
        if self.closes_at <= self.opens_at:
            raise MarketRefusal("bad_session_times")
        previous = batch.market.today
        if previous is not None and not _closed(context.trading_session(previous)):
            raise MarketRefusal("previous_day_open", day=previous.isoformat())
        batch.emit({"kind": "open_day", "day": self.day.isoformat(),
                    "dates": context.settlement_dates(self.day)}, user_id=self.user_id)
        trading_session = TradingSession(trading_day=self.day, opens_at=self.opens_at,
                                         closes_at=self.closes_at, opened_seq=batch.market.seq)
        batch.session.add(trading_session)
        context.add_session(trading_session)
        return Ack(batch.market.seq)


def _closed(trading_session: TradingSession | None) -> bool:
    return trading_session is None or trading_session.closed_seq is not None


@dataclass
class CloseDay(Command):
    """Session end: unfilled day orders are cancelled, then deals due today settle (DVP)."""
    user_id: int | None = None

    def decide(self, batch):
        day = batch.market.today
        trading_session = batch.context.trading_session(day) if day else None
        if _closed(trading_session):
            raise MarketRefusal("day_not_open")
        batch.emit({"kind": "close", "day": day.isoformat()}, user_id=self.user_id)
        trading_session.closed_seq = batch.market.seq
        batch.emit({"kind": "settle", "day": day.isoformat()}, user_id=self.user_id)
        return Ack(batch.market.seq)


@dataclass
class LoadBalance(Command):
    """The incoming position of one account in one currency or instrument (App.6 §1)."""
    account_code: str
    asset: str
    amount: str
    user_id: int | None = None

    def decide(self, batch):
        account = batch.context.account_by_code(self.account_code.strip())
        if account is None:
            raise MarketRefusal("unknown_account")
        asset = self.asset.strip().upper()
        if not is_currency(asset) and asset not in batch.context.instrument_codes():
            raise MarketRefusal("unknown_asset", asset=asset)
        amount = _amount(self.amount, places=2 if is_currency(asset) else 0)
        batch.emit({"kind": "balance", "account": account.id, "asset": asset, "amount": str(amount)},
                   user_id=self.user_id)
        return Ack(batch.market.seq)


def _amount(text: str, places: int) -> Decimal:
    try:
        value = Decimal(str(text).strip().replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise MarketRefusal("bad_amount") from None
    if not value.is_finite() or value < 0 or value != round(value, places):
        raise MarketRefusal("bad_amount")
    return value


@dataclass
class SettlementAnswer(Command):
    """After a failed settlement the harmed side may cancel the deal; a retry needs both
    sides (App.6).  `organisation_id` None is exchange staff acting on the depository's word."""
    trade_id: int
    action: str                      # retry | cancel
    organisation_id: int | None
    user_id: int | None = None

    def decide(self, batch):
        trade = batch.market.pending.get(self.trade_id)
        if trade is None or trade.status != "failed":
            raise MarketRefusal("not_failed")
        event = {"kind": "settle_" + self.action, "trade": self.trade_id}
        if self.organisation_id is not None:
            sides = _sides_of(batch, trade, self.organisation_id)
            if not sides:
                raise MarketRefusal("not_failed")
            if self.action == "cancel" and _harmed_side(batch, trade) not in sides:
                raise MarketRefusal("not_harmed_side")
            if self.action == "retry":
                event["side"] = sides[0]
        batch.emit(event, organisation_id=self.organisation_id, user_id=self.user_id)
        return Ack(batch.market.seq, status=batch.market.pending.get(self.trade_id, trade).status)


def _sides_of(batch, trade, organisation_id: int) -> list[str]:
    return [side for side, account in (("buyer", trade.buyer), ("seller", trade.seller))
            if batch.context.account(account).organisation_id == organisation_id]


def _harmed_side(batch, trade) -> str | None:
    """The side that could deliver what it owed while the other could not."""
    seller_ok = batch.market.ledger(trade.seller, trade.asset).current >= trade.units
    buyer_ok = batch.market.ledger(trade.buyer, trade.currency).current >= trade.amount
    if buyer_ok and not seller_ok:
        return "buyer"
    if seller_ok and not buyer_ok:
        return "seller"
    return None
