"""PDF documents (exchange certificates, summary and deal registers) from HTML.

WeasyPrint may read only our own vendored files: the fonts in static/fonts and the print CSS
in static/css. Every other URL — http(s), ftp, file: anywhere else, a system font named by
local() — is refused before any I/O, so a value that slips into a template can neither reach
the network nor read the server's disk. data: URLs are allowed: they are decoded in memory
(no I/O) and let a document embed an image it generated itself, e.g. a QR code.
"""
import mimetypes
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import DataHandler, Request

from flask import current_app, render_template
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.clock.services import now, sandbox_enabled

STATIC = Path(__file__).resolve().parent.parent.parent / "static"
PRINT_CSS = STATIC / "css" / "print.css"
ALLOWED_FOLDERS = (STATIC / "fonts", STATIC / "css")


class RefusedURL(ValueError):
    """A document asked for something other than our own fonts and print CSS."""


def vendored_path(url: str) -> Path:
    """The file a file: URL names, if it lies inside static/fonts or static/css (symlinks and
    `..` resolved first); anything else raises RefusedURL."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise RefusedURL(f"not a local file: {url}")
    path = Path(unquote(parts.path)).resolve()
    if not any(path.is_relative_to(folder) for folder in ALLOWED_FOLDERS) or not path.is_file():
        raise RefusedURL(f"outside the vendored fonts and print CSS: {url}")
    return path


class VendoredFilesFetcher(URLFetcher):
    """WeasyPrint's fetcher, narrowed to vendored files and data: URLs; never opens a socket.

    A refused URL raises; WeasyPrint logs it and renders without that resource."""

    def __init__(self):
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            with DataHandler().data_open(Request(url)) as response:
                return URLFetcherResponse(url, response.read(), dict(response.headers))
        path = vendored_path(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})


_cached = threading.local()


def _print_assets() -> tuple[FontConfiguration, CSS]:
    """The font configuration and parsed print CSS, built once per thread: loading the fonts
    is most of the cost of a small document, and Pango's font map is not shared across threads."""
    if not hasattr(_cached, "assets"):
        font_config = FontConfiguration()
        stylesheet = CSS(filename=str(PRINT_CSS), url_fetcher=VendoredFilesFetcher(), font_config=font_config)
        _cached.assets = (font_config, stylesheet)
    return _cached.assets


def render_pdf(html: str) -> bytes:
    """PDF bytes of an HTML document; static/css/print.css is always applied underneath the
    document's own styles. Relative URLs resolve against static/."""
    font_config, stylesheet = _print_assets()
    document = HTML(string=html, base_url=STATIC.as_uri() + "/", url_fetcher=VendoredFilesFetcher())
    return document.write_pdf(stylesheets=[stylesheet], font_config=font_config)


def render_document(template: str, **context) -> bytes:
    """A template extending registers/_pdf_base.html, rendered to PDF. Pass primitives only
    (str, Decimal, int, date, aware datetime, lists/dicts of them), never ORM objects."""
    html = render_template(
        template,
        exchange_name=current_app.config["EXCHANGE_NAME"],
        generated_at=now(),
        sandbox=sandbox_enabled(),
        **context,
    )
    return render_pdf(html)
