"""Positions of a trading-clearing account (App.6 §1), one per currency or instrument.

A ledger keeps raw facts; the five positions are derived from them:

- incoming: the balance carried from the previous day or loaded at the start of the day;
- current  = incoming + everything moved today (T0 deals, settled T+n deals, transfers);
- planned  = current − obligations of active orders settling today;
- settlement = planned + net of unsettled deals settling today;
- planned T+n for each later date = the previous date's figure + that date's deal net −
  that date's active-order obligations (the first one starts from the settlement position).

Full cover (issue 5): no order may leave the planned or any planned T+n position below zero.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

ZERO = Decimal(0)


@dataclass
class Ledger:
    incoming: Decimal = ZERO
    moved: Decimal = ZERO
    due: dict[date, Decimal] = field(default_factory=dict)       # unsettled deal net by date
    blocked: dict[date, Decimal] = field(default_factory=dict)   # active orders by date

    @property
    def current(self) -> Decimal:
        return self.incoming + self.moved

    def planned(self, today: date) -> Decimal:
        return self.current - self.blocked.get(today, ZERO)

    def settlement(self, today: date) -> Decimal:
        return self.planned(today) + self.due.get(today, ZERO)

    def planned_ahead(self, today: date) -> list[tuple[date, Decimal]]:
        """Planned T+n for every later date that has a deal or an order."""
        running = self.settlement(today)
        out = []
        for day in sorted({*self.due, *self.blocked}):
            if day > today:
                running += self.due.get(day, ZERO) - self.blocked.get(day, ZERO)
                out.append((day, running))
        return out

    def lowest(self, today: date) -> Decimal:
        """The lowest of planned, settlement (= planned T+n of today's date, App.6 §1) and every
        later planned T+n: what full cover keeps at ≥ 0."""
        return min([self.planned(today), self.settlement(today),
                    *(value for _day, value in self.planned_ahead(today))])

    def add(self, book: dict[date, Decimal], day: date, amount: Decimal) -> None:
        value = book.get(day, ZERO) + amount
        if value:
            book[day] = value
        else:
            book.pop(day, None)

    def to_dict(self) -> dict:
        return {"incoming": str(self.incoming), "moved": str(self.moved),
                "due": {d.isoformat(): str(v) for d, v in sorted(self.due.items())},
                "blocked": {d.isoformat(): str(v) for d, v in sorted(self.blocked.items())}}

    @classmethod
    def from_dict(cls, data: dict) -> "Ledger":
        return cls(Decimal(data["incoming"]), Decimal(data["moved"]),
                   {date.fromisoformat(d): Decimal(v) for d, v in data["due"].items()},
                   {date.fromisoformat(d): Decimal(v) for d, v in data["blocked"].items()})

    def roll(self, today: date) -> None:
        """A new trading day: the current position becomes incoming; past dates are gone."""
        self.incoming, self.moved = self.current, ZERO
        self.due = {d: v for d, v in self.due.items() if d >= today}
        self.blocked = {d: v for d, v in self.blocked.items() if d >= today}
