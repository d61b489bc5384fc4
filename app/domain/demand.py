"""The summary register and the what-if explorer (SPEC §2 steps 6–7, §8 demand parameters).

Quantities are whole securities; the service converts them to money or face value. Yields and
the money of one security come from callables the service passes (`yield_of(price)`,
`unit_money_of(price)`), so the conventions of SPEC §7 stay out of here. An average is given
only when every price it covers has a yield.
"""
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import groupby

from app.domain.allocation import (
    EXACT,
    PRICE,
    PRICE_PLACES,
    QUANTITY,
    AllocationError,
    Bid,
    LimitBidWithoutPrice,
    Pricing,
    check_volume_and_fill,
    exact_sum,
    market_shares,
    pro_rata_shares,
    round_half_up,
    satisfied_ratio,
    sort_best_first,
    split_bids,
    weighted_average,
)

YieldOf = Callable[[Decimal], Decimal | None]
UnitMoneyOf = Callable[[Decimal], Fraction]  # tenge per security at a price, exact, unrounded
PERCENT_PLACES = 2
RATIO_PLACES = 4
VOLUME_BELOW_BETTER_DEMAND = "volume_below_better_demand"


class NonPositiveDeclaredQuantity(AllocationError):
    pass


@dataclass(frozen=True)
class Level:
    """One price of the summary register; cumulative figures include every better price."""

    price: Decimal
    yield_pct: Decimal | None
    bid_count: int
    quantity: int
    cumulative_quantity: int
    cumulative_percent: Decimal  # of the declared quantity, 2 dp


@dataclass(frozen=True)
class Spread:
    minimum: Decimal | None
    maximum: Decimal | None
    weighted_average: Decimal | None  # by quantity, 4 dp


NO_SPREAD = Spread(None, None, None)


@dataclass(frozen=True)
class DemandFigures:
    """SPEC §8 demand parameters in quantity terms. "Active" = not withdrawn, confirmed."""

    participants: int
    bids_all: int
    limit_bids_all: int
    market_bids_all: int
    bids_active: int
    limit_bids_active: int
    market_bids_active: int
    limit_quantity_active: int
    market_quantity_active: int
    demand_to_supply: Decimal          # active quantity / declared quantity, 4 dp
    prices_all: Spread                 # limit bids
    prices_active: Spread              # active limit bids
    yields_active: Spread              # active limit bids; NO_SPREAD without yield_of
    investor_shares: dict[str, Decimal]  # % of active quantity, 2 dp, by investor type


@dataclass(frozen=True)
class Scenario:
    """What allocate() gives for one candidate cut-off price (same rules, same rounding)."""

    cutoff_price: Decimal
    yield_at_cutoff: Decimal | None
    placed_quantity: int
    percent_of_plan: Decimal             # placed / declared × 100, 2 dp
    weighted_average_price: Decimal | None
    weighted_average_yield: Decimal | None  # of satisfied limit bids, 4 dp
    pro_rata_ratio: Decimal | None
    satisfied_bids: int
    satisfied_bidders: int
    money_raised: Decimal                # Σ over fills of quantity × unit money, each to the tiyn
    feasible: bool
    problem: str | None


def price_levels(bids: Iterable[Bid], declared_quantity: int, higher_is_better: bool = True,
                 yield_of: YieldOf | None = None) -> list[Level]:
    """Limit bids grouped by price, best price first."""
    _check_declared(declared_quantity)
    levels, cumulative = [], 0
    for price, level in groupby(_limits_best_first(bids, higher_is_better), key=PRICE):
        level = list(level)
        quantity = sum(map(QUANTITY, level))
        cumulative += quantity
        levels.append(Level(price, yield_of(price) if yield_of else None, len(level), quantity,
                            cumulative, percent(cumulative, declared_quantity)))
    return levels


def curve_points(levels: Sequence[Level]) -> list[tuple[Decimal, int]]:
    """(price, cumulative quantity) per level, best first: the demand curve."""
    return [(level.price, level.cumulative_quantity) for level in levels]


def demand_figures(all_bids: Iterable[Bid], active_bids: Iterable[Bid], declared_quantity: int,
                   yield_of: YieldOf | None = None) -> DemandFigures:
    _check_declared(declared_quantity)
    all_limits, all_markets = _split_priced(all_bids)
    limits, markets = _split_priced(active_bids)
    limit_quantity, market_quantity = sum(map(QUANTITY, limits)), sum(map(QUANTITY, markets))
    return DemandFigures(
        participants=len({bid.participant_id for bid in limits + markets}),
        bids_all=len(all_limits) + len(all_markets),
        limit_bids_all=len(all_limits),
        market_bids_all=len(all_markets),
        bids_active=len(limits) + len(markets),
        limit_bids_active=len(limits),
        market_bids_active=len(markets),
        limit_quantity_active=limit_quantity,
        market_quantity_active=market_quantity,
        demand_to_supply=round_half_up(Fraction(limit_quantity + market_quantity, declared_quantity),
                                       RATIO_PLACES),
        prices_all=spread([(bid.price, bid.quantity) for bid in all_limits]),
        prices_active=spread([(bid.price, bid.quantity) for bid in limits]),
        yields_active=_yield_spread(limits, yield_of),
        investor_shares=_investor_shares(limits + markets),
    )


