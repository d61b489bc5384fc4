"""kill -9 (issue 5): while client threads place orders through the API on gunicorn with three
workers, one worker dies by SIGKILL, then the master; the workers it leaves behind are
SIGKILLed too if they are still serving (the whole service is gone, as after a machine's
crash). Gunicorn is started again and every order whose answer never arrived is sent again
with the same Idempotency-Key.

Then: every acknowledged order is in the tables and the journal exactly once, no key and no
trade appears twice, the journal is gapless and folds to the projected trades and positions.
"""
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import ROOT
from app.auth import services as auth_services
from app.clock.services import wall_now
from app.extensions import db
from app.secondary.engine.day import LoadBalance
from app.secondary.models import JournalEntry, MarketOrder
from app.secondary.trading import services
from tests.secondary.test_journal import assert_journal_sound, assert_replay_matches

WORKERS = 3
THREADS, ORDERS_PER_THREAD = 5, 16
KILL_AFTER = 12        # acknowledgements before each kill
ABANDONED = 3            # sent, then the connection closed before the answer: committed, unanswered
ACKNOWLEDGED = (200, 201)
ORDERS_PATH = "/api/v1/market/orders"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
            found.append(int(entry.name))
    return sorted(found)


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@dataclass
class Gunicorn:
    """`make run`'s gunicorn, three workers, on this test's database."""
    port: int
    environment: dict
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--threads", "8",
                   "--workers", str(WORKERS),
                   "--bind", f"127.0.0.1:{self.port}", "--chdir", str(ROOT), "wsgi:app"]
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(command, env=self.environment, stdout=output,
                                            stderr=subprocess.STDOUT)
        wait_for(self._serving, 90, f"gunicorn to answer:\n{self.log.read_text()}")

    def _serving(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"gunicorn exited with {self.process.returncode}:\n{self.log.read_text()}")
        if len(self.workers()) < WORKERS:
            return False
        try:
            return request(self.port, "GET", "/healthz")[0] == 200
        except OSError:
            return False

    def workers(self) -> list[int]:
        return children_of(self.process.pid)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def request(port: int, method: str, path: str, body: dict | None = None, headers: dict | None = None):
    """(status, parsed JSON or None); OSError (refused, reset, cut off) when no answer came."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, None if body is None else json.dumps(body),
                           {"Content-Type": "application/json", **(headers or {})})
        response = connection.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data.startswith(b"{") else None
    except http.client.HTTPException as error:      # e.g. RemoteDisconnected: no answer
        raise ConnectionError(str(error)) from error
    finally:
        connection.close()


def abandon(port: int, body: dict, headers: dict) -> None:
    """Send a whole request and hang up before the answer: the order is placed, unacknowledged."""
    payload = json.dumps(body).encode()
    head = "".join(f"{name}: {value}\r\n" for name, value in {
        **headers, "Host": f"127.0.0.1:{port}", "Content-Type": "application/json",
        "Content-Length": str(len(payload)), "Connection": "close"}.items())
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(f"POST {ORDERS_PATH} HTTP/1.1\r\n{head}\r\n".encode() + payload)


@dataclass
class Order:
    key: str
    token: str
    body: dict
    answers: list = field(default_factory=list)     # (status, JSON) of each answer received

    @property
    def acknowledged(self):
        return next((answer for answer in self.answers if answer[0] in ACKNOWLEDGED), None)

    def send(self, port: int) -> bool:
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": self.key}
        try:
            self.answers.append(request(port, "POST", ORDERS_PATH, self.body, headers))
        except OSError:
            return False
        return self.acknowledged is not None


def orders_for(number: int, tokens: dict, accounts: dict, share: int, count: int) -> list[Order]:
    rng = random.Random(number)
    orders = []
    for index in range(count):
        firm = rng.choice(sorted(tokens))
        body = {"account": accounts[firm], "instrument": share, "settlement_code": "T0",
                "side": rng.choice(("buy", "sell")), "type": "limit", "lots": rng.randint(1, 5),
                "price": f"{29_990 + rng.randrange(21)}.00"}
        orders.append(Order(f"client{number}-{index}", tokens[firm], body))
    return orders


def journaled_keys(keys: list[str]) -> bool:
    try:
        return db.session.scalar(select(func.count()).select_from(JournalEntry)
                                 .where(JournalEntry.idempotency_key.in_(keys))) == len(keys)
    finally:
        db.session.commit()     # holds no lock (SQLite) while gunicorn's workers write


@pytest.fixture
def trading_desk(market_cast, database_url, tmp_path):
    """The cast with deep pockets, a token per firm, and gunicorn's environment."""
    cast = market_cast
    for account, asset in (("ALPHA_OWN", "KZT"), ("ALPHA_OWN", "KZTK"), ("BETA_OWN", "KZT"), ("BETA_OWN", "KZTK")):
        services.execute(db.session, LoadBalance(account, asset, "1000000000"))
    tokens = {}
    for firm, user in (("alpha", cast["dealer"]), ("beta", cast["trader"])):
        _row, tokens[firm] = auth_services.create_api_token(db.session, user, "crash test", wall_now(), None)
    accounts = {"alpha": cast["alpha_own"].id, "beta": cast["beta_own"].id}
    share = cast["share"].id
    db.session.commit()
    environment = {key: value for key, value in os.environ.items() if key != "SANDBOX_CLOCK"}
    environment.update(DATABASE_URL=database_url, SECRET_KEY="crash-test-secret-" + "0" * 32,
                       DESK_ENV="development", SANDBOX_CLOCK="1")
    server = Gunicorn(free_port(), environment, tmp_path / "gunicorn.log")
    try:
        yield server, tokens, accounts, share
    finally:
        server.stop()


