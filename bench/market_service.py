"""Market service: orders acknowledged per second through the whole service path — the
sequencer's lock, catch-up, matching, journal, projected tables and the commit — by several
worker processes at once, as gunicorn's workers would.

    python bench/market_service.py [--database-url URL] [--workers 4] [--batch 100]
                                   [--orders 2000] [--single-orders 100]

Each worker process builds its own app and submits random limit and market orders (a few
shares, prices a few steps around the reference price, firms with large balances) through
`services.execute_many`: one call is one sequenced transaction and one commit, and an order
counts as acknowledged when the call has returned after that commit. Latency is the call's
time, so every order of a batch has its batch's latency. Configurations run in turn on one
market: W workers with batches of 1, one worker with batches of B, W workers with batches of
B whose orders carry idempotency keys (as API clients send them), and W workers with batches
of B without keys. Without --database-url a fresh SQLite file is used; the database must not hold
a market journal yet (a throwaway one: `scripts/pg_throwaway.sh`).

At the end the journal is folded afresh and compared with the projected trades and positions
(`replay=identical`). Ends with `orders_per_second=<n> workers=<w> batch=<b> p99_ms=<x>` for
W workers with batches of B.

    python bench/market_service.py --per-request --database-url URL [--clients 16]
                                   [--workers 2] [--threads 8] [--seconds 20] [--rate 100]

One order per request, as a dealer's trading screen sends them: a real gunicorn (gthread, W
workers × T threads) serves the app on the database; C clients, one keep-alive connection and
one firm with an API token each, POST single orders to /api/v1/market/orders for S seconds
(saturation), then the same clients GET /api/v1/me for S seconds (the authenticated floor);
then orders are offered open loop at R per second for S seconds (p50/p99 from the instant each
was due). Every acknowledged order must be in the journal exactly once. Ends with
`orders_per_s=<n> floor_per_s=<n> ratio=<r> p50_ms=<x> p99_ms=<x>`.
"""
import argparse
import multiprocessing
import random
import sys
import tempfile
import time
from datetime import date, datetime
from datetime import time as clock_time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from app import create_app  # noqa: E402
from app.auth.models import Organisation  # noqa: E402
from app.auth.roles import OrganisationKind, Role  # noqa: E402
from app.auth.services import create_api_token, create_organisation, create_user  # noqa: E402
from app.clock.services import set_sandbox_time, wall_now  # noqa: E402
from app.domain.calendar import ALMATY  # noqa: E402
from app.domain.isin import isin_is_valid  # noqa: E402
from app.extensions import db  # noqa: E402
from app.secondary.engine.commands import PlaceOrder  # noqa: E402
from app.secondary.engine.day import LoadBalance, OpenDay  # noqa: E402
from app.secondary.engine.replay import first_difference, projection_dump, replay_dump, replay_journal  # noqa: E402
from app.secondary.messages import MarketError  # noqa: E402
from app.secondary.models import JournalEntry, MarketTrade  # noqa: E402
from app.secondary.reference import services as reference  # noqa: E402
from app.secondary.trading import services  # noqa: E402
from bench.http_load import Gunicorn, Outcome, open_loop, saturate  # noqa: E402

DAY = date(2027, 3, 10)           # a Wednesday; the sandbox clock stands at noon
REFERENCE = Decimal("1000")
STEP = Decimal("0.01")
SHARES = ("BNCH1", "BNCH2", "BNCH3")
MONEY, HOLDING = "1000000000000", "1000000000"


def isin(body: str) -> str:
    """`body` (11 characters) completed with its check digit."""
    return next(body + str(digit) for digit in range(10) if isin_is_valid(body + str(digit)))


def config(url: str) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" * 8, "SANDBOX_CLOCK": True}


def almaty(hour: int) -> datetime:
    return datetime.combine(DAY, clock_time(hour), tzinfo=ALMATY)


