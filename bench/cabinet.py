"""SMS-signed client orders through the cabinet API under gunicorn, every acknowledged order in
the book exactly once, and the portfolio and period lists of a big client.

    python bench/cabinet.py [--clients 1000] [--orders-per-client 3] [--threads 50] [--workers 4]
                            [--seconds 10] [--rate 100] [--reads 200] [--database-url URL]

Without --database-url the script runs itself again inside a throwaway PostgreSQL cluster
(scripts/pg_throwaway.sh). With one, give it a fresh scratch database: the run opens a trading
day on the desk's market and moves the sandbox clock.

Set-up, through the desk's own services: one member firm with an aggregated client account on
the desk's market holding plenty of KZT, a share (lot 1, step 0.01, corridor 10 %, reference
price 30,000), the trading day open and the sandbox clock frozen at 12:00 inside the session;
N `client` logins, each a brokerage client of the firm (`attach_client`) with a KZT deposit, a
mobile number and an API token. Two more clients are for the reads: one with 200 positions
and 10,000 deals (2,000 filled orders, each with its signed document), one with 10 positions
and 50 deals; their deals, orders and ledger rows are bulk inserts.

gunicorn serves `bench/bids_server.py` with W sync workers (every request connects anew), and
threads of this process load it. A signed order is one cycle of three HTTP steps and a read:
`POST /api/v1/cabinet/orders` (a buy limit order of 1 lot below the reference price, so
nothing trades), `POST /api/v1/cabinet/documents/<id>/code`, the SMS code read from the outbox
table by this script (a database query, not an HTTP step), `POST .../confirm`. Each client asks
for at most 10 codes in the run (the signing's hourly limit; the clock is frozen, so the whole
run is one hour), one per document.

1. saturation — C threads, each with its own share of the clients, run cycles back to back
   until every client has placed its orders-per-client orders; `signed_orders_per_s` is
   complete cycles per second, with p50/p99 of each step;
2. the floor — the same threads, `GET /api/v1/me` with the clients' tokens for S seconds;
3. fixed rate — R cycles a second for S seconds, open loop: cycle i is due at start + i/R and
   its first step's latency runs from that slot (waiting for a free thread counts); the code
   and confirm steps from when they were sent;
4. reads — R' sequential requests each: `GET /api/v1/cabinet/portfolio`, `/api/v1/cabinet/orders`,
   `/api/v1/cabinet/deals` (token) and the pages `/cabinet/portfolio`, `/cabinet/orders`,
   `/cabinet/deals` (a logged-in session) for the 200-position client; then the same reads are
   run in-process with a counter on the engine's `before_cursor_execute`, for the 10-position
   and the 200-position client, and the queries per request are printed.

Then every confirmed order is checked in the database: its status is active, partially filled
or filled, and exactly one market order carries its `market_order_id` with the client's client
code, side, price and lots (`lost` counts those that fail); `duplicated` counts market orders
on the firm's aggregated account that no client order names, and client codes with more market
orders than confirmed orders.

Goals (the cabinet issue): ≥ 100 signed orders/s with p99 ≤ 150 ms per step, 0 lost, 0
duplicated; the portfolio and lists of a client with 200 positions and 10,000 deals ≤ 100 ms p99
with a number of queries that does not grow with the positions. Ends with
`signed_orders_per_s=<n> p99_ms=<x> portfolio_p99_ms=<x>` (`p99_ms`: the worst step's p99 at the
fixed rate; `portfolio_p99_ms`: the worst p99 of the six reads).
"""
import argparse
import hashlib
import json
import os
import queue
import re
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, event, func, insert, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.auth import services as identities  # noqa: E402
from app.auth.roles import OrganisationKind, Role  # noqa: E402
from app.brokerage import services as brokerage  # noqa: E402
from app.brokerage.models import BrokerClient, LedgerEntry, LedgerSource, Venue  # noqa: E402
from app.cabinet.signing.models import DocumentStatus, SignedDocument, SigningMethod  # noqa: E402
from app.cabinet.signing.services import canonical_xml  # noqa: E402
from app.clock.services import set_sandbox_time, wall_now  # noqa: E402
from app.domain.calendar import ALMATY  # noqa: E402
from app.domain.identifiers import check_digit  # noqa: E402
from app.extensions import db  # noqa: E402
from app.orders.models import ClientFill, ClientOrder, OrderStatus  # noqa: E402
from app.secondary.engine.day import LoadBalance, OpenDay  # noqa: E402
from app.secondary.models import JournalEntry, MarketOrder  # noqa: E402
from app.secondary.reference import services as reference  # noqa: E402
from app.secondary.trading import services as market  # noqa: E402
from bench.bids import (Connection, Phase, app_config, free_port, get_request, isin, outcome_of,  # noqa: E402
                        percentile_ms, saturate, show, start_server, stop_server, wait_until_ready)

