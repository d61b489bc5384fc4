"""Headers on every response, no-store on authenticated pages, no stack traces."""
from app.auth.access import public
from app.auth.roles import Role


def test_headers_on_a_public_page(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'",
                      "frame-ancestors 'none'", "connect-src 'self' wss://127.0.0.1:13579"):
        assert directive in csp                 # pages reach the desk, and NCALayer on the client's computer
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert len(response.headers["X-Request-ID"]) >= 16


def test_authenticated_pages_are_not_cached(client, login_as):
    login_as(Role.MINFIN)
    assert client.get("/home").headers["Cache-Control"] == "no-store"


def test_a_well_formed_request_id_is_kept(client):
    response = client.get("/login", headers={"X-Request-ID": "proxy-1234abcd"})
    assert response.headers["X-Request-ID"] == "proxy-1234abcd"
    response = client.get("/login", headers={"X-Request-ID": "<script>"})
    assert response.headers["X-Request-ID"] != "<script>"


def test_error_page_has_no_stack_trace(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    @public
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Traceback" not in response.text and "secret internals" not in response.text
    assert "Content-Security-Policy" in response.headers


def test_unknown_page_is_404_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "<html" in response.text


def test_static_files_are_served_locally(client):
    response = client.get("/static/css/desk.css")
    assert response.status_code == 200
    assert "http" not in response.text.split("*/", 1)[-1]  # no remote fetches from the stylesheet
    response.close()


def test_behind_a_proxy_the_client_address_is_the_forwarded_one(make_app):
    from flask import request

    from app.auth.access import public as public_view

    app = make_app(PROXY_HOPS=1)

    @app.route("/whoami")
    @public_view
    def whoami():
        return request.remote_addr

    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    assert app.test_client().get("/whoami", headers=forwarded).text == "203.0.113.7"
    direct = make_app()

    @direct.route("/whoami")
    @public_view
    def whoami_direct():
        return request.remote_addr

    assert direct.test_client().get("/whoami", headers=forwarded).text != "203.0.113.7"
