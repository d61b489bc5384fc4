"""Continuous double auction: one order book, price-time priority (SPEC §4).

Prices are integer ticks (price ÷ the instrument's price step), quantities integer lots,
order ids integers handed out by the sequencer, so the book needs no clock, no random and no
Decimal: the same calls in the same order give the same fills.  A fill is the tuple
``(maker_id, taker_id, price_ticks, lots)`` and always trades at the resting (maker's) price.

The layout is a dict of price → deque per side plus a heap of prices for the best level.  A
cancelled order is zeroed in place and skipped when matching reaches it, so cancel is O(1);
an order is the list ``[lots, order_id, side, price_ticks]`` so a partial fill or a
priority-keeping decrease edits it where it stands in its queue.
"""

from __future__ import annotations

from collections import deque
from heapq import heappop, heappush

BUY, SELL = 0, 1
NO_FILLS: tuple = ()


class OrderBook:
    """One instrument's book in one trading mode."""

    __slots__ = ("orders", "bids", "asks", "bid_heap", "ask_heap")
    name = "auction-desk"

    def __init__(self) -> None:
        self.orders: dict[int, list] = {}
        self.bids: dict[int, deque] = {}
        self.asks: dict[int, deque] = {}
        self.bid_heap: list[int] = []  # negated prices: heap[0] is the best bid
        self.ask_heap: list[int] = []

    def add_limit(self, order_id: int, side: int, price: int, lots: int):
        """Match against the other side up to ``price``; rest what is left."""
        fills = None
        orders = self.orders
        if side:
            heap, levels, sign = self.bid_heap, self.bids, -1
        else:
            heap, levels, sign = self.ask_heap, self.asks, 1
        while heap:
            level_price = heap[0] * sign
            if (level_price < price) if side else (level_price > price):
                break
            queue = levels[level_price]
            while queue:
                maker = queue[0]
                maker_lots = maker[0]
                if not maker_lots:
                    queue.popleft()
                    continue
                if fills is None:
                    fills = []
                if maker_lots <= lots:
                    fills.append((maker[1], order_id, level_price, maker_lots))
                    lots -= maker_lots
                    maker[0] = 0
                    queue.popleft()
                    del orders[maker[1]]
                    if not lots:
                        break
                else:
                    fills.append((maker[1], order_id, level_price, lots))
                    maker[0] = maker_lots - lots
                    lots = 0
                    break
            if not queue:
                del levels[level_price]
                heappop(heap)
            if not lots:
                return fills
        if side:
            own, own_heap, key = self.asks, self.ask_heap, price
        else:
            own, own_heap, key = self.bids, self.bid_heap, -price
        order = [lots, order_id, side, price]
        orders[order_id] = order
        queue = own.get(price)
        if queue is None:
            own[price] = queue = deque()
            heappush(own_heap, key)
        queue.append(order)
        return fills or NO_FILLS

    def add_market(self, order_id: int, side: int, lots: int):
        """Fill and kill: take what the other side holds, drop the remainder."""
        if side:
            return self._sweep(order_id, self.bid_heap, self.bids, -1, lots)
        return self._sweep(order_id, self.ask_heap, self.asks, 1, lots)

    def _sweep(self, order_id, heap, levels, sign, lots):
        fills = []
        orders = self.orders
        while lots and heap:
            level_price = heap[0] * sign
            queue = levels[level_price]
            while queue:
                maker = queue[0]
                maker_lots = maker[0]
                if not maker_lots:
                    queue.popleft()
                    continue
                if maker_lots <= lots:
                    fills.append((maker[1], order_id, level_price, maker_lots))
                    lots -= maker_lots
                    maker[0] = 0
                    queue.popleft()
                    del orders[maker[1]]
                    if not lots:
                        break
                else:
                    fills.append((maker[1], order_id, level_price, lots))
                    maker[0] = maker_lots - lots
                    lots = 0
                    break
            if not queue:
                del levels[level_price]
                heappop(heap)
        return fills

    def cancel(self, order_id: int) -> bool:
        order = self.orders.pop(order_id, None)
        if order is None:
            return False
        order[0] = 0
        return True

    def reduce(self, order_id: int, lots: int) -> bool:
        """A decrease keeps the order's place in its queue (issue: amend rules)."""
        order = self.orders.get(order_id)
        if order is None or not 0 < lots < order[0]:
            return False
        order[0] = lots
        return True

    def close(self) -> None:
        """Part of the benchmark harness's adapter interface; the book holds no resources."""

    # -- reading the book (not on the hot path) -------------------------------------------

    def remaining(self, order_id: int) -> int:
        order = self.orders.get(order_id)
        return order[0] if order else 0

    def live_orders(self) -> list[tuple[int, int, int, int]]:
        """(order_id, side, price, lots) in priority order: bids best first, then asks."""
        out = []
        for levels, prices in ((self.bids, sorted(self.bids, reverse=True)),
                               (self.asks, sorted(self.asks))):
            for price in prices:
                out.extend((o[1], o[2], o[3], o[0]) for o in levels[price] if o[0])
        return out

    def depth(self, side: int, levels: int = 10) -> list[tuple[int, int, int]]:
        """Best ``levels`` price levels of one side as (price, lots, order count)."""
        book = self.bids if side == BUY else self.asks
        out = []
        for price in sorted(book, reverse=side == BUY):
            live = [o[0] for o in book[price] if o[0]]
            if live:
                out.append((price, sum(live), len(live)))
                if len(out) == levels:
                    break
        return out

    def best(self, side: int) -> int | None:
        level = self.depth(side, 1)
        return level[0][0] if level else None

    @classmethod
    def restore(cls, live: list[tuple[int, int, int, int]]) -> "OrderBook":
        """Rebuild from ``live_orders()`` output (a snapshot): no fills can occur."""
        book = cls()
        for order_id, side, price, lots in live:
            book.add_limit(order_id, side, price, lots)
        return book
