"""Load against a real server: gunicorn on a database, closed-loop saturation with N clients,
and an open loop at a fixed offered rate (requests sent on a schedule, not after the previous
answer).  Each client keeps one HTTP/1.1 connection, as a trading screen does."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A request: (method, path, JSON body or None, headers).
Request = tuple[str, str, dict | None, dict]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Gunicorn:
    environment: dict
    workers: int = 2
    threads: int = 8
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        command = [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", str(self.workers),
                   "--threads", str(self.threads), "--bind", f"127.0.0.1:{self.port}", "--chdir", str(ROOT),
                   "--log-level", "warning", "wsgi:app"]
        self.process = subprocess.Popen(command, env={**os.environ, **self.environment})
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        sys.exit("gunicorn did not answer")

    def __exit__(self, *_exc) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Client:
    """One keep-alive connection; reconnects when the server closed it."""

    def __init__(self, port: int):
        self.port, self.connection = port, None

    def send(self, request: Request) -> tuple[int, dict | None]:
        method, path, body, headers = request
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.connection.request(method, path, None if body is None else json.dumps(body),
                                        {"Content-Type": "application/json", **headers})
                answer = self.connection.getresponse()
                data = answer.read()
                return answer.status, json.loads(data) if data.startswith(b"{") else None
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


@dataclass
class Outcome:
    sent: int = 0
    answered: dict[int, int] = field(default_factory=dict)     # status → count
    latencies: list[float] = field(default_factory=list)       # seconds, of 2xx answers
    seconds: float = 0.0
    answers: list = field(default_factory=list)                # (request, status, JSON) of 2xx

    def add(self, request: Request, status: int, data, latency: float) -> None:
        self.sent += 1
        self.answered[status] = self.answered.get(status, 0) + 1
        if 200 <= status < 300:
            self.latencies.append(latency)
            self.answers.append((request, status, data))

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def saturate(port: int, clients: int, seconds: float, next_request: Callable[[int, int], Request]) -> Outcome:
    """`clients` threads, each sending `next_request(client, n)` as soon as the last answer came."""
    outcome, guard, start = Outcome(), threading.Lock(), threading.Barrier(clients + 1)
    stop_at: list[float] = []

    def run(number: int) -> None:
        client, sent = Client(port), 0
        start.wait()
        while time.perf_counter() < stop_at[0]:
            request = next_request(number, sent)
            began = time.perf_counter()
            status, data = client.send(request)
            with guard:
                outcome.add(request, status, data, time.perf_counter() - began)
            sent += 1

    threads = [threading.Thread(target=run, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    stop_at.append(began + seconds)
    start.wait()
    for thread in threads:
        thread.join()
    outcome.seconds = time.perf_counter() - began
    return outcome


def open_loop(port: int, rate: float, seconds: float, next_request: Callable[[int, int], Request],
              senders: int = 32) -> Outcome:
    """Requests offered at `rate` per second on a fixed schedule; latency runs from the instant a
    request was due, so a server that falls behind shows it."""
    outcome, guard = Outcome(), threading.Lock()
    local = threading.local()
    count = int(rate * seconds)

    def send(number: int, due: float) -> None:
        if not hasattr(local, "client"):
            local.client = Client(port)
        request = next_request(0, number)
        status, data = local.client.send(request)
        with guard:
            outcome.add(request, status, data, time.perf_counter() - due)

    began = time.perf_counter()
    with ThreadPoolExecutor(senders) as pool:
        for number in range(count):
            due = began + number / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            pool.submit(send, number, due)
    outcome.seconds = time.perf_counter() - began
    return outcome