DAY = date(2027, 3, 10)             # a Wednesday; the session runs 11:00–17:00, the clock stands at 12:00
REFERENCE, STEP = Decimal("30000"), Decimal("0.01")
LOWEST = Decimal("27000")           # the corridor's low end (10 % under the reference)
SHARE = "CABX"
ACCOUNT = "BENCH_CLIENTS"
PASSWORD = "Bench-cabinet-2027!"
DEPOSIT = Decimal("5000000.00")     # each client's KZT: ten orders at the top of the range fit easily
CODES_PER_CLIENT = 10               # app.cabinet.signing.services.CODES_PER_HOUR
LIVE_OR_FILLED = {OrderStatus.ACTIVE, OrderStatus.PARTIALLY_FILLED, OrderStatus.FILLED}
CODE_AT_END = re.compile(r"(\d{6})\s*$")
STEPS = ("place", "code", "confirm")


def engine_for(url: str, **options):
    """The bench's own engine on the desk's database, with the driver the desk installs (psycopg 3)."""
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), **options)


def almaty(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, clock_time(hour, minute), tzinfo=ALMATY)


def iins(count: int, seed: int) -> list[str]:
    """`count` valid IINs (born 1985-03-12), distinct serials from `seed` on."""
    found, serial = [], seed
    while len(found) < count:
        body = f"850312{serial:05d}"
        digit = check_digit(body)
        if digit is not None:
            found.append(body + str(digit))
        serial += 1
    return found


# --- set-up ----------------------------------------------------------------------------------

@dataclass
class BenchClient:
    number: int
    client_id: int
    user_id: int
    login: str
    client_code: str
    token: str
    headers: dict = field(init=False)
    lock: threading.Lock = field(default_factory=threading.Lock)   # one cycle at a time: the outbox's last code is its

    def __post_init__(self):
        self.headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}


def firm_and_share(session) -> tuple:
    """The broker (with its back office and aggregated client account) and the share clients buy."""
    firm = identities.create_organisation(session, "Bench Cabinet Securities", OrganisationKind.MEMBER_FIRM,
                                          wall_now(), bin="880000000001")
    office = identities.create_user(session, "bench-office", "Bench office", Role.BROKER_OFFICE, firm,
                                    PASSWORD, wall_now())
    reference.create_account(session, organisation=firm, code=ACCOUNT, kind="aggregated")
    share = reference.create_instrument(
        session, code=SHARE, isin=isin("KZ1C7700000"), name="Bench cabinet share", kind="share",
        group="Main", currency="KZT", face_value=None, lot_size=1, price_step=STEP, price_subject="money",
        settlement_codes=["T0", "T2"], corridor_percent=Decimal("10"))
    reference.set_reference_price(session, share, DAY, REFERENCE)
    return firm, office, share


def set_up(url: str, count: int) -> tuple[list[BenchClient], dict[str, BenchClient]]:
    """The market, the firm and its clients, committed; (order clients, {"big": …, "small": …})."""
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        session = db.session
        if session.scalar(select(func.count()).select_from(JournalEntry)):
            sys.exit("The database already holds a market journal: use a fresh one.")
        began = time.perf_counter()
        set_sandbox_time(session, almaty(DAY, 12), frozen=True, user_id=None)
        firm, office, share = firm_and_share(session)
        positions = [position_instrument(session, number) for number in range(200)]
        session.commit()
        market.execute(session, OpenDay(DAY, almaty(DAY, 11), almaty(DAY, 17)))
        market.execute(session, LoadBalance(ACCOUNT, "KZT", "1000000000000"))
        people = iins(count + 2, 1)
        clients = []
        for number in range(count):
            clients.append(make_client(session, firm, office, number, people[number]))
            if number % 100 == 99:
                session.commit()
        session.commit()
        print(f"set-up: {count} clients in {time.perf_counter() - began:.1f} s", flush=True)
        began = time.perf_counter()
        big = make_client(session, firm, office, count, people[count], login="bench-big")
        small = make_client(session, firm, office, count + 1, people[count + 1], login="bench-small")
        fill_history(session, big, office, share, positions, orders=2_000, deals_per_order=5)
        fill_history(session, small, office, share, positions[:10], orders=10, deals_per_order=5)
        session.commit()
        print(f"set-up: the read clients (200 positions / 10,000 deals, 10 / 50) in "
              f"{time.perf_counter() - began:.1f} s", flush=True)
        db.engine.dispose()
    return clients, {"big": big, "small": small}