def spread(pairs: Sequence[tuple[Decimal | None, int]]) -> Spread:
    """Min, max and quantity-weighted average of (value, quantity) pairs; NO_SPREAD when empty
    or when a value is missing."""
    if not pairs or any(value is None for value, _quantity in pairs):
        return NO_SPREAD
    values = [value for value, _quantity in pairs]
    amount = exact_sum(EXACT.multiply(value, quantity) for value, quantity in pairs)
    return Spread(min(values), max(values), weighted_average(amount, sum(q for _v, q in pairs)))


def percent(part: int, whole: int) -> Decimal:
    return round_half_up(Fraction(part * 100, whole), PERCENT_PLACES)


def explore(bids: Iterable[Bid], declared_quantity: int, volume: int, market_fill: Decimal = Decimal(1),
            pricing: Pricing = Pricing.MULTIPLE, higher_is_better: bool = True,
            yield_of: YieldOf | None = None, unit_money_of: UnitMoneyOf | None = None) -> list[Scenario]:
    """One scenario per distinct limit price (candidate cut-off), best first.

    One sort, then a sweep that carries the better levels' sums forward: O(n log n) plus the
    pro-rata work of each level. With `unit_money_of`, every fill's money is rounded to the tiyn
    on its own, as a deal's is; the fills whose price changes with the cut-off (market fills;
    under uniform pricing all fills) cost one integer division per distinct quantity per
    candidate."""
    _check_declared(declared_quantity)
    rate = check_volume_and_fill(volume, market_fill)
    limits, markets = _split_priced(bids)
    sort_best_first(limits, higher_is_better)
    money = _FillMoney(unit_money_of) if unit_money_of else None
    sweep = _Sweep(declared_quantity, volume, pricing, yield_of, money, markets,
                   market_shares(markets, rate))
    scenarios = []
    for price, level in groupby(limits, key=PRICE):
        level = list(level)
        level_yield = yield_of(price) if yield_of else None
        scenarios.append(sweep.scenario(price, level_yield, level))
        sweep.absorb(level, level_yield)
    return scenarios


class _Sweep:
    """The satisfied part above the current candidate: every better limit bid in full, plus
    the market fills (the same at every cut-off)."""

    def __init__(self, declared_quantity, volume, pricing, yield_of, money, markets, market_quantities):
        self.declared, self.volume, self.pricing = declared_quantity, volume, pricing
        self.yield_of, self.money = yield_of, money
        market_fills = [(bid, quantity) for bid, quantity in zip(markets, market_quantities) if quantity]
        self.market_quantity = sum(market_quantities)
        self.market_count = len(market_fills)
        self.bidders = {bid.participant_id for bid, _quantity in market_fills}
        # Quantities of the fills re-priced at each candidate, counted by size.
        self.repriced = Counter(quantity for _bid, quantity in market_fills)
        self.better_quantity = self.better_count = 0
        self.better_amount = Decimal(0)         # Σ own price × quantity
        self.better_yield_amount = Decimal(0)   # Σ yield × quantity
        self.better_yields_known = True
        self.fixed_tiyn = 0                     # Σ money at own price (multiple pricing)
        self.market_tiyn: dict[Decimal, int] = {}  # market fills' money by the price they get

    def absorb(self, level: list[Bid], level_yield: Decimal | None) -> None:
        """The level becomes a better level for every worse candidate."""
        quantity = sum(map(QUANTITY, level))
        self.better_quantity += quantity
        self.better_count += len(level)
        self.bidders.update(bid.participant_id for bid in level)
        self.better_amount = EXACT.add(self.better_amount, EXACT.multiply(level[0].price, quantity))
        if level_yield is None:
            self.better_yields_known = False
        else:
            self.better_yield_amount = EXACT.add(self.better_yield_amount, EXACT.multiply(level_yield, quantity))
        if self.pricing is Pricing.UNIFORM:
            self.repriced.update(map(QUANTITY, level))
        elif self.money is not None:
            self.fixed_tiyn += self.money.tiyn(level[0].price, Counter(map(QUANTITY, level)).items())

    def scenario(self, price: Decimal, level_yield: Decimal | None, level: list[Bid]) -> Scenario:
        left = self.volume - self.better_quantity - self.market_quantity
        if left < 0:
            return _infeasible(price, level_yield)
        at_fills = [(bid, quantity) for bid, quantity in
                    zip(level, pro_rata_shares([bid.quantity for bid in level], left)) if quantity]
        at_quantity = sum(quantity for _bid, quantity in at_fills)
        limit_quantity = self.better_quantity + at_quantity
        average = self._average_price(price, at_quantity, limit_quantity)
        market_price = price if average is None or self.pricing is Pricing.UNIFORM else average
        placed = limit_quantity + self.market_quantity
        return Scenario(
            cutoff_price=price,
            yield_at_cutoff=level_yield,
            placed_quantity=placed,
            percent_of_plan=percent(placed, self.declared),
            weighted_average_price=average,
            weighted_average_yield=self._average_yield(level_yield, at_quantity, limit_quantity),
            pro_rata_ratio=satisfied_ratio(at_quantity, sum(map(QUANTITY, level))),
            satisfied_bids=self.better_count + len(at_fills) + self.market_count,
            satisfied_bidders=len(self.bidders) + len({bid.participant_id for bid, _quantity in at_fills}
                                                      - self.bidders),
            money_raised=self._money_raised(price, market_price, at_fills, placed),
            feasible=True,
            problem=None,
        )

    def _average_price(self, price: Decimal, at_quantity: int, limit_quantity: int) -> Decimal | None:
        if not limit_quantity:
            return None
        if self.pricing is Pricing.UNIFORM:
            return round_half_up(Fraction(price), PRICE_PLACES)
        return weighted_average(EXACT.add(self.better_amount, EXACT.multiply(price, at_quantity)), limit_quantity)

    def _average_yield(self, level_yield: Decimal | None, at_quantity: int, limit_quantity: int) -> Decimal | None:
        if self.yield_of is None or not limit_quantity:
            return None
        if self.pricing is Pricing.UNIFORM:
            return None if level_yield is None else round_half_up(Fraction(level_yield), PRICE_PLACES)
        if not self.better_yields_known or (at_quantity and level_yield is None):
            return None
        at_amount = EXACT.multiply(level_yield, at_quantity) if at_quantity else 0
        return weighted_average(EXACT.add(self.better_yield_amount, at_amount), limit_quantity)

    def _money_raised(self, price: Decimal, market_price: Decimal, at_fills: list[tuple[Bid, int]],
                      placed: int) -> Decimal:
        uniform = self.pricing is Pricing.UNIFORM
        if self.money is None:  # price × quantity: sums of quantities suffice
            if uniform:
                return EXACT.multiply(price, placed)
            at_amount = EXACT.multiply(price, placed - self.better_quantity - self.market_quantity)
            return exact_sum((self.better_amount, at_amount, EXACT.multiply(market_price, self.market_quantity)))
        repriced = self.money.tiyn(price, self.repriced.items()) if uniform else self._market_tiyn(market_price)
        at_money = self.money.tiyn(price, ((quantity, 1) for _bid, quantity in at_fills))
        return Decimal(self.fixed_tiyn + repriced + at_money).scaleb(-2, EXACT)

    def _market_tiyn(self, market_price: Decimal) -> int:
        """Under multiple pricing the market fills are fixed and neighbouring candidates often
        share a weighted average price (4 dp): price them once per average."""
        if market_price not in self.market_tiyn:
            self.market_tiyn[market_price] = self.money.tiyn(market_price, self.repriced.items())
        return self.market_tiyn[market_price]