def set_up(url: str, firms: int) -> dict:
    """Firms with one deep account each, three shares priced today, the day open."""
    app = create_app(config(url))
    with app.app_context():
        upgrade()
        session = db.session
        if session.scalar(select(func.count()).select_from(JournalEntry)):
            sys.exit("The database already holds a market journal: use a fresh one.")
        set_sandbox_time(session, almaty(12), frozen=True, user_id=None)
        accounts = []
        for number in range(firms):
            firm = create_organisation(session, f"Bench firm {number}", OrganisationKind.MEMBER_FIRM,
                                       wall_now(), bin=f"{990000000000 + number:012d}")
            account = reference.create_account(session, organisation=firm, code=f"BENCH_{number}", kind="own")
            accounts.append((firm.id, account.id))
        instruments = []
        for number, code in enumerate(SHARES):
            share = reference.create_instrument(
                session, code=code, isin=isin(f"KZ1C9900{number:03d}"), name=f"Bench {code}", kind="share",
                group="Main",
                currency="KZT", face_value=None, lot_size=1, price_step=STEP, price_subject="money",
                settlement_codes=["T0"], corridor_percent=Decimal("10"))
            reference.set_reference_price(session, share, DAY, REFERENCE)
            instruments.append(share.id)
        session.commit()
        services.execute(session, OpenDay(DAY, almaty(11), almaty(17)))
        loads = [LoadBalance(f"BENCH_{number}", asset, HOLDING if asset in SHARES else MONEY)
                 for number in range(firms) for asset in ("KZT", *SHARES)]
        services.execute_many(session, loads)
        db.engine.dispose()
    return {"accounts": accounts, "instruments": instruments}


def random_orders(rng: random.Random, market: dict, firm: tuple[int, int], count: int, tag: str | None) -> list:
    """One in ten a market order; limit prices within five steps of the reference price.
    With a `tag`, each order carries an idempotency key, as API clients send them."""
    organisation, account = firm
    orders = []
    for number in range(count):
        side = rng.choice(("buy", "sell"))
        instrument = rng.choice(market["instruments"])
        lots = rng.randint(1, 10)
        key = tag and f"{tag}-{number}"
        if rng.random() < 0.1:
            orders.append(PlaceOrder(organisation, account, instrument, "T0", side, "market", lots, key=key))
        else:
            price = REFERENCE + STEP * rng.randint(-5, 5)
            orders.append(PlaceOrder(organisation, account, instrument, "T0", side, "limit", lots, price,
                                     key=key))
    return orders


def worker(url: str, market: dict, number: int, run: str, batch: int, count: int, keys: bool, start,
           results) -> None:
    """One process: its own app and in-memory market; submits `count` orders in batches."""
    rng = random.Random(f"{run}-{number}")
    firm = market["accounts"][number % len(market["accounts"])]
    orders = random_orders(rng, market, firm, count, f"{run}-w{number}" if keys else None)
    app = create_app(config(url))
    latencies, acknowledged, refused = [], 0, {}
    with app.app_context():
        # Warm up outside the clock: catch up with the journal (a refused order journals nothing).
        services.execute_many(db.session, [PlaceOrder(firm[0], firm[1], market["instruments"][0], "T0",
                                                      "buy", "limit", 0, REFERENCE)])
        start.wait()
        began = time.perf_counter()
        for first in range(0, count, batch):
            sent = time.perf_counter()
            answers = services.execute_many(db.session, orders[first:first + batch])
            latency = time.perf_counter() - sent
            for answer in answers:
                if isinstance(answer, MarketError):
                    refused[answer.code] = refused.get(answer.code, 0) + 1
                else:
                    acknowledged += 1
                    latencies.append(latency)
        ended = time.perf_counter()
        db.engine.dispose()
    results.put({"began": began, "ended": ended, "acknowledged": acknowledged, "latencies": latencies,
                 "refused": refused})