def position_instrument(session, number: int):
    instrument = reference.create_instrument(
        session, code=f"POS{number:03d}", isin=isin(f"KZ1C78{number:05d}"), name=f"Bench position {number}",
        kind="share", group="Main", currency="KZT", face_value=None, lot_size=1, price_step=STEP,
        price_subject="money", settlement_codes=["T0", "T2"], corridor_percent=Decimal("10"))
    reference.set_reference_price(session, instrument, DAY, Decimal(1000 + number))
    return instrument


def make_client(session, firm, office, number: int, iin: str, login: str | None = None) -> BenchClient:
    login = login or f"bench-client{number:04d}"
    person = identities.create_organisation(session, f"Bench client {number}", OrganisationKind.CLIENT,
                                            wall_now(), parent=firm)
    user = identities.create_user(session, login, f"Bench client {number}", Role.CLIENT, person, PASSWORD,
                                  wall_now(), locale="en")
    entry = brokerage.ClientEntry(iin=iin, full_name=f"Bench client {number}", phone=f"+7701{number:07d}",
                                  email=f"{login}@example.kz", agreement_number=f"B-{number}",
                                  agreement_date=date(2026, 11, 2), login=login)
    client = brokerage.attach_client(session, firm, person, user, entry, wall_now())
    brokerage.record_deposit(session, client, DEPOSIT, "KZT", "PP bench", office, wall_now())
    _row, token = identities.create_api_token(session, user, "bench", wall_now())
    return BenchClient(number, client.id, user.id, login, client.client_code, token)


def fill_history(session, who: BenchClient, office, share, positions: list, orders: int,
                 deals_per_order: int) -> None:
    """A deposit of each position through the ledger's service; then `orders` filled buy orders of
    this month, each with its signed document and `deals_per_order` fills posted to the ledger,
    inserted in bulk (the deals spread over the positions)."""
    client = session.get(BrokerClient, who.client_id)
    for instrument in positions:
        brokerage.post(session, client, Venue.KASE, instrument.code, Decimal(100), LedgerSource.DEPOSIT,
                       "T bench", office, wall_now())
    brokerage.post(session, client, None, "KZT", Decimal("1000000000"), LedgerSource.DEPOSIT, "PP bench",
                   office, wall_now())
    start = almaty(date(2027, 3, 1), 11)
    span = (almaty(DAY, 11) - start).total_seconds()
    documents, order_rows = [], []
    for number in range(orders):
        at = start + timedelta(seconds=span * number / orders)
        instrument = positions[number % len(positions)]
        nonce = secrets.token_hex(16)
        xml = canonical_xml("order", {"Instrument": instrument.code, "Lots": str(deals_per_order)}, client.iin, at,
                            nonce)
        documents.append(dict(kind="order", signer_id=who.user_id, iin=client.iin,
                              summary=f"Buy {deals_per_order} {instrument.code} (bench history)", document=xml,
                              document_sha256=hashlib.sha256(xml).hexdigest(), nonce=nonce,
                              status=DocumentStatus.SIGNED, method=SigningMethod.SMS, created_at=at,
                              signed_at=at, expires_at=at + timedelta(minutes=15), next_url="/cabinet/orders"))
    document_ids = session.scalars(insert(SignedDocument).returning(SignedDocument.id, sort_by_parameter_order=True),
                                   documents).all()
    for number, document_id in enumerate(document_ids):
        at = start + timedelta(seconds=span * number / orders)
        instrument = positions[number % len(positions)]
        price = Decimal(1000 + number % len(positions))
        order_rows.append(dict(client_id=who.client_id, firm_id=client.firm_id, venue=Venue.KASE,
                               code=instrument.code, currency="KZT", side="buy", type="limit", price=price,
                               lots=deals_per_order, lot_size=1, filled_lots=deals_per_order,
                               block_per_lot=price, amount=price * deals_per_order, status=OrderStatus.FILLED,
                               valid_until=almaty(at.astimezone(ALMATY).date(), 17), document_id=document_id,
                               instrument_id=instrument.id, settlement_code="T2", created_at=at, accepted_at=at,
                               closed_at=at))
    order_ids = session.scalars(insert(ClientOrder).returning(ClientOrder.id, sort_by_parameter_order=True),
                                order_rows).all()
    fills, ledger = [], []
    for row, order_id in zip(order_rows, order_ids):
        for deal in range(deals_per_order):
            at = row["created_at"] + timedelta(seconds=deal)
            fills.append(dict(order_id=order_id, client_id=who.client_id, lots=1, quantity=1, price=row["price"],
                              amount=row["price"], traded_at=at, settles_on=DAY))
            reference_text = f"fill {order_id}/{deal}"
            ledger.append(dict(client_id=who.client_id, venue=Venue.KASE, asset=row["code"], amount=Decimal(1),
                               source=LedgerSource.DEAL, reference=reference_text, settles_on=DAY, created_at=at,
                               created_by_id=office.id))
            ledger.append(dict(client_id=who.client_id, venue=None, asset="KZT", amount=-row["price"],
                               source=LedgerSource.DEAL, reference=reference_text, settles_on=DAY, created_at=at,
                               created_by_id=office.id))
    session.execute(insert(ClientFill), fills)
    session.execute(insert(LedgerEntry), ledger)
    session.flush()