class _FillMoney:
    """Money of fills in whole tiyn, each fill rounded half up on its own (SPEC §7). Integer
    arithmetic on the exact unit money: a Decimal product per fill made the explorer spend
    nearly all its time re-pricing market fills at every candidate."""

    def __init__(self, unit_money_of: UnitMoneyOf):
        self.unit_money_of = unit_money_of

    def tiyn(self, price: Decimal, quantities: Iterable[tuple[int, int]]) -> int:
        """Σ count × round_half_up(quantity × unit money × 100) over (quantity, count) pairs."""
        unit = Fraction(self.unit_money_of(price))
        scale, half, whole = 200 * unit.numerator, unit.denominator, 2 * unit.denominator
        return sum([count * ((scale * quantity + half) // whole) for quantity, count in quantities])


def _infeasible(price: Decimal, level_yield: Decimal | None) -> Scenario:
    """allocate() refuses this cut-off: the better bids alone exceed the volume."""
    return Scenario(price, level_yield, 0, Decimal("0.00"), None, None, None, 0, 0, Decimal(0),
                    feasible=False, problem=VOLUME_BELOW_BETTER_DEMAND)


def _check_declared(declared_quantity: int) -> None:
    if declared_quantity <= 0:
        raise NonPositiveDeclaredQuantity(f"declared quantity must be positive, got {declared_quantity}")


def _split_priced(bids: Iterable[Bid]) -> tuple[list[Bid], list[Bid]]:
    limits, markets = split_bids(bids)
    if any(bid.price is None for bid in limits):
        raise LimitBidWithoutPrice("every limit bid must have a price")
    return limits, markets


def _limits_best_first(bids: Iterable[Bid], higher_is_better: bool) -> list[Bid]:
    limits, _markets = _split_priced(bids)
    sort_best_first(limits, higher_is_better)
    return limits


def _yield_spread(limits: list[Bid], yield_of: YieldOf | None) -> Spread:
    if yield_of is None:
        return NO_SPREAD
    yields = {bid.price: yield_of(bid.price) for bid in limits}
    return spread([(yields[bid.price], bid.quantity) for bid in limits])


def _investor_shares(bids: list[Bid]) -> dict[str, Decimal]:
    total = sum(map(QUANTITY, bids))
    by_type = Counter()
    for bid in bids:
        by_type[bid.investor_type] += bid.quantity
    return {kind: percent(by_type[kind], total) for kind in sorted(by_type)} if total else {}
