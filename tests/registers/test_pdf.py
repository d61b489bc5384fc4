"""PDF rendering: our own fonts only, Kazakh letters, and no way out to the network or disk."""
import socket
import subprocess
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from jinja2 import ChoiceLoader, DictLoader

from app.registers import pdf
from app.registers.pdf import STATIC, RefusedURL, VendoredFilesFetcher, render_document, render_pdf, vendored_path

# Every Kazakh-only letter: ә ғ қ ң ө ұ ү һ і (and capitals).
KAZAKH = "Әріп, ғимарат, Қазақстан, теңге, Өнім, ұйым, Үлес, шаһар, Ірі"
RUSSIAN = "Сводная ведомость принятых заявок"


def pdf_text(data: bytes, *pages: int) -> str:
    first_last = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    return subprocess.run(["pdftotext", "-layout", *first_last, "-", "-"], input=data,
                          capture_output=True, check=True).stdout.decode()


def pdf_fonts(data: bytes) -> list[list[str]]:
    """pdffonts rows: name, type…, emb, sub, uni, object id."""
    output = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return [line.split() for line in output.splitlines()[2:]]


def pdf_info(data: bytes, field: str) -> str:
    output = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return next(line.split(":", 1)[1].strip() for line in output.splitlines() if line.startswith(f"{field}:"))


@pytest.fixture
def fetched(monkeypatch) -> list[tuple[str, str]]:
    """Every URL WeasyPrint asks for, with what became of it ("ok" or the exception's name)."""
    seen = []
    original = VendoredFilesFetcher.fetch

    def recording_fetch(self, url, headers=None):
        try:
            response = original(self, url, headers)
        except Exception as error:
            seen.append((url, type(error).__name__))
            raise
        seen.append((url, "ok"))
        return response

    monkeypatch.setattr(VendoredFilesFetcher, "fetch", recording_fetch)
    return seen


