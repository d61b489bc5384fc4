"""The desk under gunicorn with two workers and CSRF on, as `make run` serves it.

The failed-login limit lives in the database, so it must hold when the failures land on
different workers. Requests are steered: while one worker is kept busy by an idle
connection, the next request can only reach the other one.
"""
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from app import ROOT
from app.auth.roles import Role
from tests.conftest import TEST_PASSWORD

LIMIT = 5
ACCEPT_PAUSE = 0.2  # seconds for the only free worker to accept an idle connection
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    host: str
    port: int
    access_log: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def served_by(self, method: str, path: str, status: int) -> list[str]:
        """Worker pids, in order, of the logged requests with this method, path and status."""
        lines = self.access_log.read_text().splitlines()
        return [pid for pid, *rest in map(str.split, lines) if rest == [method, path, str(status)]]


def wait_until_both_workers_answer(server: Server, process: subprocess.Popen, log: Path) -> None:
    """Each worker loads the app before it accepts; on a busy machine that takes seconds."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=30) as response:
                assert response.status == 200
        except OSError:  # refused, reset or timed out while the workers start
            pass
        if len(set(server.served_by("GET", "/healthz", 200))) == 2:
            return
        time.sleep(0.05)
    pytest.fail(f"gunicorn did not start two answering workers:\n{log.read_text()}")


@pytest.fixture
def gunicorn(database_url, make_user, tmp_path):
    """Two workers on this test's database (set up after the app, so torn down before it)."""
    server = Server("127.0.0.1", free_port(), tmp_path / "access.log")
    server.access_log.touch()
    environment = {key: value for key, value in os.environ.items() if key != "SANDBOX_CLOCK"}
    environment.update(
        DATABASE_URL=database_url, SECRET_KEY="gunicorn-test-secret-" + "0" * 32,
        LOGIN_FAILURE_LIMIT=str(LIMIT), DESK_ENV="development",
    )
    command = [
        sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--threads", "8", "--workers", "2",
        # One connection at a time per worker, so an idle connection steers requests (below).
        "--worker-connections", "1", "--bind", f"{server.host}:{server.port}",
        "--chdir", str(ROOT), "--access-logfile", str(server.access_log),
        "--access-logformat", "%(p)s %(m)s %(U)s %(s)s", "wsgi:app",
    ]
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=environment, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_until_both_workers_answer(server, process, log)
        yield server
    finally:
        process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Browser:
    """A cookie-keeping HTTP client that does what the login form does, CSRF token included."""

    def __init__(self, server: Server):
        self.server = server
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf_token = None

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        """(status, final path after redirects, body)."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.server.url + path, body, timeout=30) as response:
                return response.status, urllib.parse.urlsplit(response.url).path, response.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, path, error.read().decode()

    def open_login_form(self) -> None:
        status, _path, page = self.request("/login")
        assert status == 200
        self.csrf_token = CSRF_INPUT.search(page).group(1)

    def log_in(self, login: str, password: str) -> tuple[int, str, str]:
        return self.request("/login", {"csrf_token": self.csrf_token, "login": login, "password": password})


def idle_connection(server: Server) -> socket.socket:
    """Occupies whichever worker accepts it until closed: the worker waits for the request and,
    allowed one connection at a time, accepts no other."""
    connection = socket.create_connection((server.host, server.port))
    time.sleep(ACCEPT_PAUSE)
    return connection


def alternating_workers(server: Server, count: int):
    """Yields `count` times; the request made at each turn reaches the other worker than the last."""
    held = idle_connection(server)
    try:
        for _turn in range(count):
            yield
            # The worker that just answered is the only free one: it takes the next idle connection,
            # and releasing the first worker makes it the only one left for the next request.
            next_held = idle_connection(server)
            held.close()
            held = next_held
    finally:
        held.close()


def test_two_workers_serve_login_and_pages_with_csrf(gunicorn, make_user):
    make_user(Role.PARTICIPANT, login="trader")
    browser = Browser(gunicorn)
    browser.open_login_form()

    assert browser.request("/login", {"login": "trader", "password": TEST_PASSWORD})[0] == 400  # no token
    for _turn in alternating_workers(gunicorn, 2):
        assert browser.log_in("trader", "Wrong-password-1")[0] == 401
    status, path, page = browser.log_in("trader", TEST_PASSWORD)
    assert (status, path) == (200, "/home")
    for _turn in alternating_workers(gunicorn, 2):
        assert browser.request("/home")[:2] == (200, "/home")  # the server-side session, on each worker

    assert len(set(gunicorn.served_by("GET", "/home", 200))) == 2


def test_failed_login_limit_holds_across_workers(gunicorn, make_user):
    make_user(Role.PARTICIPANT, login="target")
    browser = Browser(gunicorn)
    browser.open_login_form()

    statuses = []
    for _turn in alternating_workers(gunicorn, LIMIT + 1):
        statuses.append(browser.log_in("target", f"Wrong-password-{len(statuses)}")[0])
    assert statuses == [401] * LIMIT + [429]
    assert browser.log_in("target", TEST_PASSWORD)[0] == 429  # even the right password, until the window ends

    failures = gunicorn.served_by("POST", "/login", 401)
    assert len(failures) == LIMIT
    assert all(first != second for first, second in zip(failures, failures[1:])), failures