def test_kill_9_of_a_worker_and_of_the_master_loses_no_acknowledged_order(trading_desk):
    server, tokens, accounts, share = trading_desk
    abandoned = orders_for(99, tokens, accounts, share, ABANDONED)
    batches = [orders_for(number, tokens, accounts, share, ORDERS_PER_THREAD) for number in range(THREADS)]
    server.start()
    for order in abandoned:
        abandon(server.port, order.body, {"Authorization": f"Bearer {order.token}", "Idempotency-Key": order.key})
    wait_for(lambda: journaled_keys([order.key for order in abandoned]), 30, "the abandoned orders")

    acknowledged = threading.Semaphore(0)

    def client(orders: list[Order]) -> None:
        for order in orders:
            if order.send(server.port):
                acknowledged.release()
            time.sleep(0.01)

    threads = [threading.Thread(target=client, args=(orders,)) for orders in batches]
    for thread in threads:
        thread.start()
    for _ in range(KILL_AFTER):
        acknowledged.acquire(timeout=30)
    victim = random.Random(7).choice(server.workers())
    os.kill(victim, signal.SIGKILL)
    for _ in range(KILL_AFTER):
        acknowledged.acquire(timeout=30)
    workers = server.workers()
    os.kill(server.process.pid, signal.SIGKILL)
    assert server.process.wait(timeout=10) == -signal.SIGKILL
    time.sleep(0.5)                 # orphans that are still serving die too
    for pid in workers:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not any(alive(pid) for pid in workers + [victim]), 10, "the old workers to die")
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()

    orders = abandoned + [order for batch in batches for order in batch]
    unanswered = [order for order in orders if order.acknowledged is None]
    assert len(unanswered) > ABANDONED          # some went while nothing was listening
    server.start()
    resend = [threading.Thread(target=lambda orders: [order.send(server.port) for order in orders],
                               args=(unanswered[number::THREADS],)) for number in range(THREADS)]
    for thread in resend:
        thread.start()
    for thread in resend:
        thread.join(timeout=60)
    server.stop()
    for order in unanswered:
        assert order.acknowledged, (order.key, order.answers)

    for order in abandoned:         # placed before, answered now: the same order, not a twin
        status, answer = order.acknowledged
        assert (status, answer["duplicate"]) == (200, True)
    assert_every_acknowledged_order_placed_once(orders)
    assert_journal_sound(db.session)
    assert_replay_matches(db.session)


def assert_every_acknowledged_order_placed_once(orders: list[Order]) -> None:
    acknowledged = {order.key: order.acknowledged[1]["id"] for order in orders}
    assert len(set(acknowledged.values())) == len(orders)
    journaled = db.session.execute(select(JournalEntry.idempotency_key, JournalEntry.seq)
                                   .where(JournalEntry.idempotency_key.is_not(None))).all()
    assert dict(journaled) == acknowledged and len(journaled) == len(orders)
    placed = list(db.session.scalars(select(MarketOrder.id).where(MarketOrder.id.in_(acknowledged.values()))))
    assert sorted(placed) == sorted(acknowledged.values())
    for order in orders:
        answer = order.acknowledged[1]
        assert (answer["side"], answer["lots"]) == (order.body["side"], order.body["lots"])