@pytest.fixture
def connections(monkeypatch) -> list:
    """Records (and blocks) every attempt to open a network connection."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access in a PDF test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", lambda self, *args: refuse(*args))
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_render_pdf_returns_a_pdf():
    data = render_pdf("<p>Hello</p>")
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")


def test_russian_and_kazakh_text_uses_only_the_vendored_fonts(monkeypatch, fetched):
    monkeypatch.setattr(pdf, "_cached", pdf.threading.local())  # load the fonts afresh
    data = render_pdf(f"<h1>{RUSSIAN}</h1><p>{KAZAKH}</p><p><code>KZ0000000001</code></p>")

    text = pdf_text(data)
    assert RUSSIAN in text
    assert KAZAKH in text
    fonts = pdf_fonts(data)
    # @font-face names the vendored files "Desk Sans"/"Desk Mono"; a system font would keep
    # its own name (DejaVuSans…), so these names prove the vendored files were used.
    assert {row[0].split("+")[-1] for row in fonts} == {"Desk-Sans", "Desk-Sans-Bold", "Desk-Mono"}
    assert all(row[-5] == "yes" for row in fonts), fonts  # embedded
    font_files = {url.rsplit("/", 1)[-1] for url, outcome in fetched if outcome == "ok"}
    assert font_files == {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf"}


def test_remote_resources_cause_no_network_access_and_rendering_succeeds(connections, fetched):
    html = """
      <html><head>
        <link rel="stylesheet" href="https://cdn.example.com/theme.css">
        <style>@import url("http://198.51.100.1/imported.css");</style>
      </head><body>
        <img src="http://198.51.100.1/x.png">
        <img src="ftp://198.51.100.1/y.png">
        <p>Түбіртек</p>
      </body></html>"""
    data = render_pdf(html)

    assert data.startswith(b"%PDF-")
    assert "Түбіртек" in pdf_text(data)
    assert connections == []
    remote = {url: outcome for url, outcome in fetched if "198.51.100.1" in url or "example.com" in url}
    assert remote == {
        "https://cdn.example.com/theme.css": "RefusedURL",
        "http://198.51.100.1/imported.css": "RefusedURL",
        "http://198.51.100.1/x.png": "RefusedURL",
        "ftp://198.51.100.1/y.png": "RefusedURL",
    }


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "file://localhost/etc/passwd",
    f"file://{quote(str(STATIC))}/fonts/../../app/config.py",
    f"file://{quote(str(STATIC))}/favicon.svg",
    f"file://{quote(str(STATIC))}/fonts",
    f"file://example.com{quote(str(STATIC))}/fonts/DejaVuSans.ttf",
    "file:///usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "http://198.51.100.1/x.png",
])
def test_urls_outside_the_vendored_files_are_refused(url):
    with pytest.raises(RefusedURL):
        VendoredFilesFetcher().fetch(url)


def test_file_url_to_etc_passwd_is_refused_while_rendering(connections, fetched):
    data = render_pdf('<img src="file:///etc/passwd"><link rel="stylesheet" href="/etc/passwd"><p>ok</p>')

    assert data.startswith(b"%PDF-")
    assert ("file:///etc/passwd", "RefusedURL") in fetched
    assert not any(outcome == "ok" and "passwd" in url for url, outcome in fetched)


def test_vendored_fonts_and_print_css_are_served():
    for relative in ("fonts/DejaVuSans.ttf", "css/print.css"):
        response = VendoredFilesFetcher().fetch((STATIC / relative).as_uri())
        assert response.read() == (STATIC / relative).read_bytes()
    assert vendored_path((STATIC / "css" / "print.css").as_uri()) == STATIC / "css" / "print.css"


def test_data_urls_are_decoded_in_memory(connections, fetched):
    svg = quote('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>')
    data = render_pdf(f'<img src="data:image/svg+xml,{svg}"><p>QR</p>')

    assert data.startswith(b"%PDF-")
    assert [outcome for url, outcome in fetched if url.startswith("data:")] == ["ok"]
    assert connections == []


CHILD = """{% extends "registers/_pdf_base.html" %}
{% block title %}Deal register{% endblock %}
{% block landscape %}{{ orientation }}{% endblock %}
{% block document %}
<table>
  <thead><tr><th>Participant</th><th class="num">Price</th></tr></thead>
  <tbody>{% for row in rows %}<tr><td>{{ row[0] }}</td><td class="num">{{ row[1] }}</td></tr>{% endfor %}</tbody>
</table>
{% endblock %}"""


@pytest.fixture
def english_app(make_app):
    app = make_app(BABEL_DEFAULT_LOCALE="en", EXCHANGE_NAME="Test Exchange")
    app.jinja_env.loader = ChoiceLoader([DictLoader({"test_child.html": CHILD}), app.jinja_env.loader])
    with app.test_request_context():
        yield app


def test_base_template_prints_header_footer_and_repeats_table_headers(english_app, connections):
    rows = [(f"Bank {number}", "99.1234") for number in range(150)]
    data = render_document("test_child.html", rows=rows, orientation="portrait")

    assert "595.276 x 841.89" in pdf_info(data, "Page size")  # A4 portrait
    pages = int(pdf_info(data, "Pages"))
    assert pages > 1
    first, last = pdf_text(data, 1), pdf_text(data, pages)
    for page, number in ((first, 1), (last, pages)):
        assert "Auction Desk — Test Exchange" in page
        assert "Deal register" in page
        assert "Participant" in page and "Price" in page  # the header row on every page
        assert f"Page {number} / {pages}" in page
        assert "Generated " in page and "(Almaty time)" in page
    assert "SANDBOX: not a real deal" in first  # the tests run with the sandbox clock on
    assert connections == []


def test_base_template_landscape_block(english_app):
    data = render_document("test_child.html", rows=[("Bank", "100.0000")], orientation="landscape")

    assert "841.89 x 595.276" in pdf_info(data, "Page size")


def test_generation_time_is_shown_in_almaty_time(english_app, monkeypatch):
    monkeypatch.setattr(pdf, "now", lambda: datetime(2026, 11, 20, 19, 30, tzinfo=UTC))
    data = render_document("test_child.html", rows=[], orientation="portrait")

    assert "Generated 21.11.2026 00:30:00 (Almaty time)" in pdf_text(data)
