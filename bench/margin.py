"""Margin: the risk book's full and incremental revaluation and the pre-trade check, pure domain.

    python bench/margin.py [--clients 100000] [--runs 3] [--seed 20261207]

Builds N clients with 5 positions each over 500 instruments (seeded; about 6 % of the
positions short in shortable instruments, a quarter of the clients with a KZT loan, a fifth with
a USD row, half of those a USD loan), and one instrument held by exactly 1,000 clients. Times,
in one process:

- **full:** `RiskBook.revalue()` after every instrument's price moved (best of R, interleaved
  with the floor);
- **floor:** the plainest loop over the same positions and money computing every client's S and
  M0 with Decimal (price lookup, Q·P, |Q|·P·D by side, money × FX, loan × FX × D_c);
- **incremental:** `RiskBook.move_price()` of the instrument the 1,000 clients hold (median of
  21 moves);
- **pre-trade check:** `check_order()` for a client with 5 positions and 3 active orders,
  10,000 different new orders (p99 of the calls).

The floor's figures are checked against the book's, and the book after the incremental moves
against a full revaluation. Ends with the line
`clients=<n> seconds=<x> floor_seconds=<x> ratio=<r> incremental_ms=<x> precheck_p99_ms=<x>`.
"""
import argparse
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.domain.margin import (BUY, KZT, SELL, ZERO, Money, Order, Portfolio,  # noqa: E402
                               Position, Rate, RateTable, check_order)
from app.domain.margin_book import RiskBook  # noqa: E402

INSTRUMENTS = 500
POSITIONS = 5
HOT, HOT_HOLDERS = "I000", 1_000
USD, USD_RATE, USD_FX = "USD", Decimal(20), Decimal("512.35")
CENT = Decimal("0.01")


def make_rates(rng: random.Random) -> tuple[RateTable, dict[str, Decimal]]:
    """Three in five instruments marginal (25–50 % long), a third of those shortable (30–60 %)."""
    rates, prices = {}, {}
    for n in range(INSTRUMENTS):
        key = f"I{n:03d}"
        prices[key] = Decimal(rng.randint(10_000, 5_000_000)) * CENT
        if n == 0 or rng.random() < 0.6:
            shortable = n == 0 or rng.random() < 0.33
            rates[key] = Rate(Decimal(rng.randint(25, 50)), Decimal(rng.randint(30, 60)),
                              shortable=shortable)
    return RateTable(rates, {USD: USD_RATE}), prices


def make_clients(count: int, rates: RateTable, rng: random.Random) -> list[tuple[dict, dict]]:
    """(quantities, money) per client; HOT is held by exactly min(1,000, count) of them."""
    hot = set(rng.sample(range(count), min(HOT_HOLDERS, count)))
    others = [f"I{n:03d}" for n in range(1, INSTRUMENTS)]
    clients = []
    for c in range(count):
        keys = rng.sample(others, POSITIONS - (c in hot)) + ([HOT] if c in hot else [])
        quantities = {}
        for key in keys:
            quantity = rng.randint(1, 2_000)
            short = rates.of(key).shortable and rng.random() < 0.3
            quantities[key] = -quantity if short else quantity
        money = {KZT: Decimal(rng.randint(-3_000_000, 10_000_000)) * CENT}
        if rng.random() < 0.2:
            money[USD] = Decimal(rng.randint(-2_000_000, 2_000_000)) * CENT
        clients.append((quantities, money))
    return clients


def moved(prices: dict[str, Decimal], rng: random.Random) -> dict[str, Decimal]:
    """Every price moved by up to ±5 %, on the 0.01 step."""
    return {key: max(CENT, (price * Decimal(rng.randint(950, 1050)) / 1000).quantize(CENT))
            for key, price in prices.items()}


def floor_data(clients, rates: RateTable, keys: list[str]):
    """The same positions as plain lists: (instrument number, quantity) and (currency, amount)."""
    number = {key: n for n, key in enumerate(keys)}
    rows = [([(number[key], q) for key, q in quantities.items()], list(money.items()))
            for quantities, money in clients]
    long_d = [rates.of(key).long / 100 for key in keys]
    short_d = [rates.of(key).short / 100 for key in keys]
    return rows, long_d, short_d


def floor_run(rows, price, long_d, short_d, fx, loan_d) -> list[tuple[Decimal, Decimal]]:
    """The simplest loop: S and M0 per client, straight from the formula."""
    out = []
    for positions, money in rows:
        s = m0 = ZERO
        for i, q in positions:
            p = price[i]
            s += q * p
            if q > 0:
                m0 += q * p * long_d[i]
            else:
                m0 -= q * p * short_d[i]
        for currency, amount in money:
            value = amount * fx[currency]
            s += value
            if amount < 0 and currency != KZT:
                m0 -= value * loan_d[currency]
        out.append((s, m0))
    return out


