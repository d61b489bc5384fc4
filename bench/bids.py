"""Bids through the JSON API under gunicorn: throughput at saturation against an authenticated
floor and the machine's ceiling, latency at a fixed offered load, and no bid lost or stored twice.

    python bench/bids.py [--subscriptions] [--seconds 20] [--clients 50] [--rate 100]
                         [--workers 4] [--database-url URL]

Without --database-url the script runs itself again inside a throwaway PostgreSQL cluster
(scripts/pg_throwaway.sh). With one, use a scratch database: the run moves its sandbox clock and
adds a ministry, 50 dealers and an auction or offering of its own.

Set-up, through the desk's own services: 50 primary dealers, each with a user and an API token,
and a GKO placement auction announced and in its bid window (or, with --subscriptions, a GKO
subscription offering in its bid period), the sandbox clock frozen inside the window. Then
gunicorn serves the desk with W sync workers (`bench/bids_server.py`: `wsgi:app`, plus a bare
`/bench/bare` answered before Flask) and threads of this process load it, each with its own
HTTP/1.1 connection (gunicorn's sync workers close it after every answer, so each request
connects anew):

1. saturation — C clients, each a dealer, send bids back to back for S seconds: `POST
   /api/v1/auctions/<id>/bids` (or `/api/v1/subscriptions/<id>/bids`), every bid with its own
   Idempotency-Key, prices and quantities varied, a market bid only where the firm's
   acknowledged limit bids leave room for it under the auction's market share;
2. the floor — the same clients and tokens, `GET /api/v1/me` back to back for S seconds;
3. the ceiling — the same clients, `GET /bench/bare` (no login, no database) for S seconds;
4. fixed rate — R bids a second for S seconds, open loop: each request is due at its slot on a
   schedule, whatever the earlier answers do, and its latency runs from that slot (so a request
   waiting for a free client counts its wait), C client threads taking the slots.

A transport error (the connection reset, no answer) is retried, at most twice, with the same
key. Refusals (4xx) and errors are counted apart and should be 0. At the end every acknowledged
bid (201, or 200 for a repeat) is looked up in the database: `lost` counts those not stored
under their key and id, `duplicated` the extra rows or ids for one key. The client threads' CPU
time is printed per phase (`client_cpu`, in cores): near 1.0 would mean the load generator, not
the server, was the limit.

Goals (issue 11): bids ≥ 0.8 × the floor at saturation, the floor ≥ 0.5 × the bare endpoint,
p99 ≤ 100 ms at 100 bids/s, 0 lost, 0 duplicated. Ends with
`bids_per_s=<n> floor_per_s=<n> bare_per_s=<n> ratio=<r> p50_ms=<x> p99_ms=<x> lost=<n> duplicated=<n>`
(`ratio` = bids / floor at saturation; p50 and p99 at the fixed rate).
"""
import argparse
import http.client
import json
import os
import queue
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock_time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from app.auctions import services as auctions  # noqa: E402
from app.auctions.models import Bid  # noqa: E402
from app.auctions.services import ApplicationTerms  # noqa: E402
from app.auth import services as identities  # noqa: E402
from app.auth.roles import OrganisationKind, Role  # noqa: E402
from app.clock.services import set_sandbox_time, wall_now  # noqa: E402
from app.domain.calendar import ALMATY  # noqa: E402
from app.domain.isin import isin_is_valid  # noqa: E402
from app.extensions import db  # noqa: E402
from app.subscriptions import services as offerings  # noqa: E402
from app.subscriptions.models import SubscriptionBid  # noqa: E402
from app.subscriptions.services import OfferingTerms  # noqa: E402

DEALERS = 50
HOST = "127.0.0.1"
SECRET_KEY = "bench-bids-" * 4
FILED_ON = date(2027, 3, 1)       # a Monday, 7 business days before the trade date
TRADE_DATE = date(2027, 3, 10)    # a Wednesday; the window is 09:00–12:00, the clock stands at 10:00
PRICE_GRID = Decimal("0.0005")
REQUEST_TIMEOUT = 120             # seconds; an overloaded server queues requests for a long time
ATTEMPTS = 3


