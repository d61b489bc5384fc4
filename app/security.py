"""Response headers and request ids for every response."""
import re
import secrets

from flask import Flask, g, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

# NCALayer, the NCA's signing application, listens on the client's own computer; the cabinet's
# vendored script asks it to sign. Nothing else may be reached from a page.
NCALAYER_URL = "wss://127.0.0.1:13579"
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    f"connect-src 'self' {NCALAYER_URL}",
    "form-action 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def assign_request_id() -> None:
    """Keep a well-formed id from a proxy, else make one; it lands in audit rows and logs."""
    offered = request.headers.get("X-Request-ID", "")
    g.request_id = offered if REQUEST_ID_PATTERN.match(offered) else secrets.token_hex(12)


def add_security_headers(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if "request_id" in g:
        response.headers["X-Request-ID"] = g.request_id
    # Static files are the same for everyone: no need to load the user (a database read) for them.
    if request.endpoint != "static" and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
    return response


def register_security(app: Flask) -> None:
    hops = app.config["PROXY_HOPS"]
    if hops:
        # The client's address (audit rows, login attempts) and scheme come from the proxy.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.before_request(assign_request_id)
    app.after_request(add_security_headers)
