"""Failed logins are counted in the database, so every worker enforces one limit."""
from datetime import timedelta

from sqlalchemy import select

from app.auth.models import LoginAttempt
from app.auth.roles import Role
from app.extensions import db
from tests.conftest import TEST_PASSWORD


def test_101st_attempt_is_refused_whichever_worker_serves_it(make_app, make_user):
    user = make_user(Role.PRIMARY_DEALER)
    workers = [make_app().test_client(), make_app().test_client()]
    for attempt in range(100):
        response = workers[attempt % 2].post("/login", data={"login": user.login, "password": "wrong password"})
        assert response.status_code == 401, f"attempt {attempt + 1}"
    for worker in workers:
        refused = worker.post("/login", data={"login": user.login, "password": TEST_PASSWORD})
        assert refused.status_code == 429
        assert worker.get("/home").status_code == 302


def test_limit_counts_only_the_last_hour(client, make_user):
    user = make_user(Role.ISSUER)
    for _ in range(100):
        client.post("/login", data={"login": user.login, "password": "wrong password"})
    for attempt in db.session.scalars(select(LoginAttempt)):
        attempt.attempted_at -= timedelta(minutes=61)
    db.session.commit()
    assert client.post("/login", data={"login": user.login, "password": TEST_PASSWORD}).status_code == 302


def test_limit_is_per_account_and_login_is_case_insensitive(client, make_user):
    victim, bystander = make_user(Role.ISSUER), make_user(Role.ISSUER)
    for _ in range(100):
        client.post("/login", data={"login": victim.login.upper(), "password": "wrong password"})
    assert client.post("/login", data={"login": victim.login, "password": TEST_PASSWORD}).status_code == 429
    assert client.post("/login", data={"login": bystander.login, "password": TEST_PASSWORD}).status_code == 302


def test_unknown_login_is_answered_like_a_wrong_password(client, make_user):
    user = make_user(Role.ISSUER)
    client.post("/language", data={"lang": "en"})
    unknown = client.post("/login", data={"login": "nobody-here", "password": "whatever"})
    wrong = client.post("/login", data={"login": user.login, "password": "whatever"})
    assert unknown.status_code == wrong.status_code == 401
    assert "Wrong login or password." in unknown.text and "Wrong login or password." in wrong.text
