"""Allocation of an auction's bids at the initiator's cut-off price (SPEC §2 "Allocation methods").

Units: a price is a Decimal (clean price in % of face value, or a rate in a coupon-rate
auction); a quantity is a whole number of securities. "Better" means a higher price when
`higher_is_better` (placement, sale) and a lower one otherwise (purchase, buyback, rates).

Everything is exact: pro-rata shares are integer ratios, averages are rounded once from exact
fractions, so the same bids in any order give the same allocation.
"""
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal
from enum import StrEnum
from fractions import Fraction
from heapq import nsmallest
from itertools import groupby
from operator import attrgetter

PRICE_PLACES = 4
RATIO_PLACES = 6
# Wide enough that sums of products of prices and quantities are never rounded.
EXACT = Context(prec=400)

QUANTITY = attrgetter("quantity")
PRICE = attrgetter("price")
TIME = attrgetter("priority", "bid_id")


class BidKind(StrEnum):
    LIMIT = "limit"
    MARKET = "market"


class Pricing(StrEnum):
    MULTIPLE = "multiple"  # limit bids at their own price
    UNIFORM = "uniform"    # all at the single cut-off price


class AllocationError(ValueError):
    """The allocation cannot be made as asked."""


class NonPositiveVolume(AllocationError):
    pass


class MarketFillOutOfRange(AllocationError):
    pass


class InvalidCutoffPrice(AllocationError):
    pass


class VolumeBelowBetterDemand(AllocationError):
    """The bids better than the cut-off (plus the market bids) already exceed the volume."""

    def __init__(self, volume: int, required: int, higher_is_better: bool):
        direction = "low" if higher_is_better else "high"
        super().__init__(
            f"volume {volume} is below the {required} securities demanded at prices better than the "
            f"cut-off (market bids included): the cut-off price is too {direction} for this volume")
        self.volume = volume
        self.required = required


class LimitBidWithoutPrice(AllocationError):
    pass


class NonPositiveQuantity(AllocationError):
    pass


class UnknownBidKind(AllocationError):
    pass


class DuplicateBid(AllocationError):
    pass


@dataclass(frozen=True, slots=True)
class Bid:
    bid_id: int
    participant_id: int
    kind: BidKind
    price: Decimal | None
    quantity: int
    priority: int            # time priority: lower = earlier
    investor_type: str = ""  # used only by demand figures


@dataclass(frozen=True, slots=True)
class Fill:
    bid_id: int
    participant_id: int
    quantity: int
    price: Decimal


@dataclass(frozen=True)
class Decision:
    cutoff_price: Decimal
    volume: int
    market_fill: Decimal = Decimal(1)  # share of the market-bid quantity executed, 0..1


@dataclass(frozen=True)
class Allocation:
    """`fills`: limit fills best bid price first, then time priority, then bid id; market fills
    after them by time priority. Only fills of at least one security are listed.
    `pro_rata_ratio`: share of the demand at the cut-off satisfied, 6 dp rounded down (so 1 only
    when fully satisfied); None when nothing was bid at the cut-off.
    `weighted_average_price`: of the satisfied limit bids, 4 dp half-up; None when none."""

    fills: tuple[Fill, ...]
    placed_quantity: int
    limit_quantity: int
    market_quantity: int
    pro_rata_ratio: Decimal | None
    weighted_average_price: Decimal | None


