"""The secondary market as a deterministic state machine (SPEC §4, App.6).

Every change comes in as one journaled event (a plain dict, see `Market.apply`); the state is
a fold of the journal.  Nothing here reads a clock or draws a random number: ids, times and
dates arrive in the events, so replaying a journal gives the same trades and positions to the
byte.  Books match in integer ticks and lots (`matching.OrderBook`); `Terms` turns them into
money.  Checks that need the state (cover, amend rules) are here too; reference-data checks
(corridor, session, client code) are in `market_rules`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from app.domain import repo
from app.domain.ledger import ZERO, Ledger
from app.domain.matching import BUY, SELL, OrderBook

CENT = Decimal("0.01")
SIDES = {"buy": BUY, "sell": SELL}
SIDE_NAMES = ("buy", "sell")


class MarketRefusal(ValueError):
    """An order or instruction the market's state does not allow; `code` names the check."""

    def __init__(self, code: str, /, **details):   # a detail may be named `code` too
        super().__init__(code)
        self.code = code
        self.details = details


@dataclass(frozen=True)
class Terms:
    """What a book's ticks and lots are worth: the instrument's economics on the day."""
    asset: str                       # the instrument code: its securities ledger key
    currency: str
    lot_size: int
    price_step: Decimal
    face_value: Decimal | None       # bonds: prices are % of face value
    accrued: Decimal = ZERO          # per 100 of face, added to a clean price
    # Repo books trade on the rate (ticks of price_step, % p.a.); the legs use these (§31–32):
    repo_price: Decimal | None = None   # money value of one security at opening, P
    repo_days: int = 0
    closes_on: date | None = None
    year_days: int = 0

    @property
    def is_repo(self) -> bool:
        return self.repo_price is not None

    def opening_sum(self, lots: int) -> Decimal:
        return repo.opening_sum(self.repo_price, lots * self.lot_size) if lots else ZERO

    def closing_sum(self, open_sum: Decimal, ticks: int) -> Decimal:
        return repo.closing_sum(open_sum, self.price(ticks), self.repo_days, self.year_days)

    def price(self, ticks: int) -> Decimal:
        return self.price_step * ticks

    def amount(self, ticks: int, lots: int) -> Decimal:
        """SPEC §7: quantity × face × (clean price + AI) / 100, or quantity × price, to 0.01."""
        units = lots * self.lot_size
        if self.face_value is None:
            value = self.price(ticks) * units
        else:
            value = self.face_value * (self.price(ticks) + self.accrued) / 100 * units
        return value.quantize(CENT, ROUND_HALF_UP)

    def to_dict(self) -> dict:
        out = {"asset": self.asset, "currency": self.currency, "lot_size": self.lot_size,
               "price_step": str(self.price_step), "accrued": str(self.accrued),
               "face_value": None if self.face_value is None else str(self.face_value)}
        if self.is_repo:
            out.update(repo_price=str(self.repo_price), repo_days=self.repo_days,
                       closes_on=self.closes_on.isoformat(), year_days=self.year_days)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "Terms":
        face, repo_price = data.get("face_value"), data.get("repo_price")
        return cls(data["asset"], data["currency"], int(data["lot_size"]),
                   Decimal(data["price_step"]), None if face is None else Decimal(face),
                   Decimal(data.get("accrued", "0")),
                   None if repo_price is None else Decimal(repo_price),
                   int(data.get("repo_days", 0)), _day(data.get("closes_on")),
                   int(data.get("year_days", 0)))


@dataclass
class Book:
    key: str
    code: str                        # settlement code: T0 or T2
    terms: Terms
    engine: OrderBook = field(default_factory=OrderBook)


@dataclass
class Order:
    order_id: int
    book: str
    account: int
    side: int
    kind: str                        # limit | market | direct
    ticks: int
    lots: int
    remaining: int
    settles_on: date
    block_ticks: int                 # the price a buy's money is blocked at
    client: str | None = None
    expires_on: date | None = None
    counterparty: int | None = None  # direct deals: the organisation addressed
    status: str = "active"
    filled: int = 0

    @property
    def live(self) -> bool:
        return self.status in ("active", "partial", "offered")