# --- set-up: through the desk's services, as a client system would find the desk -------------

@dataclass(frozen=True)
class Place:
    """Where the bids go, and what makes a bid there acceptable."""

    bids_path: str
    model: type            # Bid or SubscriptionBid
    parent_column: object  # Bid.auction_id or SubscriptionBid.subscription_id
    parent_id: int
    price_low: Decimal
    price_high: Decimal
    limit_quantity: tuple[int, int]
    market_quantity: tuple[int, int]
    market_share_percent: Decimal | None   # None: market bids are not limited by limit bids


def almaty(day: date, hour: int) -> datetime:
    return datetime.combine(day, clock_time(hour), tzinfo=ALMATY)


def isin(body: str) -> str:
    """`body` (11 characters) completed with its check digit."""
    return next(body + digit for digit in "0123456789" if isin_is_valid(body + digit))


def app_config(url: str) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "SANDBOX_CLOCK": True,
            "PASSWORD_HASH_PROFILE": "cheapest"}


def set_up(url: str, subscriptions: bool) -> tuple[Place, list[tuple[int, str]]]:
    """The dealers' (organisation id, token) and the open auction or offering, committed."""
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        session = db.session
        tag = f"{secrets.randbelow(10**6):06d}"   # names unique per run, so a scratch database may be reused
        set_sandbox_time(session, almaty(FILED_ON, 10), frozen=True, user_id=None)
        minfin = ministry(session, tag)
        dealers = [primary_dealer(session, tag, number) for number in range(DEALERS)]
        place, opened_at = open_offering(session, minfin) if subscriptions else open_auction(session, minfin)
        set_sandbox_time(session, opened_at, frozen=True, user_id=None)
        session.commit()
        db.engine.dispose()
    return place, dealers


def ministry(session, tag: str):
    org = identities.create_organisation(session, f"Bench ministry {tag}", OrganisationKind.MINFIN, wall_now(),
                                         bin=f"66{tag}9999")
    return identities.create_user(session, f"bench{tag}-minfin", "Bench Ministry", Role.MINFIN, org,
                                  secrets.token_urlsafe(24), wall_now())


def primary_dealer(session, tag: str, number: int) -> tuple[int, str]:
    org = identities.create_organisation(session, f"Bench dealer {tag}-{number}", OrganisationKind.MEMBER_FIRM,
                                         wall_now(), bin=f"77{tag}{number:04d}", is_primary_dealer=True)
    user = identities.create_user(session, f"bench{tag}-dealer{number}", f"Bench dealer {number}",
                                  Role.PRIMARY_DEALER, org, secrets.token_urlsafe(24), wall_now())
    _row, token = identities.create_api_token(session, user, "bench", wall_now())
    return org.id, token


def open_auction(session, minfin) -> tuple[Place, datetime]:
    """A GKO placement (market bids ≤ 30 % of a firm's limit bids), filed, accepted, announced."""
    terms = ApplicationTerms(
        kind="placement", security_type="mekkam", security_name="MEKKAM-12 bench", isin=isin("KZK10000999"),
        exchange_code="MKM012_BNCH", face_value=Decimal(1000), trade_date=TRADE_DATE,
        declared_quantity=1_000_000_000, trade_subject="price", market_share_percent=Decimal(30),
        submission_method="closed", pricing="multiple", bids_open=clock_time(9), bids_close=clock_time(12),
        confirm_until=clock_time(12, 30), decision=clock_time(15), settlement_scheme="T0",
        issue_date=TRADE_DATE, maturity_date=date(2028, 3, 10), time_base="act_act")
    filed_at = almaty(FILED_ON, 10)
    auction = auctions.file_application(session, minfin, terms, filed_at)
    auctions.accept_application(session, auction, filed_at)
    auctions.announce(session, auction, filed_at)
    place = Place(f"/api/v1/auctions/{auction.id}/bids", Bid, Bid.auction_id, auction.id,
                  Decimal("86"), Decimal("90"), (1_000, 10_000), (100, 1_000), terms.market_share_percent)
    return place, almaty(TRADE_DATE, 10)


