"""Personal API tokens: created on the page or through the API, shown once, stored hashed,
refused once revoked or expired, and of no use outside /api/."""
import hashlib
import re
from datetime import timedelta

from sqlalchemy import select, update

from app.auth.models import ApiToken
from app.auth.roles import Role
from app.clock.services import wall_now
from app.extensions import db
from tests.api.conftest import bearer


def test_token_created_on_the_page_is_shown_once_and_works(client, login_as):
    user = login_as(Role.PARTICIPANT)
    page = client.post("/tokens", data={"name": "back office"})
    assert page.status_code == 200
    raw = re.search(r'data-testid="new-token">.*?<code class="token">(desk_[^<]+)</code>', page.text, re.S).group(1)
    again = client.get("/tokens").text
    assert raw not in again and f"{raw[:11]}…" in again
    client.post("/logout")

    response = client.get("/api/v1/me", headers=bearer(raw))
    assert response.status_code == 200
    assert response.json == {"login": user.login, "role": "participant", "organisation": user.organisation.name}


def test_token_created_through_the_api_is_returned_once(client, login_as):
    login_as(Role.ISSUER)
    created = client.post("/api/v1/tokens", json={"name": "treasury", "expires_at": "2099-01-31T18:00:00+05:00"})
    assert created.status_code == 201
    body = created.json
    assert body["token"].startswith("desk_") and body["token"].startswith(body["prefix"])
    assert body["status"] == "active" and body["expires_at"] == "2099-01-31T18:00:00+05:00"
    client.post("/logout")

    assert client.get("/api/v1/me", headers=bearer(body["token"])).json["role"] == "issuer"
    listed = client.get("/api/v1/tokens", headers=bearer(body["token"])).json
    assert [row["id"] for row in listed] == [body["id"]]
    assert "token" not in listed[0] and "token_hash" not in listed[0]
    assert listed[0]["last_used_at"].endswith("+05:00")


def test_only_the_hash_is_stored(client, login_as):
    login_as(Role.PARTICIPANT)
    raw = client.post("/api/v1/tokens", json={"name": "robot"}).json["token"]
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    for table in db.metadata.sorted_tables:  # audit rows included
        for stored in db.session.execute(select(table)).all():
            assert raw not in repr(tuple(stored)), table.name


def test_revoked_token_is_refused_with_json(client, make_user, issue_token):
    raw = issue_token(make_user(Role.PARTICIPANT))
    token_id = client.get("/api/v1/tokens", headers=bearer(raw)).json[0]["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=bearer(raw)).status_code == 204

    response = client.get("/api/v1/me", headers=bearer(raw))
    assert response.status_code == 401
    assert response.json["code"] == "unauthorized" and response.json["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert db.session.get(ApiToken, token_id).revoked_at is not None


def test_expired_token_is_refused(client, make_user, issue_token):
    raw = issue_token(make_user(Role.PARTICIPANT), expires_at=wall_now() + timedelta(hours=1))
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 200
    db.session.execute(update(ApiToken).values(expires_at=wall_now() - timedelta(seconds=1)))
    db.session.commit()

    response = client.get("/api/v1/me", headers=bearer(raw))
    assert response.status_code == 401 and response.json["code"] == "unauthorized"


def test_unknown_or_malformed_tokens_are_refused(client):
    for header in ("Bearer desk_nonsense", "Bearer ", "Basic dXNlcjpwYXNz", "desk_nonsense"):
        response = client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401 and response.json["code"] == "unauthorized", header


def test_someone_elses_token_does_not_exist(client, make_user, issue_token):
    mine = issue_token(make_user(Role.PARTICIPANT))
    theirs = issue_token(make_user(Role.PARTICIPANT))
    their_id = client.get("/api/v1/tokens", headers=bearer(theirs)).json[0]["id"]

    response = client.delete(f"/api/v1/tokens/{their_id}", headers=bearer(mine))
    assert response.status_code == 404 and response.json["code"] == "not_found"
    assert client.get("/api/v1/me", headers=bearer(theirs)).status_code == 200
    assert client.delete("/api/v1/tokens/999999", headers=bearer(mine)).status_code == 404


def test_a_token_cannot_create_tokens(client, make_user, issue_token):
    raw = issue_token(make_user(Role.PRIMARY_DEALER))
    response = client.post("/api/v1/tokens", json={"name": "successor"}, headers=bearer(raw))
    assert response.status_code == 403 and response.json["code"] == "session_required"
    # Refused before the body is read: a bad body gets the same answer.
    assert client.post("/api/v1/tokens", json={}, headers=bearer(raw)).json["code"] == "session_required"
    assert db.session.scalars(select(ApiToken.name)).all() == ["back office"]


def test_bearer_token_does_not_open_html_pages(client, make_user, issue_token):
    raw = issue_token(make_user(Role.EXCHANGE_STAFF))
    response = client.get("/home", headers=bearer(raw))
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/tokens", headers=bearer(raw)).status_code == 302


def test_disabled_user_token_is_refused(client, make_user, issue_token):
    user = make_user(Role.PARTICIPANT)
    raw = issue_token(user)
    user.is_enabled = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 401


def test_bad_token_requests_name_the_field(client, login_as, speaks_english):
    speaks_english(login_as(Role.PARTICIPANT))
    cases = [
        ({}, "name", "This field is required."),
        ({"name": "   "}, "name", "Give the token a name, e.g. the system that will use it."),
        ({"name": "x" * 101}, "name", "Use 1 to 100 characters."),
        ({"name": "a", "expires_at": "2099-01-31T18:00:00"}, "expires_at",
         "Give the time with its offset, e.g. 2026-12-31T18:00:00+05:00."),
        ({"name": "a", "expires_at": "tomorrow"}, "expires_at",
         "Not a valid date and time: use ISO 8601 with an offset, e.g. 2026-12-31T18:00:00+05:00."),
        ({"name": "a", "expires_at": "2020-01-01T00:00:00+00:00"}, "expires_at", "The expiry must be in the future."),
        ({"name": "a", "secret": "x"}, "secret", "This field is not expected here."),
    ]
    for body, field, message in cases:
        response = client.post("/api/v1/tokens", json=body)
        assert response.status_code == 422, body
        assert response.json == {"code": "validation_error", "message": "Some fields are not valid.",
                                 "details": {"json": {field: [message]}}}, body
    assert db.session.scalars(select(ApiToken)).all() == []


def test_body_that_is_not_json_is_refused_with_json(client, login_as):
    login_as(Role.PARTICIPANT)
    response = client.post("/api/v1/tokens", data="{not json", content_type="application/json")
    assert response.status_code == 400 and response.json["code"] == "bad_request"