@dataclass
class Trade:
    trade_id: int
    seq: int
    book: str
    kind: str
    buy_order: int | None
    sell_order: int | None
    buyer: int
    seller: int
    ticks: int
    lots: int
    units: int
    amount: Decimal
    trade_day: date
    settles_on: date
    status: str
    currency: str
    asset: str
    agreed: list[str] = field(default_factory=list)   # sides that agreed to retry a failed one
    repo_id: int | None = None       # both legs of a repo carry the opening leg's id

    def to_dict(self) -> dict:
        out = dict(self.__dict__)
        out.update(agreed=list(self.agreed), amount=str(self.amount), trade_day=self.trade_day.isoformat(),
                   settles_on=self.settles_on.isoformat())
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "Trade":
        return cls(**{**data, "amount": Decimal(data["amount"]),
                      "trade_day": date.fromisoformat(data["trade_day"]),
                      "settles_on": date.fromisoformat(data["settles_on"])})


@dataclass
class Effects:
    """What one event changed, for the projection tables."""
    trades: list[Trade] = field(default_factory=list)
    orders: dict[int, Order] = field(default_factory=dict)
    ledgers: set[tuple[int, str]] = field(default_factory=set)
    all_ledgers: bool = False


class Market:
    """The books, live orders, ledgers and unsettled deals of the whole market."""

    def __init__(self) -> None:
        self.today: date | None = None
        self.dates: dict[str, date] = {}             # settlement code → today's settlement date
        self.books: dict[str, Book] = {}
        self.orders: dict[int, Order] = {}           # live orders only
        self.ledgers: dict[tuple[int, str], Ledger] = {}
        self.pending: dict[int, Trade] = {}          # deals not yet settled, or failed
        self.next_trade = 1
        self.seq = 0

    # -- the one entry point --------------------------------------------------------------

    def apply(self, seq: int, event: dict) -> Effects:
        """Fold one journaled event in; events must arrive in sequence order."""
        if seq <= self.seq:
            raise ValueError(f"event {seq} is not after {self.seq}")
        self.seq = seq
        effects = Effects()
        getattr(self, "_on_" + event["kind"])(event, effects)
        return effects

    # -- checks used by the sequencer before an event is journaled --------------------------

    def check_cover(self, account: int, book_key: str, side: int, ticks: int, lots: int) -> None:
        """Full cover: the obligation must leave planned and planned T+n at ≥ 0 (App.6 §1)."""
        book = self.books[book_key]
        asset, amount = self._obligation(book.terms, side, ticks, lots)
        # A trial on a spare ledger for a new account: a check must not add a ledger that a
        # replay of the journal would not have.
        ledger = self.ledgers.get((account, asset)) or Ledger()
        day = self.dates[book.code]
        ledger.add(ledger.blocked, day, amount)
        try:
            short = ledger.lowest(self.today)
        finally:
            ledger.add(ledger.blocked, day, -amount)
        if short < 0:
            raise MarketRefusal("insufficient_cover", asset=asset, needed=amount,
                                available=amount + short)

    def check_amend(self, order_id: int, ticks: int, lots: int) -> None:
        order = self.live_order(order_id)
        if order.kind != "limit":
            raise MarketRefusal("not_amendable")
        if lots <= 0:
            raise MarketRefusal("bad_lots")
        if ticks == order.ticks and lots == order.remaining:
            raise MarketRefusal("nothing_changed")
        if ticks == order.ticks and lots < order.remaining:
            return
        # The amended order is blocked anew, so its old block is given back for the check.
        remaining = order.remaining
        self._set_remaining(order, 0)
        try:
            self.check_cover(order.account, order.book, order.side, ticks, lots)
        finally:
            self._set_remaining(order, remaining)

    def live_order(self, order_id: int) -> Order:
        order = self.orders.get(order_id)
        if order is None:
            raise MarketRefusal("order_not_active")
        return order

    def ledger(self, account: int, asset: str) -> Ledger:
        key = (account, asset)
        ledger = self.ledgers.get(key)
        if ledger is None:
            ledger = self.ledgers[key] = Ledger()
        return ledger

    # -- snapshots --------------------------------------------------------------------------

    def to_snapshot(self) -> dict:
        """Everything `from_snapshot` needs; plain JSON types, in a stable order."""
        return {
            "seq": self.seq, "next_trade": self.next_trade,
            "today": self.today and self.today.isoformat(),
            "dates": {code: day.isoformat() for code, day in sorted(self.dates.items())},
            "books": [{"key": b.key, "code": b.code, "terms": b.terms.to_dict(),
                       "live": b.engine.live_orders()} for b in self.books.values()],
            "orders": [_order_dict(o) for o in self.orders.values()],
            "ledgers": [[account, asset, ledger.to_dict()]
                        for (account, asset), ledger in sorted(self.ledgers.items())],
            "pending": [trade.to_dict() for trade in self.pending.values()],
        }

    @classmethod
    def from_snapshot(cls, data: dict) -> "Market":
        market = cls()
        market.seq, market.next_trade = data["seq"], data["next_trade"]
        market.today = _day(data["today"])
        market.dates = {code: date.fromisoformat(day) for code, day in data["dates"].items()}
        for item in data["books"]:
            market.books[item["key"]] = Book(item["key"], item["code"], Terms.from_dict(item["terms"]),
                                             OrderBook.restore([tuple(o) for o in item["live"]]))
        for item in data["orders"]:
            order = Order(**{**item, "settles_on": date.fromisoformat(item["settles_on"]),
                             "expires_on": _day(item["expires_on"])})
            market.orders[order.order_id] = order
        for account, asset, ledger in data["ledgers"]:
            market.ledgers[(account, asset)] = Ledger.from_dict(ledger)
        for item in data["pending"]:
            trade = Trade.from_dict(item)
            market.pending[trade.trade_id] = trade
        return market

    # -- day events -----------------------------------------------------------------------

    def _on_open_day(self, event: dict, effects: Effects) -> None:
        self.today = date.fromisoformat(event["day"])
        self.dates = {code: date.fromisoformat(d) for code, d in event["dates"].items()}
        for order in self.orders.values():          # orders with an expiry date live on
            self._block(order, order.remaining, 0)
            order.settles_on = self.dates[self.books[order.book].code]
            self._block(order, 0, order.remaining)
        # After re-dating: releasing a block at a date the roll had dropped would leave a
        # negative block behind at that past date.
        for ledger in self.ledgers.values():
            ledger.roll(self.today)
        effects.all_ledgers = True

    def _on_balance(self, event: dict, effects: Effects) -> None:
        key = (event["account"], event["asset"])
        self.ledger(*key).incoming = Decimal(event["amount"])
        effects.ledgers.add(key)

    def _on_terms(self, event: dict, effects: Effects) -> None:
        terms = Terms.from_dict(event["terms"])
        book = self.books.get(event["book"])
        if book is None:
            self.books[event["book"]] = Book(event["book"], event["code"], terms)
        else:
            book.terms = terms

    def _on_close(self, event: dict, effects: Effects) -> None:
        """Session end: orders valid for the day are cancelled; dated ones stay to expiry."""
        day = date.fromisoformat(event["day"])
        for order in sorted(self.orders.values(), key=lambda o: o.order_id):
            if order.expires_on is None or order.expires_on <= day:
                self._finish(order, "expired", effects)

    # -- orders ---------------------------------------------------------------------------

    def _on_order(self, event: dict, effects: Effects) -> None:
        book = self.books[event["book"]]
        order = Order(event["id"], book.key, event["account"], SIDES[event["side"]],
                      event["type"], event.get("ticks", 0), event["lots"], event["lots"],
                      self.dates[book.code], event.get("block_ticks", event.get("ticks", 0)),
                      event.get("client"), _day(event.get("expires_on")))
        self.orders[order.order_id] = order
        self._block(order, 0, order.remaining)
        engine = book.engine
        if order.kind == "market":
            fills = engine.add_market(order.order_id, order.side, order.lots)
        else:
            fills = engine.add_limit(order.order_id, order.side, order.ticks, order.lots)
        self._fill(order, fills, effects)
        if order.kind == "market" and order.live:
            self._finish(order, "killed", effects)     # fill and kill: no remainder rests
        self._touch(order, effects)

    def _on_cancel(self, event: dict, effects: Effects) -> None:
        order = self.orders.get(event["id"])
        if order is not None:
            self._finish(order, event.get("status", "cancelled"), effects)

    def _on_amend(self, event: dict, effects: Effects) -> None:
        """A decrease keeps time priority; a new price or a larger quantity loses it."""
        order = self.orders[event["id"]]
        ticks, lots = event["ticks"], event["lots"]
        engine = self.books[order.book].engine
        if ticks == order.ticks and lots < order.remaining:
            engine.reduce(order.order_id, lots)
            self._set_remaining(order, lots)
            order.lots = order.filled + lots
            self._touch(order, effects)
            return
        engine.cancel(order.order_id)
        self._set_remaining(order, 0)
        order.ticks = order.block_ticks = ticks
        order.lots = order.filled + lots
        self._set_remaining(order, lots)
        fills = engine.add_limit(order.order_id, order.side, ticks, lots)
        self._fill(order, fills, effects)
        self._touch(order, effects)

    # -- direct (negotiated) deals ----------------------------------------------------------

    def _on_direct(self, event: dict, effects: Effects) -> None:
        """An addressed order: blocks the proposer's side until answered (App.6)."""
        book = self.books[event["book"]]
        order = Order(event["id"], book.key, event["account"], SIDES[event["side"]], "direct",
                      event["ticks"], event["lots"], event["lots"], self.dates[book.code],
                      event["ticks"], event.get("client"), counterparty=event["counterparty"],
                      status="offered")
        self.orders[order.order_id] = order
        self._block(order, 0, order.remaining)
        self._touch(order, effects)      # its block changes a ledger the tables must show

    def _on_direct_accept(self, event: dict, effects: Effects) -> None:
        offer = self.orders[event["offer"]]
        answer = Order(event["id"], offer.book, event["account"], 1 - offer.side, "direct",
                       offer.ticks, offer.lots, offer.lots, offer.settles_on, offer.ticks,
                       event.get("client"), counterparty=None, status="active")
        self.orders[answer.order_id] = answer
        self._block(answer, 0, answer.remaining)
        self._fill(answer, [(offer.order_id, answer.order_id, offer.ticks, offer.lots)],
                   effects, kind="direct")
        self._touch(answer, effects)

    def _on_direct_reject(self, event: dict, effects: Effects) -> None:
        self._finish(self.orders[event["offer"]], "rejected", effects)

    # -- settlement -----------------------------------------------------------------------

    def _on_settle(self, event: dict, effects: Effects) -> None:
        """Without a CCP: delivery versus payment deal by deal, in order of registration."""
        day = date.fromisoformat(event["day"])
        for trade in sorted(self.pending.values(), key=lambda t: t.trade_id):
            if trade.status == "pending" and trade.settles_on <= day:
                self._move(trade, effects, due=True, sign=-1)
                self._deliver(trade, effects)

    def _on_settle_retry(self, event: dict, effects: Effects) -> None:
        """A retry needs both sides (or the exchange for them): each agreement is an event."""
        trade = self.pending[event["trade"]]
        side = event.get("side")
        if side is not None and side not in trade.agreed:
            trade.agreed = sorted({*trade.agreed, side})
        if side is None or trade.agreed == ["buyer", "seller"]:
            trade.agreed = []
            self._deliver(trade, effects)
        else:
            effects.trades.append(trade)

    def _on_settle_cancel(self, event: dict, effects: Effects) -> None:
        trade = self.pending.pop(event["trade"])
        trade.status = "cancelled"
        effects.trades.append(trade)

    def _deliver(self, trade: Trade, effects: Effects) -> None:
        seller_has = self.ledger(trade.seller, trade.asset).current
        buyer_has = self.ledger(trade.buyer, trade.currency).current
        if seller_has >= trade.units and buyer_has >= trade.amount:
            self._move(trade, effects)
            trade.status = "settled"
            self.pending.pop(trade.trade_id, None)
        else:
            trade.status = "failed"
        effects.trades.append(trade)

    # -- mechanics ------------------------------------------------------------------------

    def _fill(self, taker: Order, fills, effects: Effects, kind: str = "book"):
        for maker_id, _taker_id, ticks, lots in fills:
            maker = self.orders[maker_id]
            buy, sell = (taker, maker) if taker.side == BUY else (maker, taker)
            self._reduce(maker, lots, effects)
            self._reduce(taker, lots, effects)
            if self.books[buy.book].terms.is_repo:
                effects.trades.extend(self._repo_trades(buy, sell, ticks, lots, kind, effects))
            else:
                effects.trades.append(self._trade(buy, sell, ticks, lots, kind, effects))
            self._touch(maker, effects)
            self._touch(buy, effects)
            self._touch(sell, effects)

    def _trade(self, buy: Order, sell: Order, ticks: int, lots: int, kind: str, effects):
        terms = self.books[buy.book].terms
        return self._register(buy.book, kind, buy, sell, ticks, lots, terms.amount(ticks, lots),
                              buy.settles_on, None, effects)

    def _repo_trades(self, borrower: Order, lender: Order, ticks: int, lots: int, kind: str,
                     effects) -> list[Trade]:
        """§31–32: both legs at once. The opening leg settles today (securities to the lender,
        So to the borrower); the closing leg, Sc for the same securities, on the closing date."""
        terms = self.books[borrower.book].terms
        open_sum = terms.opening_sum(lots)
        repo_id = self.next_trade
        opening = self._register(borrower.book, f"{kind}_repo_open", lender, borrower, ticks, lots,
                                 open_sum, self.today, repo_id, effects)
        closing = self._register(borrower.book, f"{kind}_repo_close", borrower, lender, ticks, lots,
                                 terms.closing_sum(open_sum, ticks), terms.closes_on, repo_id, effects)
        return [opening, closing]

    def _register(self, book: str, kind: str, buy: Order, sell: Order, ticks: int, lots: int,
                  amount: Decimal, settles_on: date, repo_id: int | None, effects) -> Trade:
        """A deal gets the next number, in order of registration, and is booked at once."""
        terms = self.books[book].terms
        trade = Trade(self.next_trade, self.seq, book, kind, buy.order_id, sell.order_id, buy.account,
                      sell.account, ticks, lots, lots * terms.lot_size, amount, self.today, settles_on,
                      "pending", terms.currency, terms.asset, repo_id=repo_id)
        self.next_trade += 1
        self._book(trade, effects)
        return trade

    def _book(self, trade: Trade, effects) -> None:
        if trade.settles_on <= self.today:
            self._move(trade, effects)
            trade.status = "settled"
        else:
            self._move(trade, effects, due=True)
            self.pending[trade.trade_id] = trade

    def _on_repo_close_early(self, event: dict, effects: Effects) -> None:
        """Early close of a direct repo: both sides agree (each agreement is an event, or the
        exchange records both); the closing leg then settles today for Scn = So + I."""
        leg = next(t for t in self.pending.values()
                   if t.repo_id == event["repo"] and t.kind.endswith("_close"))
        side = event.get("side")
        if side is not None:
            leg.agreed = sorted({*leg.agreed, "early:" + side})
        if side is not None and leg.agreed != ["early:buyer", "early:seller"]:
            effects.trades.append(leg)
            return
        leg.agreed = []
        self._move(leg, effects, due=True, sign=-1)
        leg.settles_on, leg.amount = self.today, Decimal(event["amount"])
        self._deliver(leg, effects)

    def _move(self, trade: Trade, effects: Effects, due: bool = False, sign: int = 1) -> None:
        """Money from buyer to seller, securities from seller to buyer: now (`moved`), or as
        due on the settlement date; `sign` −1 takes a booked due amount back."""
        for account, asset, amount in ((trade.buyer, trade.currency, -trade.amount),
                                       (trade.seller, trade.currency, trade.amount),
                                       (trade.buyer, trade.asset, Decimal(trade.units)),
                                       (trade.seller, trade.asset, -Decimal(trade.units))):
            ledger = self.ledger(account, asset)
            if due:
                ledger.add(ledger.due, trade.settles_on, sign * amount)
            else:
                ledger.moved += amount
            effects.ledgers.add((account, asset))

    def _reduce(self, order: Order, lots: int, effects: Effects) -> None:
        self._set_remaining(order, order.remaining - lots)
        order.filled += lots
        if not order.remaining:
            order.status = "filled"
            del self.orders[order.order_id]
        else:
            order.status = "partial"

    def _finish(self, order: Order, status: str, effects: Effects) -> None:
        self.books[order.book].engine.cancel(order.order_id)
        self._set_remaining(order, 0)
        order.status = status
        self.orders.pop(order.order_id, None)
        self._touch(order, effects)

    def _set_remaining(self, order: Order, lots: int) -> None:
        self._block(order, order.remaining, lots)
        order.remaining = lots

    def _block(self, order: Order, before_lots: int, after_lots: int) -> None:
        """Move the block from what `before_lots` need to what `after_lots` need: always the
        difference of two rounded totals, so blocking and releasing in any steps nets to 0."""
        if before_lots == after_lots:
            return
        terms = self.books[order.book].terms
        asset, before = self._obligation(terms, order.side, order.block_ticks, before_lots)
        _asset, after = self._obligation(terms, order.side, order.block_ticks, after_lots)
        ledger = self.ledger(order.account, asset)
        ledger.add(ledger.blocked, order.settles_on, after - before)

    @staticmethod
    def _obligation(terms: Terms, side: int, ticks: int, lots: int) -> tuple[str, Decimal]:
        """What an order blocks. On a repo book the rate's bid side is the borrower, who
        delivers securities at opening; the offer side lends the opening sum."""
        if terms.is_repo:
            if side == BUY:
                return terms.asset, Decimal(lots * terms.lot_size)
            return terms.currency, terms.opening_sum(lots)
        if side == BUY:
            return terms.currency, terms.amount(ticks, lots)
        return terms.asset, Decimal(lots * terms.lot_size)

    def _touch(self, order: Order, effects: Effects) -> None:
        effects.orders[order.order_id] = order
        asset, _amount = self._obligation(self.books[order.book].terms, order.side, 0, 0)
        effects.ledgers.add((order.account, asset))


def _order_dict(order: Order) -> dict:
    out = dict(order.__dict__)
    out.update(settles_on=order.settles_on.isoformat(),
               expires_on=order.expires_on and order.expires_on.isoformat())
    return out


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)