def open_offering(session, minfin) -> tuple[Place, datetime]:
    """A GKO subscription (bonds, 95–100 % of face, market bids allowed), announced."""
    terms = OfferingTerms(
        security_name="MEOKAM-24 bench", isin=isin("KZK20000999"), face_value=Decimal(1000),
        quantity=1_000_000_000, price_min=Decimal(95), price_max=Decimal(100),
        period_start_at=almaty(TRADE_DATE, 10), period_end_at=almaty(date(2027, 3, 11), 18),
        settlement_code="T0", minimum_bid_amount=Decimal(10_000),
        collateral_check_at=almaty(date(2027, 3, 11), 17), register_due_at=almaty(date(2027, 3, 11), 19),
        answer_due_at=almaty(date(2027, 3, 12), 12), is_bond=True, market_bids_allowed=True)
    filed_at = almaty(FILED_ON, 10)
    offering = offerings.file_application(session, minfin, terms, filed_at)
    offerings.accept_application(session, offering, filed_at)
    offerings.record_consent(session, offering, True, "", filed_at)
    offerings.announce(session, offering, filed_at)
    # 20 bonds at 95 % of 1,000 ₸ are 19,000 ₸: every bid clears the 10,000 ₸ minimum.
    place = Place(f"/api/v1/subscriptions/{offering.id}/bids", SubscriptionBid, SubscriptionBid.subscription_id,
                  offering.id, terms.price_min, terms.price_max, (20, 2_000), (20, 2_000), None)
    return place, almaty(TRADE_DATE, 11)


# --- the server ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(url: str, workers: int, port: int, folder: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "SANDBOX_CLOCK": "1",
           "REGISTER_DIR": str(folder / "registers"), "REGISTER_SIGNING_KEY": str(folder / "key.pem"),
           "REGISTER_SIGNING_CERT": str(folder / "cert.pem")}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "--workers", str(workers), "--bind", f"{HOST}:{port}", "--chdir", str(ROOT),
               "--error-logfile", str(folder / "gunicorn.log"), "bench.bids_server:app"]
    return subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL)


def wait_until_ready(server: subprocess.Popen, port: int, token: str, folder: Path) -> None:
    """Every worker loads the app before it accepts; a token call proves the database is reached."""
    deadline = time.monotonic() + 120
    connection = Connection(port)
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}:\n{(folder / 'gunicorn.log').read_text()}")
        status, _body = connection.call("GET", "/api/v1/me", {"Authorization": f"Bearer {token}"}, attempts=1)
        if status == 200:
            return
        time.sleep(0.5)
    sys.exit(f"gunicorn did not answer in time:\n{(folder / 'gunicorn.log').read_text()}")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# --- the clients ---------------------------------------------------------------------------------

class Connection:
    """One client's HTTP/1.1 connection; http.client connects again after a closed one."""

    def __init__(self, port: int):
        self.http = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)

    def call(self, method: str, path: str, headers: dict, body: bytes | None = None,
             attempts: int = ATTEMPTS) -> tuple[int | str, bytes]:
        """(status, body); after `attempts` transport errors, (the last error's name, b"")."""
        for _attempt in range(attempts):
            try:
                self.http.request(method, path, body, headers)
                response = self.http.getresponse()
                return response.status, response.read()
            except (OSError, http.client.HTTPException) as error:
                self.http.close()
                failure = type(error).__name__
        return failure, b""


@dataclass(frozen=True)
class PlannedBid:
    key: str
    kind: str
    quantity: int
    body: bytes