# --- the signed-order cycle ----------------------------------------------------------------------

@dataclass
class Cycles:
    """What the cycles of one phase did: per-step latencies of successful steps, outcomes of the
    failed ones, and every confirmed order."""

    latencies: dict = field(default_factory=lambda: {step: [] for step in (*STEPS, "outbox", "cycle")})
    outcomes: Counter = field(default_factory=Counter)
    confirmed: list = field(default_factory=list)      # (client, order id, price)
    lock: threading.Lock = field(default_factory=threading.Lock)
    seconds: float = 0.0

    def step(self, name: str, latency: float) -> None:
        with self.lock:
            self.latencies[name].append(latency)

    def failed(self, name: str, outcome: str) -> None:
        with self.lock:
            self.outcomes[f"{name} {outcome}"] += 1

    @property
    def per_second(self) -> float:
        return len(self.latencies["cycle"]) / self.seconds if self.seconds else 0.0


class Prices:
    """Distinct limit prices below the reference, on the step, so the buys never cross."""

    def __init__(self):
        self.lock, self.next = threading.Lock(), 0

    def take(self) -> Decimal:
        with self.lock:
            self.next += 1
            return LOWEST + STEP * (self.next % 299_999)


class Outbox:
    """The SMS the desk queued, read as the client's phone would show it: the client's latest
    signing code. One connection per thread (the bench's own engine, not the server's)."""

    def __init__(self, url: str, threads: int):
        self.engine = engine_for(url, pool_size=threads, max_overflow=threads)

    def last_code(self, user_id: int) -> str | None:
        with self.engine.connect() as connection:
            body = connection.execute(text(
                "SELECT body FROM outbox_messages WHERE user_id = :user AND purpose = 'signing_code' "
                "ORDER BY id DESC LIMIT 1"), {"user": user_id}).scalar()
        found = body and CODE_AT_END.search(body)
        return found.group(1) if found else None