def measure(url: str, market: dict, run: str, workers: int, batch: int, count: int, keys: bool) -> dict:
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(workers), context.Queue()
    processes = [context.Process(target=worker, args=(url, market, number, run, batch, count, keys, start,
                                                      results))
                 for number in range(workers)]
    for process in processes:
        process.start()
    reports = [results.get(timeout=3600) for _process in processes]
    for process in processes:
        process.join()
        if process.exitcode:
            sys.exit(f"a worker failed with exit code {process.exitcode}")
    seconds = max(r["ended"] for r in reports) - min(r["began"] for r in reports)
    latencies = sorted(latency for r in reports for latency in r["latencies"])
    refused = {}
    for report in reports:
        for code, times in report["refused"].items():
            refused[code] = refused.get(code, 0) + times
    acknowledged = sum(r["acknowledged"] for r in reports)
    return {"workers": workers, "batch": batch, "keys": keys, "acknowledged": acknowledged, "seconds": seconds,
            "orders_per_second": acknowledged / seconds, "p50_ms": percentile(latencies, 0.50) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000, "refused": refused}


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, max(0, round(share * len(values) + 0.5) - 1))]


def show(result: dict) -> None:
    refused = ",".join(f"{code}:{times}" for code, times in sorted(result["refused"].items())) or "0"
    print(f"workers={result['workers']} batch={result['batch']} keys={'yes' if result['keys'] else 'no'} "
          f"acknowledged={result['acknowledged']} "
          f"seconds={result['seconds']:.2f} orders_per_second={result['orders_per_second']:.0f} "
          f"p50_ms={result['p50_ms']:.1f} p99_ms={result['p99_ms']:.1f} refused={refused}", flush=True)


def verify(url: str) -> tuple[int, int]:
    """The journal folded afresh gives the projected trades and positions; (events, trades)."""
    app = create_app(config(url))
    with app.app_context():
        replayed, projected = replay_dump(replay_journal(db.session)), projection_dump(db.session)
        if replayed != projected:
            sys.exit("replay=DIFFERENT\n" + first_difference(replayed, projected))
        events = db.session.scalar(select(func.count()).select_from(JournalEntry))
        trades = db.session.scalar(select(func.count()).select_from(MarketTrade))
        db.engine.dispose()
    return events, trades


# --- one order per request, through gunicorn ---------------------------------------------------

ORDERS_PATH = "/api/v1/market/orders"


def add_dealers(url: str, market: dict) -> list[str]:
    """A participant with an API token for each firm; the raw tokens, in the firms' order."""
    app = create_app({**config(url), "PASSWORD_HASH_PROFILE": "cheapest"})
    tokens = []
    with app.app_context():
        for number, (organisation_id, _account) in enumerate(market["accounts"]):
            firm = db.session.get(Organisation, organisation_id)
            user = create_user(db.session, f"bench_dealer_{number}", f"Bench dealer {number}", Role.PARTICIPANT,
                               firm, "Bench-password-42", wall_now())
            tokens.append(create_api_token(db.session, user, "bench", wall_now())[1])
        db.session.commit()
        db.engine.dispose()
    return tokens


def order_request(market: dict, tokens: list[str], run: str):
    """Client n trades for firm n: random limit orders within five steps of the reference."""
    def build(client: int, number: int):
        rng = random.Random(f"{run}-{client}-{number}")
        firm = client % len(tokens)
        body = {"account": market["accounts"][firm][1], "instrument": rng.choice(market["instruments"]),
                "settlement_code": "T0", "side": rng.choice(("buy", "sell")), "type": "limit",
                "lots": rng.randint(1, 10), "price": str(REFERENCE + STEP * rng.randint(-5, 5))}
        headers = {"Authorization": f"Bearer {tokens[firm]}", "Idempotency-Key": f"{run}-{client}-{number}"}
        return "POST", ORDERS_PATH, body, headers
    return build


def me_request(tokens: list[str]):
    def build(client: int, _number: int):
        return "GET", "/api/v1/me", None, {"Authorization": f"Bearer {tokens[client % len(tokens)]}"}
    return build