class Dealer:
    """One primary dealer's token and bids. A market bid is sent only when the firm's limit bids
    already acknowledged leave room for it, with the market bids still unanswered counted in, so
    no order of answers breaks the market share."""

    def __init__(self, organisation_id: int, token: str, place: Place, number: int):
        self.organisation_id, self.place = organisation_id, place
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.rng = random.Random(f"dealer-{number}")
        self.lock = threading.Lock()
        self.sent = self.limit_volume = self.market_volume = 0

    def next_bid(self, phase: str) -> PlannedBid:
        with self.lock:
            self.sent += 1
            key = f"{phase}-{self.sent}"
            quantity = self.rng.randint(*self.place.market_quantity)
            if self.sent % 5 == 0 and self._room_for(quantity):
                self.market_volume += quantity
                body = {"kind": "market", "quantity": quantity}
                return PlannedBid(key, "market", quantity, json.dumps(body).encode())
            quantity = self.rng.randint(*self.place.limit_quantity)
            steps = int((self.place.price_high - self.place.price_low) / PRICE_GRID)
            price = self.place.price_low + PRICE_GRID * self.rng.randint(0, steps)
            body = {"kind": "limit", "quantity": quantity, "price": f"{price:.4f}"}
            return PlannedBid(key, "limit", quantity, json.dumps(body).encode())

    def _room_for(self, quantity: int) -> bool:
        share = self.place.market_share_percent
        return share is None or (self.market_volume + quantity) * 100 <= share * self.limit_volume

    def answered(self, bid: PlannedBid, acknowledged: bool) -> None:
        with self.lock:
            if bid.kind == "limit" and acknowledged:
                self.limit_volume += bid.quantity
            elif bid.kind == "market" and not acknowledged:
                self.market_volume -= bid.quantity

    def bid_headers(self, key: str) -> dict:
        return {**self.headers, "Idempotency-Key": key}


@dataclass
class Acknowledgements:
    """Every acknowledged bid: (organisation id, idempotency key) → the bid ids answered."""

    ids: dict = field(default_factory=dict)
    repeats: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, organisation_id: int, key: str, bid_id: int, repeat: bool) -> None:
        with self.lock:
            self.ids.setdefault((organisation_id, key), set()).add(bid_id)
            self.repeats += repeat


Request = Callable[[Connection, int], str]   # (the thread's connection, a number) → outcome


def bid_request(place: Place, dealers: list[Dealer], acknowledged: Acknowledgements, phase: str) -> Request:
    """A bid by dealer `number mod dealers`; the outcome is "ok", "<status>:<code>" or an error."""
    def request(connection: Connection, number: int) -> str:
        dealer = dealers[number % len(dealers)]
        bid = dealer.next_bid(phase)
        status, body = connection.call("POST", place.bids_path, dealer.bid_headers(bid.key), bid.body)
        ok = status in (200, 201)
        dealer.answered(bid, ok)
        if ok:
            acknowledged.add(dealer.organisation_id, bid.key, json.loads(body)["id"], status == 200)
            return "ok"
        return outcome_of(status, body)
    return request


def get_request(path: str, dealers: list[Dealer] | None) -> Request:
    """A GET, with dealer `number mod dealers`'s token when dealers are given."""
    def request(connection: Connection, number: int) -> str:
        headers = dealers[number % len(dealers)].headers if dealers else {}
        status, body = connection.call("GET", path, headers)
        return "ok" if status == 200 else outcome_of(status, body)
    return request


def outcome_of(status: int | str, body: bytes) -> str:
    if not isinstance(status, int):
        return f"error:{status}"
    try:
        code = json.loads(body).get("code", "")
    except (ValueError, AttributeError):
        code = ""
    return f"{status}:{code}"


# --- the phases ----------------------------------------------------------------------------------