def timed(work) -> tuple[float, object]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def full_and_floor(book, clients, rates, prices, runs, rng):
    keys = list(prices)
    rows, long_d, short_d = floor_data(clients, rates, keys)
    fx, loan_d = {KZT: Decimal(1), USD: USD_FX}, {USD: USD_RATE / 100}
    full = floor = float("inf")
    for _ in range(runs):   # interleaved, so a busy spell on the machine hits both alike
        new = moved(prices, rng)
        seconds, crossings = timed(lambda: book.revalue(prices=new))
        full = min(full, seconds)
        price = [new[key] for key in keys]
        seconds, totals = timed(lambda: floor_run(rows, price, long_d, short_d, fx, loan_d))
        floor = min(floor, seconds)
        if totals != [book.totals(c) for c in range(len(clients))]:
            sys.exit("the floor's S and M0 differ from the book's")
    return full, floor, len(crossings)


def incremental(book, prices, rng) -> list[float]:
    times = []
    for _ in range(21):
        price = max(CENT, (prices[HOT] * Decimal(rng.randint(900, 1100)) / 1000).quantize(CENT))
        seconds, _crossings = timed(lambda: book.move_price(HOT, price))
        times.append(seconds * 1000)
    return times


def precheck(rates: RateTable, prices: dict[str, Decimal], rng: random.Random) -> list[float]:
    keys = ["I000", *rng.sample(list(prices)[1:], 4)]
    portfolio = Portfolio(tuple(Position(key, rng.randint(10, 500), prices[key]) for key in keys),
                          (Money(KZT, Decimal("-150000.00")), Money(USD, Decimal("1200.00"), USD_FX)))
    active = [Order(key, side, rng.randint(1, 50), prices[key]) for key, side in
              ((keys[1], BUY), (keys[2], SELL), (keys[3], BUY))]
    orders = []
    for _ in range(10_000):
        key = rng.choice(keys)
        orders.append(Order(key, rng.choice((BUY, SELL)), rng.randint(1, 600),
                            prices[key] * Decimal(rng.randint(90, 110)) / 100))
    times = []
    for order in orders:
        started = time.perf_counter_ns()
        check_order(portfolio, active, order, rates)
        times.append((time.perf_counter_ns() - started) / 1e6)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rates, prices = make_rates(rng)
    clients = make_clients(args.clients, rates, rng)
    book = RiskBook(rates, prices, fx={USD: USD_FX})
    for c, (quantities, money) in enumerate(clients):
        book.put(c, quantities, money)
    full, floor, crossed = full_and_floor(book, clients, rates, prices, args.runs, rng)
    steps = incremental(book, prices, rng)
    after_moves = [book.totals(c) for c in range(len(clients))]
    book.revalue()
    if after_moves != [book.totals(c) for c in range(len(clients))]:
        sys.exit("incremental revaluation differs from the full one")
    checks = precheck(rates, prices, rng)
    p99 = statistics.quantiles(checks, n=100)[98]
    positions = sum(len(quantities) for quantities, _money in clients)
    print(f"{'measure':34s} {'figure':>12s}")
    print(f"{'clients / positions':34s} {len(clients):>6,d} / {positions:,d}")
    print(f"{'full revaluation s (best of ' + str(args.runs) + ')':34s} {full:>12.3f}")
    print(f"{'floor loop s (best of ' + str(args.runs) + ')':34s} {floor:>12.3f}")
    print(f"{'ratio full / floor':34s} {full / floor:>12.2f}")
    print(f"{'standing changes, last full run':34s} {crossed:>12,d}")
    print(f"{'incremental ms, ' + str(book.holders(HOT)) + ' holders (median)':34s} "
          f"{statistics.median(steps):>12.3f}")
    print(f"{'incremental ms, max of 21':34s} {max(steps):>12.3f}")
    print(f"{'pre-trade check ms p50 / p99':34s} {statistics.median(checks):>5.3f} / {p99:.3f}")
    print(f"clients={len(clients)} seconds={full:.3f} floor_seconds={floor:.3f} "
          f"ratio={full / floor:.2f} incremental_ms={statistics.median(steps):.3f} "
          f"precheck_p99_ms={p99:.3f}")


if __name__ == "__main__":
    main()