def exactly_once(url: str, outcomes: list[Outcome]) -> tuple[int, int]:
    """(lost, duplicated): acknowledged orders missing from the journal, and journaled twice."""
    keys = [request[3]["Idempotency-Key"] for outcome in outcomes for request, _status, _data in outcome.answers]
    app = create_app(config(url))
    with app.app_context():
        journaled = []
        for first in range(0, len(keys), 1000):
            journaled += db.session.scalars(select(JournalEntry.idempotency_key).where(
                JournalEntry.idempotency_key.in_(keys[first:first + 1000])))
        db.engine.dispose()
    return len(set(keys) - set(journaled)), len(journaled) - len(set(journaled))


def show_http(name: str, outcome: Outcome) -> None:
    statuses = ",".join(f"{status}:{count}" for status, count in sorted(outcome.answered.items()))
    print(f"{name}: answered={outcome.sent} ok={outcome.ok} seconds={outcome.seconds:.1f} "
          f"per_s={outcome.per_second:.0f} p50_ms={percentile(sorted(outcome.latencies), 0.5) * 1000:.1f} "
          f"p99_ms={percentile(sorted(outcome.latencies), 0.99) * 1000:.1f} statuses={statuses}", flush=True)


def per_request(args) -> None:
    if not (args.database_url or "").startswith("postgresql"):
        sys.exit("--per-request needs --database-url of a throwaway PostgreSQL (scripts/pg_throwaway.sh)")
    url = args.database_url
    market = set_up(url, args.clients)
    tokens = add_dealers(url, market)
    environment = {"DATABASE_URL": url, "SECRET_KEY": "bench-" * 8, "SANDBOX_CLOCK": "1",
                   "DESK_ENV": "development"}
    print(f"gunicorn gthread workers={args.workers} threads={args.threads} clients={args.clients}", flush=True)
    with Gunicorn(environment, args.workers, args.threads) as server:
        saturate(server.port, args.clients, 2, me_request(tokens))             # warm every worker
        orders = saturate(server.port, args.clients, args.seconds, order_request(market, tokens, "sat"))
        show_http("orders", orders)
        floor = saturate(server.port, args.clients, args.seconds, me_request(tokens))
        show_http("floor GET /api/v1/me", floor)
        paced = open_loop(server.port, args.rate, args.seconds, order_request(market, tokens, "paced"))
        show_http(f"orders offered at {args.rate:g}/s", paced)
    lost, duplicated = exactly_once(url, [orders, paced])
    events, trades = verify(url)
    print(f"journal_events={events} trades={trades} replay=identical lost={lost} duplicated={duplicated}")
    paced_latencies = sorted(paced.latencies)
    print(f"orders_per_s={orders.per_second:.0f} floor_per_s={floor.per_second:.0f} "
          f"ratio={orders.per_second / floor.per_second:.2f} p50_ms={percentile(paced_latencies, 0.5) * 1000:.1f} "
          f"p99_ms={percentile(paced_latencies, 0.99) * 1000:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--orders", type=int, default=2000, help="orders per worker with batches of --batch")
    parser.add_argument("--single-orders", type=int, default=100, help="orders per worker with batches of 1")
    parser.add_argument("--per-request", action="store_true", help="one order per request through gunicorn")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rate", type=float, default=100, help="orders per second offered in the open loop")
    args = parser.parse_args()
    if args.per_request:
        per_request(args)
        return
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        market = set_up(url, max(args.workers, 2))
        print(f"database={url.split(':', 1)[0]} instruments={len(SHARES)} firms={max(args.workers, 2)}", flush=True)
        runs = [("single", args.workers, 1, args.single_orders, False),
                ("one", 1, args.batch, args.orders, False),
                ("keyed", args.workers, args.batch, args.orders, True),
                ("main", args.workers, args.batch, args.orders, False)]
        results = {}
        for run, workers, batch, count, keys in runs:
            results[run] = measure(url, market, run, workers, batch, count, keys)
            show(results[run])
        events, trades = verify(url)
        print(f"journal_events={events} trades={trades} replay=identical")
        main_run = results["main"]
        print(f"orders_per_second={main_run['orders_per_second']:.0f} workers={main_run['workers']} "
              f"batch={main_run['batch']} p99_ms={main_run['p99_ms']:.1f}")


if __name__ == "__main__":
    main()