@dataclass
class Phase:
    name: str
    seconds: float
    latencies: list[float]   # of the requests answered "ok" in the measured time
    outcomes: Counter        # everything else, by outcome
    client_cpu: float        # this process's CPU seconds per second of the phase

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds


def saturate(name: str, clients: int, seconds: float, port: int, request: Request) -> Phase:
    """Each client sends its next request as soon as the last is answered; requests answered
    after the deadline are let finish (their bids are checked) but not counted."""
    start = time.perf_counter() + 0.3
    deadline = start + seconds
    answers: list[tuple[float, float, str]] = []

    def client(number: int) -> None:
        connection = Connection(port)
        time.sleep(max(0.0, start - time.perf_counter()))
        while (sent := time.perf_counter()) < deadline:
            outcome = request(connection, number)
            answered = time.perf_counter()
            answers.append((answered, answered - sent, outcome))

    cpu = time.process_time()
    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu = (time.process_time() - cpu) / (time.perf_counter() - start)
    return summarise(name, seconds, [answer for answer in answers if answer[0] <= deadline], cpu)


def fixed_rate(name: str, rate: float, seconds: float, clients: int, port: int, request: Request) -> Phase:
    """Open loop: slot i is due at start + i / rate; a free client thread takes it, and the
    latency runs from the slot, not from when a thread got to it."""
    slots: queue.SimpleQueue = queue.SimpleQueue()
    answers: list[tuple[float, float, str]] = []

    def client() -> None:
        connection = Connection(port)
        while (slot := slots.get()) is not None:
            number, due = slot
            outcome = request(connection, number)
            answered = time.perf_counter()
            answers.append((answered, answered - due, outcome))

    threads = [threading.Thread(target=client) for _number in range(clients)]
    for thread in threads:
        thread.start()
    start = time.perf_counter() + 0.3
    cpu = time.process_time()
    for number in range(int(rate * seconds)):
        due = start + number / rate
        time.sleep(max(0.0, due - time.perf_counter()))
        slots.put((number, due))
    for thread in threads:
        slots.put(None)
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return summarise(name, elapsed, answers, (time.process_time() - cpu) / elapsed)


def summarise(name: str, seconds: float, answers: list[tuple[float, float, str]], cpu: float) -> Phase:
    latencies = sorted(latency for _at, latency, outcome in answers if outcome == "ok")
    outcomes = Counter(outcome for _at, _latency, outcome in answers if outcome != "ok")
    return Phase(name, seconds, latencies, outcomes, cpu)


def percentile_ms(values: list[float], share: float) -> float:
    """Nearest rank, in milliseconds."""
    if not values:
        return 0.0
    return values[min(len(values) - 1, max(0, round(share * len(values) + 0.5) - 1))] * 1000


def show(phase: Phase) -> None:
    refused = sum(times for outcome, times in phase.outcomes.items() if outcome[:1] == "4")
    errors = sum(phase.outcomes.values()) - refused
    detail = " ".join(f"{outcome}={times}" for outcome, times in sorted(phase.outcomes.items()))
    print(f"{phase.name}: answered_ok={len(phase.latencies)} seconds={phase.seconds:.1f} "
          f"per_s={phase.per_second:.0f} p50_ms={percentile_ms(phase.latencies, 0.50):.1f} "
          f"p99_ms={percentile_ms(phase.latencies, 0.99):.1f} refused={refused} errors={errors} "
          f"client_cpu={phase.client_cpu:.2f}" + (f" [{detail}]" if detail else ""), flush=True)


# --- the check -----------------------------------------------------------------------------------

