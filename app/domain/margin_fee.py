"""The margin fee (seed 003: margin borrowers pay the broker's tariff), pure: a daily rate on the
client's money debt and one on the value of the securities lent to it, for one business day.

    fee = D · r_m / 100 + L · r_s / 100,   rounded half up to the tiyn, once, on the sum

D is the money debt in KZT, Σ_c max(0, −m_c)·FX_c (a foreign currency's loan at the broker's FX
rate); L the lent value, Σ_i max(0, −Q_i)·P_i at the valuation prices of the margin figures
(`app.domain.margin`: the same planned positions, the same prices); r_m and r_s are percent per
day: Decimal("0.05") is 0.05 % a day. A long position or money held adds nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

from app.domain.margin import EXACT, HUNDRED, ZERO, MarginRuleBroken, Portfolio

TIYN = Decimal("0.01")
ROUNDING = Context(prec=100, rounding=ROUND_HALF_UP)   # wide enough never to round before the tiyn


@dataclass(frozen=True)
class FeeBase:
    """What the fee is charged on, in KZT, both ≥ 0."""
    money_debt: Decimal
    lent_value: Decimal

    @property
    def owes(self) -> bool:
        return self.money_debt > 0 or self.lent_value > 0


def fee_base(portfolio: Portfolio) -> FeeBase:
    with localcontext(EXACT):
        debt = sum((-row.amount * row.fx for row in portfolio.money if row.amount < 0), ZERO)
        lent = sum((-row.quantity * row.price for row in portfolio.positions if row.quantity < 0), ZERO)
    return FeeBase(debt, lent)


def exact_fee(base: FeeBase, money_rate: Decimal, securities_rate: Decimal) -> Decimal:
    """Unrounded: linear in each rate."""
    if money_rate < 0 or securities_rate < 0:
        raise MarginRuleBroken("negative_fee_rate", money_rate=money_rate, securities_rate=securities_rate)
    with localcontext(EXACT):
        return base.money_debt * money_rate / HUNDRED + base.lent_value * securities_rate / HUNDRED


def daily_fee(base: FeeBase, money_rate: Decimal, securities_rate: Decimal) -> Decimal:
    """The day's fee to the tiyn, half up."""
    return exact_fee(base, money_rate, securities_rate).quantize(TIYN, context=ROUNDING)
