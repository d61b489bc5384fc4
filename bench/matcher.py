"""Matcher: our domain order book against the shared harness's `pyfloor` on one stream.

    python bench/matcher.py [--events 1000000] [--runs 3] [--harness PATH]

The harness (`matcher_bench.py`, by default `../shared/bench/` beside this repository or the
path in $MATCHER_BENCH) generates one deterministic stream of limit adds, cancels and market
orders and checks every engine's fills against its reference sums.  Both engines run in this
process on the same stream, interleaved run by run; each figure is the best of the runs.
The book is plugged in through the harness's adapter interface (`--plugin
bench.matcher:make_engine` works with the harness's own command line too).
Ends with `engine_eps=<n> floor_eps=<n> ratio=<r> p99_us=<x>`.
"""
import argparse
import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.domain.matching import OrderBook  # noqa: E402


def make_engine() -> OrderBook:
    """Adapter factory: the domain book already speaks the harness's interface."""
    return OrderBook()


make_engine.name = OrderBook.name


def load_harness(path: Path):
    spec = importlib.util.spec_from_file_location("matcher_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def best_of(harness, events, reference, runs: int) -> dict[str, dict]:
    best: dict[str, dict] = {}
    for _ in range(runs):
        for name, factory in ((OrderBook.name, make_engine), ("pyfloor", harness.PyFloorEngine)):
            result = harness.bench_engine(name, factory, events, reference, 1, budget_s=600)
            if name not in best or result["events_per_s"] > best[name]["events_per_s"]:
                best[name] = result
    return best


def report(result: dict) -> None:
    valid = all(result["validation"].values())
    print(f"{result['engine']:14s} {result['events_per_s']:>10,d} ev/s  "
          f"p50 {result['lat_us']['p50']:.2f}us  p99 {result['lat_us']['p99']:.2f}us  "
          f"p99.9 {result['lat_us']['p99.9']:.2f}us  fills {result['fills']:,d}  "
          f"valid {'ok' if valid else result['validation']}")
    if not valid or result["error"]:
        sys.exit(f"{result['engine']}: fills differ from the reference or the run failed")


def main() -> None:
    default = os.environ.get("MATCHER_BENCH") or ROOT.parent / "shared" / "bench" / "matcher_bench.py"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--harness", type=Path, default=Path(default))
    args = parser.parse_args()
    harness = load_harness(args.harness)
    events, reference, stats = harness.generate_stream(args.events)
    print(f"stream: {stats['events']:,d} events, {stats['fills']:,d} fills, "
          f"{stats['live_orders_mean']} live orders on average")
    best = best_of(harness, events, reference, args.runs)
    ours, floor = best[OrderBook.name], best["pyfloor"]
    report(ours)
    report(floor)
    ratio = ours["events_per_s"] / floor["events_per_s"]
    print(f"engine_eps={ours['events_per_s']} floor_eps={floor['events_per_s']} "
          f"ratio={ratio:.2f} p99_us={ours['lat_us']['p99']}")


if __name__ == "__main__":
    main()