def check_stored(url: str, place: Place, acknowledged: Acknowledgements) -> tuple[int, int, int]:
    """(lost, duplicated, stored but never acknowledged) for the bids of this run's place."""
    app = create_app(app_config(url))
    with app.app_context():
        model = place.model
        rows = db.session.execute(select(model.organisation_id, model.idempotency_key, model.id)
                                  .where(place.parent_column == place.parent_id)).all()
        db.engine.dispose()
    stored: dict[tuple[int, str], list[int]] = {}
    for organisation_id, key, bid_id in rows:
        stored.setdefault((organisation_id, key), []).append(bid_id)
    lost = sum(1 for key, ids in acknowledged.ids.items() if not ids <= set(stored.get(key, ())))
    duplicated = (sum(len(ids) - 1 for ids in stored.values())
                  + sum(len(ids) - 1 for ids in acknowledged.ids.values()))
    unacknowledged = sum(1 for key in stored if key not in acknowledged.ids)
    return lost, duplicated, unacknowledged


# --- the run -------------------------------------------------------------------------------------

def rerun_in_throwaway_cluster() -> None:
    """Replaces this process with scripts/pg_throwaway.sh running this script against the cluster;
    the script stops and deletes the cluster however the run ends."""
    inner = 'exec "$@" --database-url "$DATABASE_URL"'
    os.execv("/bin/bash", ["bash", str(ROOT / "scripts" / "pg_throwaway.sh"), "bash", "-c", inner, "bids",
                           sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]])


def measure(args, place: Place, dealers: list[Dealer], port: int) -> tuple[list[Phase], Acknowledgements]:
    """The four phases in turn, each printed as it ends; and every bid acknowledged on the way."""
    acknowledged = Acknowledgements()
    me, bare = get_request("/api/v1/me", dealers), get_request("/bench/bare", None)
    # Warm-up, not counted: every worker's connection pool, the first bids of each firm.
    saturate("warm-up", args.clients, 1, port, me)
    saturate("warm-up", args.clients, 1, port, bid_request(place, dealers, acknowledged, "warm"))
    bids = saturate("saturation bids", args.clients, args.seconds, port,
                    bid_request(place, dealers, acknowledged, "sat"))
    show(bids)
    floor = saturate("floor GET /api/v1/me", args.clients, args.seconds, port, me)
    show(floor)
    ceiling = saturate("bare GET /bench/bare", args.clients, args.seconds, port, bare)
    show(ceiling)
    timed = fixed_rate(f"fixed rate {args.rate:g} bids/s", args.rate, args.seconds, args.clients, port,
                       bid_request(place, dealers, acknowledged, "rate"))
    show(timed)
    return [bids, floor, ceiling, timed], acknowledged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscriptions", action="store_true", help="bid in a subscription offering")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=float, default=100, help="offered bids per second, open loop")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--database-url", help="an existing PostgreSQL database instead of a throwaway one")
    args = parser.parse_args()
    if not args.database_url:
        rerun_in_throwaway_cluster()
    place, firms = set_up(args.database_url, args.subscriptions)
    dealers = [Dealer(organisation_id, token, place, number) for number, (organisation_id, token) in enumerate(firms)]
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-bids-") as folder:
        server = start_server(args.database_url, args.workers, port, Path(folder))
        try:
            wait_until_ready(server, port, firms[0][1], Path(folder))
            (bids, floor, ceiling, timed), acknowledged = measure(args, place, dealers, port)
        finally:
            stop_server(server)
    lost, duplicated, unacknowledged = check_stored(args.database_url, place, acknowledged)
    print(f"stored: acknowledged={len(acknowledged.ids)} repeats_answered_200={acknowledged.repeats} "
          f"stored_unacknowledged={unacknowledged}", flush=True)
    print(f"bids_per_s={bids.per_second:.0f} floor_per_s={floor.per_second:.0f} "
          f"bare_per_s={ceiling.per_second:.0f} ratio={bids.per_second / floor.per_second:.2f} "
          f"p50_ms={percentile_ms(timed.latencies, 0.50):.1f} p99_ms={percentile_ms(timed.latencies, 0.99):.1f} "
          f"lost={lost} duplicated={duplicated}", flush=True)


if __name__ == "__main__":
    main()
