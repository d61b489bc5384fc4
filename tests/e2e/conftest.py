"""Browser tests: the desk served from a thread with CSRF on, driven by Debian's Chromium.

Playwright only drives the system browser (`executable_path`); it never downloads one.
"""
import shutil
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from app.clock.services import set_sandbox_time
from app.demo.cli import seed_demo
from app.domain.calendar import ALMATY
from app.extensions import db
from app.jobs.worker import run, run_timed_steps
from tests.e2e.actions import log_in_english

VIEWPORT = {"width": 1440, "height": 900}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
]
TIMEOUT_MS = 15_000


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: Flask


class RequestHandler(WSGIRequestHandler):
    timeout = 5  # seconds an idle keep-alive connection may delay the server's shutdown

    def log_request(self, code="-", size="-") -> None:
        pass


def buffered(app: Flask):
    """Reads each response whole and closes it here, so a request the browser abandons leaves
    no open file behind (the development server skips close() when the client went away)."""

    def application(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return application


@pytest.fixture
def live_server(make_app) -> LiveServer:
    """The desk with the demo users on this test's database, served from a thread."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        seed_demo(db.session)
        db.session.commit()
    server = make_server("127.0.0.1", 0, buffered(app), threaded=True, request_handler=RequestHandler)
    # Request threads are joined by server_close(): none may still use the database when the
    # test's teardown disposes the engine (or truncates the PostgreSQL tables).
    server.daemon_threads = False
    # A short poll interval: shutdown() waits for it at the end of every test.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="live-server", daemon=True)
    thread.start()
    stop_worker = threading.Event()
    worker = threading.Thread(target=_worker, args=(app, stop_worker), name="desk-worker", daemon=True)
    worker.start()
    yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    stop_worker.set()
    worker.join()
    server.shutdown()
    thread.join()
    server.server_close()


def _worker(app, stop: threading.Event) -> None:
    """The worker process of `make run`, as a thread beside the server."""
    with app.app_context():
        run(stop, poll=0.2, lease=timedelta(seconds=60))
        db.session.remove()


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Chromium is missing: run scripts/install_system_packages.sh (as root)")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Opens pages in fresh browser contexts (no shared cookies); all are closed afterwards."""
    contexts = []

    def open_page(cookies: list | None = None) -> Page:
        context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        if cookies:
            context.add_cookies(cookies)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


@pytest.fixture
def desk(new_page):
    """A browser of its own for each demo user, logged in (in English) on first use."""
    pages: dict[str, Page] = {}

    def as_user(login: str) -> Page:
        if login not in pages:
            pages[login] = new_page()
            log_in_english(pages[login], login)
        return pages[login]

    return as_user


@pytest.fixture
def clock(live_server):
    """Stop the sandbox clock at an Almaty time "YYYY-MM-DDTHH:MM", straight in the database;
    the deadlines it passes are stored at once, as the worker would on its next round."""
    def stop_at(almaty_wall_clock: str) -> None:
        with live_server.app.app_context():
            at = datetime.fromisoformat(almaty_wall_clock).replace(tzinfo=ALMATY)
            set_sandbox_time(db.session, at, frozen=True, user_id=None)
            db.session.commit()
            run_timed_steps()        # the worker's next round, without waiting for its poll
    return stop_at
