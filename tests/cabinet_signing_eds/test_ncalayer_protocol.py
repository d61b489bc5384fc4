"""static/js/ncalayer.js in headless Chromium against a local WebSocket server that answers like
NCALayer (`kz.gov.pki.knca.commonUtils.signXml`), signing with the test RSA centre; the page is
a tiny static one from http.server (not the desk), and the signed XML it returns must verify."""
import functools
import json
import shutil
import socket
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from websockets.sync.server import serve

from app.cabinet.signing.xmldsig import verify_signed_xml
from tests.cabinet_signing_eds.pki import AT, CLIENT_IIN, document

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).resolve().parents[2] / "static" / "js" / "ncalayer.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
PAGE = '<!doctype html><meta charset="utf-8"><title>NCALayer</title><script src="/ncalayer.js"></script>'
SIGN = ("([xml, url]) => window.deskNcaLayer.signXml(xml, url)"
        ".then(signed => ({signed}), error => ({error: error.message, code: error.code}))")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def page_url(tmp_path):
    (tmp_path / "index.html").write_text(PAGE, encoding="utf-8")
    shutil.copy(SCRIPT, tmp_path / "ncalayer.js")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/index.html"
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture
def ncalayer(rsa_pki):
    """ws://127.0.0.1:<port>/ answering like NCALayer; `requests` keeps what it received;
    `answer` can be replaced to answer otherwise."""
    state = {"requests": [], "answer": lambda request: {
        "code": "200", "responseObject": rsa_pki.sign(request["args"][2].encode()).decode()}}

    def handler(connection) -> None:
        connection.send(json.dumps({"result": {"version": "1.4"}}))  # NCALayer's greeting
        for message in connection:
            request = json.loads(message)
            state["requests"].append(request)
            connection.send(json.dumps(state["answer"](request)))

    with serve(handler, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        state["url"] = f"ws://127.0.0.1:{server.socket.getsockname()[1]}/"
        yield state
        server.shutdown()
        thread.join()


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Chromium is missing: run scripts/install_system_packages.sh (as root)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, page_url):
    context = browser.new_context()
    page = context.new_page()
    page.goto(page_url)
    yield page
    context.close()


def test_the_script_returns_what_ncalayer_signed(page, ncalayer, rsa_pki):
    issued = document().decode()
    outcome = page.evaluate(SIGN, [issued, ncalayer["url"]])
    assert ncalayer["requests"] == [{"module": "kz.gov.pki.knca.commonUtils", "method": "signXml",
                                     "args": ["PKCS12", "SIGNATURE", issued, "", ""]}]
    verified = verify_signed_xml(outcome["signed"].encode(), document(), rsa_pki.trust(), AT, CLIENT_IIN)
    assert verified.iin == CLIENT_IIN


@pytest.mark.parametrize("answer, code, message", [
    ({"code": "500", "message": "action.canceled"}, "cancelled", "Signing was cancelled in NCALayer"),
    ({"code": "500", "message": "keystore.password.wrong"}, "refused",
     "NCALayer did not sign: keystore.password.wrong"),
])
def test_a_refusal_rejects_with_its_reason(page, ncalayer, answer, code, message):
    ncalayer["answer"] = lambda request: answer
    assert page.evaluate(SIGN, [document().decode(), ncalayer["url"]]) == {"error": message, "code": code}


def test_without_ncalayer_the_script_says_so(page):
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    outcome = page.evaluate(SIGN, [document().decode(), f"ws://127.0.0.1:{closed_port}/"])
    assert outcome == {"error": "NCALayer is not running", "code": "not_running"}


def test_the_default_url_is_ncalayers(page):
    assert page.evaluate("window.deskNcaLayer.url") == "wss://127.0.0.1:13579/"
