"""Many clients' S and M0 kept current as prices move (margin.py's formula), pure and in memory:
the core of margin monitoring and the subject of bench/margin.py.

Each client's S and M0 are cached, and an index instrument → holders lets a price move touch
only the clients who hold it: ΔS = Q·ΔP and ΔM0 = |Q|·Δ(P·D), D the rate of the holding's side
(a stale flag moves D to 100 %, hence P·D, the same way). `revalue` recomputes everyone from
scratch. Both report the clients whose standing changed, so monitoring notifies once per
crossing and knows when a client is back above M0.

The book values every holding at its own price table (one price per instrument) and converts
money at its own FX table; it computes in margin.py's exact context, so a delta-updated total
equals the recomputed one to the last digit.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext

from app.domain.margin import (EXACT, HUNDRED, KZT, ZERO, MarginRuleBroken, Money, Portfolio,
                               Position, RateTable, Standing, standing_of)


@dataclass(frozen=True)
class Crossing:
    client: Hashable
    before: Standing
    after: Standing


class RiskBook:
    """Instruments and clients live in slots (list indices), so the hot loops index lists."""

    def __init__(self, rates: RateTable, prices: Mapping[Hashable, Decimal],
                 fx: Mapping[str, Decimal] | None = None, stale: Iterable[Hashable] = ()):
        self.rates = rates
        self.fx: dict[str, Decimal] = {KZT: Decimal(1), **(fx or {})}
        self._slot: dict[Hashable, int] = {}
        self._instruments: list[Hashable] = []
        self._price: list[Decimal] = []
        self._stale: list[bool] = []
        self._long: list[Decimal] = []       # a long security's margin: P·D_long / 100
        self._short: list[Decimal] = []      # a shorted security's margin: P·D_short / 100
        self._holders: list[dict[int, int]] = []
        self._loan: dict[str, Decimal] = {}  # a unit of money loan's margin: FX·D_c / 100
        self._client_slot: dict[Hashable, int] = {}
        self._clients: list[Hashable] = []
        self._holdings: list[dict[int, int]] = []
        self._money: list[dict[str, Decimal]] = []
        self._s: list[Decimal] = []
        self._m0: list[Decimal] = []
        self._standing: list[Standing] = []
        stale = set(stale)
        with localcontext(EXACT):
            self._price_loans()
            for instrument, price in prices.items():
                self._set_price(self._instrument_slot(instrument), price, instrument in stale)

    # -- reads ----------------------------------------------------------------------------

    def totals(self, client: Hashable) -> tuple[Decimal, Decimal]:
        """The client's S and M0."""
        slot = self._client_slot[client]
        return self._s[slot], self._m0[slot]

    def standing(self, client: Hashable) -> Standing:
        return self._standing[self._client_slot[client]]

    def holders(self, instrument: Hashable) -> int:
        return len(self._holders[self._slot[instrument]])

    def portfolio(self, client: Hashable) -> Portfolio:
        """The client as a `Portfolio`, for `margin.figures` (the Risks page's rows)."""
        slot = self._client_slot[client]
        positions = tuple(Position(self._instruments[i], q, self._price[i], stale=self._stale[i])
                          for i, q in self._holdings[slot].items())
        money = tuple(Money(currency, amount, self.fx[currency])
                      for currency, amount in self._money[slot].items())
        return Portfolio(positions, money)

    # -- changes --------------------------------------------------------------------------

    def put(self, client: Hashable, quantities: Mapping[Hashable, int],
            money: Mapping[str, Decimal]) -> list[Crossing]:
        """Load or replace one client's planned positions (securities) and money."""
        for currency in money:
            if currency not in self.fx:
                raise MarginRuleBroken("unknown_currency", currency=currency)
        for instrument in quantities:
            if instrument not in self._slot:
                raise MarginRuleBroken("no_price", instrument=instrument)
        slot = self._client_slot.get(client)
        if slot is None:
            slot = self._add_client(client)
        for i in self._holdings[slot]:
            del self._holders[i][slot]
        holdings = {self._slot[key]: q for key, q in quantities.items() if q}
        for i, q in holdings.items():
            self._holders[i][slot] = q
        self._holdings[slot], self._money[slot] = holdings, dict(money)
        with localcontext(EXACT):
            self._s[slot], self._m0[slot] = self._totals(holdings, self._money[slot])
        return self._restate([slot])

    def move_price(self, instrument: Hashable, price: Decimal, *, stale: bool = False) -> list[Crossing]:
        """A new valuation price (a trade, a close, a quote): only the holders are revalued."""
        i = self._instrument_slot(instrument)
        old_price, old_long, old_short = self._price[i], self._long[i], self._short[i]
        s, m0 = self._s, self._m0
        with localcontext(EXACT):
            self._set_price(i, price, stale)
            step, long_step, short_step = price - old_price, self._long[i] - old_long, self._short[i] - old_short
            holders = self._holders[i]
            for c, q in holders.items():
                s[c] += q * step
                m0[c] += q * long_step if q > 0 else -q * short_step
        return self._restate(holders)

    def revalue(self, prices: Mapping[Hashable, Decimal] | None = None,
                fx: Mapping[str, Decimal] | None = None, stale: Iterable[Hashable] | None = None,
                rates: RateTable | None = None) -> list[Crossing]:
        """Full revaluation: take the new tables given, then recompute every client."""
        self.rates = rates or self.rates
        self.fx.update(fx or {})
        stale = set(self._stale_keys() if stale is None else stale)
        prices = dict(zip(self._instruments, self._price)) | dict(prices or {})
        with localcontext(EXACT):
            self._price_loans()
            for instrument, price in prices.items():
                self._set_price(self._instrument_slot(instrument), price, instrument in stale)
            s, m0, totals = self._s, self._m0, self._totals
            for c, (holdings, money) in enumerate(zip(self._holdings, self._money)):
                s[c], m0[c] = totals(holdings, money)
        return self._restate(range(len(self._clients)))

    # -- internals ------------------------------------------------------------------------

    def _totals(self, holdings: dict[int, int], money: dict[str, Decimal]) -> tuple[Decimal, Decimal]:
        price, long, short, fx, loan = self._price, self._long, self._short, self.fx, self._loan
        s = m0 = ZERO
        for i, q in holdings.items():
            s += q * price[i]
            m0 += q * long[i] if q > 0 else -q * short[i]
        for currency, amount in money.items():
            s += amount * fx[currency]
            if amount < 0 and currency != KZT:
                m0 -= amount * loan[currency]
        return s, m0

    def _restate(self, slots: Iterable[int]) -> list[Crossing]:
        s, m0, standing, crossings = self._s, self._m0, self._standing, []
        for c in slots:
            now = standing_of(s[c], m0[c])
            if now is not standing[c]:
                crossings.append(Crossing(self._clients[c], standing[c], now))
                standing[c] = now
        return crossings

    def _set_price(self, i: int, price: Decimal, stale: bool) -> None:
        rate = self.rates.of(self._instruments[i])
        self._price[i], self._stale[i] = price, stale
        self._long[i] = price * (HUNDRED if stale else rate.long) / HUNDRED
        self._short[i] = price * (HUNDRED if stale else rate.short) / HUNDRED

    def _price_loans(self) -> None:
        self._loan = {currency: fx * self.rates.of_currency(currency) / HUNDRED
                      for currency, fx in self.fx.items()}

    def _stale_keys(self) -> list[Hashable]:
        return [key for key, stale in zip(self._instruments, self._stale) if stale]

    def _instrument_slot(self, instrument: Hashable) -> int:
        slot = self._slot.get(instrument)
        if slot is None:
            slot = self._slot[instrument] = len(self._instruments)
            self._instruments.append(instrument)
            for column in (self._price, self._long, self._short):
                column.append(ZERO)
            self._stale.append(False)
            self._holders.append({})
        return slot

    def _add_client(self, client: Hashable) -> int:
        slot = self._client_slot[client] = len(self._clients)
        self._clients.append(client)
        self._holdings.append({})
        self._money.append({})
        self._s.append(ZERO)
        self._m0.append(ZERO)
        self._standing.append(Standing.OK)
        return slot
