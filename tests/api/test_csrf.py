"""CSRF on the API: calls with a bearer token need none; calls riding on the browser session
cookie still need the X-CSRFToken header for unsafe methods; HTML forms keep their check."""
import re

import pytest
from sqlalchemy import select

from app.auth.models import ApiToken
from app.auth.roles import Role
from app.extensions import db
from tests.api.conftest import bearer
from tests.conftest import TEST_PASSWORD


def csrf_token_of(page) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)


@pytest.fixture
def guarded(make_app):
    """An app with CSRF on, as in production."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app


@pytest.fixture
def browser(guarded, make_user):
    """A browser logged in through the real form; `.csrf` holds a CSRF token of its session."""
    client = guarded.test_client()
    user = make_user(Role.PARTICIPANT)
    form = client.get("/login")
    response = client.post("/login", data={"login": user.login, "password": TEST_PASSWORD,
                                           "csrf_token": csrf_token_of(form)})
    assert response.status_code == 302
    client.csrf = csrf_token_of(client.get("/tokens"))
    client.user = user
    return client


def test_session_call_without_csrf_token_is_refused(browser):
    response = browser.post("/api/v1/tokens", json={"name": "robot"})
    assert response.status_code == 400 and response.json["code"] == "csrf_failed"
    assert db.session.scalars(select(ApiToken)).all() == []


def test_session_call_with_csrf_header_passes(browser):
    response = browser.post("/api/v1/tokens", json={"name": "robot"}, headers={"X-CSRFToken": browser.csrf})
    assert response.status_code == 201


def test_session_delete_needs_the_header_too(browser, issue_token):
    issue_token(browser.user)
    token_id = browser.get("/api/v1/tokens").json[0]["id"]  # reading needs no CSRF token
    assert browser.delete(f"/api/v1/tokens/{token_id}").json["code"] == "csrf_failed"
    assert browser.delete(f"/api/v1/tokens/{token_id}", headers={"X-CSRFToken": browser.csrf}).status_code == 204


def test_token_calls_need_no_csrf_token(guarded, make_user, issue_token):
    client = guarded.test_client()
    raw = issue_token(make_user(Role.PARTICIPANT))
    token_id = client.get("/api/v1/tokens", headers=bearer(raw)).json[0]["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=bearer(raw)).status_code == 204


def test_token_call_is_refused_for_creating_not_for_csrf(guarded, make_user, issue_token):
    client = guarded.test_client()
    raw = issue_token(make_user(Role.PARTICIPANT))
    response = client.post("/api/v1/tokens", json={"name": "x"}, headers=bearer(raw))
    assert response.status_code == 403 and response.json["code"] == "session_required"


def test_anonymous_api_call_gets_401_not_a_csrf_error(guarded):
    response = guarded.test_client().post("/api/v1/tokens", json={"name": "x"})
    assert response.status_code == 401 and response.json["code"] == "unauthorized"


def test_html_forms_still_need_the_csrf_field(browser):
    response = browser.post("/tokens", data={"name": "robot"})
    assert response.status_code == 400 and response.mimetype == "text/html"
    response = browser.post("/tokens", data={"name": "robot", "csrf_token": browser.csrf})
    assert response.status_code == 200 and 'data-testid="new-token"' in response.text