def cycle(connection: Connection, who: BenchClient, prices: Prices, outbox: Outbox, cycles: Cycles,
          due: float | None = None) -> bool:
    """One signed order: place, ask for the code, read it from the outbox, confirm. `due` (the
    slot's instant, open loop) is where the first step's and the cycle's latency start. No
    retries: a POST repeated after a lost answer could be a second draft."""
    with who.lock:
        price = prices.take()
        body = json.dumps({"venue": "kase", "code": SHARE, "side": "buy", "type": "limit",
                           "price": f"{price:.2f}", "lots": 1}).encode()
        sent = time.perf_counter()
        began = sent if due is None else due
        status, answer = connection.call("POST", "/api/v1/cabinet/orders", who.headers, body, attempts=1)
        if status != 201:
            cycles.failed("place", outcome_of(status, answer))
            return False
        placed = json.loads(answer)
        cycles.step("place", time.perf_counter() - began)
        document = placed["document_id"]
        sent = time.perf_counter()
        status, answer = connection.call("POST", f"/api/v1/cabinet/documents/{document}/code", who.headers, b"",
                                         attempts=1)
        if status not in (200, 201):
            cycles.failed("code", outcome_of(status, answer))
            return False
        cycles.step("code", time.perf_counter() - sent)
        sent = time.perf_counter()
        code = outbox.last_code(who.user_id)
        cycles.step("outbox", time.perf_counter() - sent)
        if code is None:
            cycles.failed("outbox", "no_code")
            return False
        sent = time.perf_counter()
        status, answer = connection.call("POST", f"/api/v1/cabinet/documents/{document}/confirm", who.headers,
                                         json.dumps({"code": code}).encode(), attempts=1)
        if status != 200:
            cycles.failed("confirm", outcome_of(status, answer))
            return False
        ended = time.perf_counter()
        cycles.step("confirm", ended - sent)
        with cycles.lock:
            cycles.latencies["cycle"].append(ended - began)
            cycles.confirmed.append((who, placed["id"], price))
        return True


def saturate_cycles(clients: list[BenchClient], rounds: int, threads: int, port: int, prices: Prices,
                    outbox: Outbox, name: str) -> Cycles:
    """Thread t takes clients t, t + T, …, each `rounds` times, round-robin, back to back."""
    cycles, start = Cycles(), threading.Barrier(threads + 1)

    def run(number: int) -> None:
        connection, mine = Connection(port), clients[number::threads]
        start.wait()
        for _round in range(rounds):
            for who in mine:
                cycle(connection, who, prices, outbox, cycles)

    workers = [threading.Thread(target=run, args=(number,)) for number in range(threads)]
    for worker in workers:
        worker.start()
    start.wait()
    began, cpu = time.perf_counter(), time.process_time()
    for worker in workers:
        worker.join()
    cycles.seconds = time.perf_counter() - began
    show_cycles(name, cycles, (time.process_time() - cpu) / cycles.seconds)
    return cycles


def fixed_rate_cycles(clients: list[BenchClient], rate: float, seconds: float, threads: int, port: int,
                      prices: Prices, outbox: Outbox, offset: int) -> Cycles:
    """Open loop: cycle i is due at start + i / rate, client (offset + i) mod N, taken by a free thread."""
    cycles, slots = Cycles(), queue.SimpleQueue()

    def run() -> None:
        connection = Connection(port)
        while (slot := slots.get()) is not None:
            number, due = slot
            cycle(connection, clients[(offset + number) % len(clients)], prices, outbox, cycles, due=due)

    workers = [threading.Thread(target=run) for _number in range(threads)]
    for worker in workers:
        worker.start()
    began, cpu = time.perf_counter() + 0.3, time.process_time()
    for number in range(int(rate * seconds)):
        due = began + number / rate
        time.sleep(max(0.0, due - time.perf_counter()))
        slots.put((number, due))
    for _worker in workers:
        slots.put(None)
    for worker in workers:
        worker.join()
    cycles.seconds = time.perf_counter() - began
    show_cycles(f"fixed rate {rate:g} signed orders/s", cycles, (time.process_time() - cpu) / cycles.seconds)
    return cycles


def show_cycles(name: str, cycles: Cycles, cpu: float) -> None:
    steps = " ".join(f"{step}_p50_ms={percentile_ms(sorted(values), 0.50):.1f} "
                     f"{step}_p99_ms={percentile_ms(sorted(values), 0.99):.1f}"
                     for step, values in cycles.latencies.items())
    failed = " ".join(f"[{outcome}]={times}" for outcome, times in sorted(cycles.outcomes.items()))
    print(f"{name}: signed={len(cycles.latencies['cycle'])} seconds={cycles.seconds:.1f} "
          f"per_s={cycles.per_second:.1f} {steps} failed={sum(cycles.outcomes.values())} client_cpu={cpu:.2f}"
          + (f" {failed}" if failed else ""), flush=True)


def worst_step_p99(cycles: Cycles) -> float:
    return max(percentile_ms(sorted(cycles.latencies[step]), 0.99) for step in STEPS)