def allocate(bids: Iterable[Bid], decision: Decision, pricing: Pricing = Pricing.MULTIPLE,
             higher_is_better: bool = True) -> Allocation:
    """Limit bids better than the cut-off in full; market bids pro rata up to the execution rate;
    limit bids at the cut-off pro rata in what is left of the volume; nothing worse.

    Placed = min(volume, better + market + at the cut-off): less than the volume only when the
    demand runs out. Raises an AllocationError subclass for impossible input."""
    market_fill = check_decision(decision)
    limits, markets = split_bids(bids)
    cutoff = decision.cutoff_price
    better, at_cutoff = _partition(limits, cutoff, higher_is_better)
    market_quantities = market_shares(markets, market_fill)
    better_quantity, market_quantity = sum(map(QUANTITY, better)), sum(market_quantities)
    check_volume(decision.volume, better_quantity + market_quantity, higher_is_better)
    at_cutoff.sort(key=TIME)
    at_demand = [bid.quantity for bid in at_cutoff]
    at_quantities = pro_rata_shares(at_demand, decision.volume - better_quantity - market_quantity)
    at_quantity = sum(at_quantities)
    fills = _limit_fills(better, at_cutoff, at_quantities, pricing, cutoff, higher_is_better)
    average = _average_price(fills, better_quantity + at_quantity, cutoff, pricing)
    market_price = cutoff if average is None or pricing is Pricing.UNIFORM else average
    fills += [Fill(bid.bid_id, bid.participant_id, quantity, market_price)
              for bid, quantity in zip(markets, market_quantities) if quantity]
    return Allocation(
        fills=tuple(fills),
        placed_quantity=better_quantity + at_quantity + market_quantity,
        limit_quantity=better_quantity + at_quantity,
        market_quantity=market_quantity,
        pro_rata_ratio=satisfied_ratio(at_quantity, sum(at_demand)),
        weighted_average_price=average,
    )


def check_decision(decision: Decision) -> Fraction:
    """The market execution rate as an exact fraction, once the decision is known to be sound."""
    if not isinstance(decision.cutoff_price, Decimal) or not decision.cutoff_price.is_finite():
        raise InvalidCutoffPrice(f"cut-off price must be a finite decimal, got {decision.cutoff_price!r}")
    return check_volume_and_fill(decision.volume, decision.market_fill)


def check_volume_and_fill(volume: int, market_fill: Decimal | int) -> Fraction:
    if volume <= 0:
        raise NonPositiveVolume(f"volume must be positive, got {volume}")
    rate = Fraction(market_fill)
    if not 0 <= rate <= 1:
        raise MarketFillOutOfRange(f"market-bid execution rate must be between 0 and 1, got {market_fill}")
    return rate


def check_volume(volume: int, required: int, higher_is_better: bool) -> None:
    if volume < required:
        raise VolumeBelowBetterDemand(volume, required, higher_is_better)


def split_bids(bids: Iterable[Bid]) -> tuple[list[Bid], list[Bid]]:
    """(limit bids, market bids sorted by time priority), once every bid is known to be sound.

    A limit bid without a price is caught by the partition, which compares every price."""
    bids, limit, market = list(bids), BidKind.LIMIT, BidKind.MARKET  # locals: faster in the loops
    limits = [bid for bid in bids if bid.kind == limit]
    markets = [bid for bid in bids if bid.kind == market]
    if len(limits) + len(markets) != len(bids):
        raise UnknownBidKind("every bid must be a limit or a market bid")
    if bids and min(map(QUANTITY, bids)) <= 0:
        raise NonPositiveQuantity("every bid must be for at least one security")
    if len(set(map(attrgetter("bid_id"), bids))) != len(bids):
        raise DuplicateBid("bid ids must be unique")
    markets.sort(key=TIME)
    return limits, markets


def _partition(limits: list[Bid], cutoff: Decimal, higher_is_better: bool) -> tuple[list[Bid], list[Bid]]:
    try:
        if higher_is_better:
            better = [bid for bid in limits if bid.price > cutoff]
        else:
            better = [bid for bid in limits if bid.price < cutoff]
    except TypeError:
        raise LimitBidWithoutPrice("every limit bid must have a price") from None
    return better, [bid for bid in limits if bid.price == cutoff]


def sort_best_first(bids: list[Bid], higher_is_better: bool) -> None:
    """In place: best price first, then time priority, then bid id.

    Two stable sorts keep every key a single C-level comparison (no tuple of Decimals)."""
    bids.sort(key=TIME)
    bids.sort(key=PRICE, reverse=higher_is_better)