# --- the reads -----------------------------------------------------------------------------------

API_READS = ("/api/v1/cabinet/portfolio", "/api/v1/cabinet/orders", "/api/v1/cabinet/deals")
PAGE_READS = ("/cabinet/portfolio", "/cabinet/orders", "/cabinet/deals")


def log_in(port: int, login: str) -> dict:
    """A browser's login: the form's CSRF token, then the session cookie; the Cookie header."""
    connection = Connection(port)
    jar = SimpleCookie()
    connection.http.request("GET", "/login")
    answer = connection.http.getresponse()
    page = answer.read().decode()
    jar.load(", ".join(answer.headers.get_all("Set-Cookie") or []))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())
    form = urlencode({"csrf_token": token.group(1) if token else "", "login": login, "password": PASSWORD})
    connection.http.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded",
                                                     "Cookie": cookie})
    answer = connection.http.getresponse()
    answer.read()
    if answer.status != 302:
        sys.exit(f"login of {login} answered {answer.status}")
    for header in answer.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {"Cookie": "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())}


def sequential(port: int, path: str, headers: dict, count: int) -> Phase:
    connection, latencies, outcomes = Connection(port), [], Counter()
    began = time.perf_counter()
    for _number in range(count):
        sent = time.perf_counter()
        status, body = connection.call("GET", path, headers)
        if status == 200:
            latencies.append(time.perf_counter() - sent)
        else:
            outcomes[outcome_of(status, body)] += 1
    return Phase(f"reads GET {path}", time.perf_counter() - began, sorted(latencies), outcomes, 0.0)


def count_queries(url: str, readers: dict[str, BenchClient]) -> dict[str, dict[str, int]]:
    """In-process, the same app on the same database: statements per request, by reader and path.
    No app context is held around the requests: each request must have its own, as under
    gunicorn (a shared one would keep the logged-in user in `g` from one client to the next)."""
    app = create_app({**app_config(url), "WTF_CSRF_ENABLED": False})
    counted: dict[str, dict[str, int]] = {}
    statements = [0]

    def count(*_args) -> None:
        statements[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    for name, who in readers.items():
        http = app.test_client()
        assert http.post("/login", data={"login": who.login, "password": PASSWORD}).status_code == 302
        counted[name] = {}
        for path in (*API_READS, *PAGE_READS):
            headers = {"Authorization": f"Bearer {who.token}"} if path.startswith("/api/") else {}
            http.get(path, headers=headers)                        # warm: the first of a kind loads more
            statements[0] = 0
            answer = http.get(path, headers=headers)
            assert answer.status_code == 200, (path, answer.status_code)
            counted[name][path] = statements[0]
    event.remove(engine, "before_cursor_execute", count)
    engine.dispose()
    return counted


# --- the check -----------------------------------------------------------------------------------

def check_book(url: str, confirmed: list) -> tuple[int, int, int]:
    """(lost, duplicated, checked): every confirmed order live or filled and once in the book."""
    engine = engine_for(url)
    with engine.connect() as connection:
        orders = {row.id: row for row in connection.execute(
            select(ClientOrder.id, ClientOrder.status, ClientOrder.market_order_id, ClientOrder.client_id)
            .where(ClientOrder.id.in_([order_id for _who, order_id, _price in confirmed])))}
        account = connection.execute(text("SELECT id FROM market_accounts WHERE code = :code"),
                                     {"code": ACCOUNT}).scalar()
        book = {row.id: row for row in connection.execute(
            select(MarketOrder.id, MarketOrder.client_code, MarketOrder.side, MarketOrder.price, MarketOrder.lots)
            .where(MarketOrder.account_id == account))}
        named = set(connection.execute(select(ClientOrder.market_order_id)
                                       .where(ClientOrder.market_order_id.is_not(None))).scalars())
    engine.dispose()
    lost = 0
    for who, order_id, price in confirmed:
        order = orders.get(order_id)
        twin = order and book.get(order.market_order_id)
        if order is None or order.status not in LIVE_OR_FILLED or twin is None or twin.client_code != who.client_code \
                or twin.side != "buy" or Decimal(twin.price) != price or twin.lots != 1:
            lost += 1
    orphans = sum(1 for market_id in book if market_id not in named)
    per_code = Counter(row.client_code for row in book.values())
    confirmed_per_code = Counter(who.client_code for who, _order_id, _price in confirmed)
    extra = sum(max(0, times - confirmed_per_code[code]) for code, times in per_code.items())
    return lost, max(orphans, extra), len(confirmed)


# --- the run -------------------------------------------------------------------------------------

def rerun_in_throwaway_cluster() -> None:
    inner = 'exec "$@" --database-url "$DATABASE_URL"'
    os.execv("/bin/bash", ["bash", str(ROOT / "scripts" / "pg_throwaway.sh"), "bash", "-c", inner, "cabinet",
                           sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]])


def codes_needed(args) -> int:
    """The most codes one client asks for in the run (warm-up, saturation, fixed rate)."""
    warm = 1
    fixed = -(-int(args.rate * args.seconds) // args.clients)
    return warm + args.orders_per_client + fixed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--orders-per-client", type=int, default=3)
    parser.add_argument("--threads", type=int, default=50, help="client threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--seconds", type=float, default=10, help="the floor and the fixed-rate phase")
    parser.add_argument("--rate", type=float, default=100, help="signed orders per second, open loop")
    parser.add_argument("--reads", type=int, default=200, help="sequential requests per read")
    parser.add_argument("--database-url", help="a fresh PostgreSQL database instead of a throwaway one")
    args = parser.parse_args()
    if codes_needed(args) > CODES_PER_CLIENT:
        sys.exit(f"a client would ask for {codes_needed(args)} codes, above the limit of {CODES_PER_CLIENT} an hour: "
                 "fewer orders per client, more clients or a shorter fixed-rate phase")
    if not args.database_url:
        rerun_in_throwaway_cluster()
    clients, readers = set_up(args.database_url, args.clients)
    port, prices = free_port(), Prices()
    outbox = Outbox(args.database_url, args.threads)
    with tempfile.TemporaryDirectory(prefix="bench-cabinet-") as folder:
        server = start_server(args.database_url, args.workers, port, Path(folder))
        try:
            wait_until_ready(server, port, clients[0].token, Path(folder))
            me = get_request("/api/v1/me", clients)      # only the clients' headers are used
            saturate("warm-up", args.threads, 1, port, me)
            warm = saturate_cycles(clients[-args.threads:], 1, args.threads, port, prices, outbox, "warm-up cycles")
            signed = saturate_cycles(clients, args.orders_per_client, args.threads, port, prices, outbox,
                                     "saturation signed orders")
            floor = saturate("floor GET /api/v1/me", args.threads, args.seconds, port, me)
            show(floor)
            timed = fixed_rate_cycles(clients, args.rate, args.seconds, args.threads, port, prices, outbox, offset=0)
            big = readers["big"]
            reads = [sequential(port, path, {"Authorization": f"Bearer {big.token}"}, args.reads) for path in API_READS]
            cookie = log_in(port, big.login)
            reads += [sequential(port, path, cookie, args.reads) for path in PAGE_READS]
            for phase in reads:
                show(phase)
        finally:
            stop_server(server)
    outbox.engine.dispose()
    queries = count_queries(args.database_url, readers)
    for name, counted in queries.items():
        print(f"queries per request, {name} client: " + " ".join(f"{path}={n}" for path, n in counted.items()),
              flush=True)
    growth = {path: queries["big"][path] - queries["small"][path] for path in queries["big"]}
    print(f"portfolio_queries={queries['big']['/api/v1/cabinet/portfolio']} "
          f"queries_growth_10_to_200_positions={max(growth.values())}", flush=True)
    confirmed = warm.confirmed + signed.confirmed + timed.confirmed
    lost, duplicated, checked = check_book(args.database_url, confirmed)
    print(f"book: confirmed={checked} lost={lost} duplicated={duplicated} "
          f"signed_vs_floor={signed.per_second / floor.per_second:.2f}", flush=True)
    portfolio_p99 = max(percentile_ms(phase.latencies, 0.99) for phase in reads)
    p99 = worst_step_p99(timed) if timed.latencies["cycle"] else worst_step_p99(signed)
    print(f"signed_orders_per_s={signed.per_second:.1f} p99_ms={p99:.1f} portfolio_p99_ms={portfolio_p99:.1f}",
          flush=True)


if __name__ == "__main__":
    main()