def market_shares(markets: Sequence[Bid], market_fill: Fraction) -> list[int]:
    """Quantities for the market bids (in time order): floor(Σ × rate) in all, pro rata."""
    demand = [bid.quantity for bid in markets]
    total = sum(demand)
    given = total * market_fill.numerator // market_fill.denominator
    return pro_rata_shares(demand, given)


def pro_rata_shares(demand: Sequence[int], available: int) -> list[int]:
    """Whole-security shares of `available` pro rata to `demand` (given in time order).

    Everyone in full when `available` covers the demand. Otherwise each gets the floor of its
    exact share, and the leftover units go one each by largest remainder, ties to the earlier
    position. Each share differs from the exact share by less than one."""
    total = sum(demand)
    if available >= total:
        return list(demand)
    shares, remainders = [], []
    for quantity in demand:
        share, remainder = divmod(quantity * available, total)
        shares.append(share)
        remainders.append(remainder)
    leftover = available - sum(shares)
    for index in nsmallest(leftover, range(len(demand)), key=lambda i: (-remainders[i], i)):
        shares[index] += 1
    return shares


def _limit_fills(better: list[Bid], at_cutoff: list[Bid], at_quantities: list[int], pricing: Pricing,
                 cutoff: Decimal, higher_is_better: bool) -> list[Fill]:
    """Best bid price first, then time priority, then bid id (`at_cutoff` comes in time order)."""
    better.sort(key=TIME)
    if pricing is Pricing.UNIFORM:
        better.sort(key=PRICE, reverse=higher_is_better)
        fills = [Fill(bid.bid_id, bid.participant_id, bid.quantity, cutoff) for bid in better]
    else:
        # Made in time order, then sorted on their own prices: the bids are read in the order
        # they were loaded, which is much kinder to the memory caches than reading them by price.
        fills = [Fill(bid.bid_id, bid.participant_id, bid.quantity, bid.price) for bid in better]
        fills.sort(key=PRICE, reverse=higher_is_better)
    fills += [Fill(bid.bid_id, bid.participant_id, quantity, cutoff if pricing is Pricing.UNIFORM else bid.price)
              for bid, quantity in zip(at_cutoff, at_quantities) if quantity]
    return fills


def _average_price(limit_fills: list[Fill], quantity: int, cutoff: Decimal, pricing: Pricing) -> Decimal | None:
    """Weighted average price of the limit fills (sorted by price), summed level by level."""
    if not quantity:
        return None
    if pricing is Pricing.UNIFORM:
        return round_half_up(Fraction(cutoff), PRICE_PLACES)
    amount = Decimal(0)
    for price, level in groupby(limit_fills, key=PRICE):
        amount = EXACT.add(amount, EXACT.multiply(price, sum(map(QUANTITY, level))))
    return weighted_average(amount, quantity)


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    total = Decimal(0)
    for value in values:
        total = EXACT.add(total, value)
    return total


def weighted_average(amount: Decimal | Fraction, quantity: int) -> Decimal:
    return round_half_up(Fraction(amount) / quantity, PRICE_PLACES)


def satisfied_ratio(satisfied: int, demand: int) -> Decimal | None:
    return round_down(Fraction(satisfied, demand), RATIO_PLACES) if demand else None


def round_half_up(value: Fraction, places: int) -> Decimal:
    """Half away from zero, like decimal.ROUND_HALF_UP, from an exact fraction."""
    scaled = abs(value) * 10 ** places
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    whole += 2 * rest >= scaled.denominator
    return Decimal(-whole if value < 0 else whole).scaleb(-places, EXACT)


def round_down(value: Fraction, places: int) -> Decimal:
    """Towards zero, like decimal.ROUND_DOWN."""
    whole = abs(value).numerator * 10 ** places // abs(value).denominator
    return Decimal(-whole if value < 0 else whole).scaleb(-places, EXACT)
