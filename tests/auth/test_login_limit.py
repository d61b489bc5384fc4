"""Failed logins are counted in the database, so every worker enforces one limit; they are
limited per login at one address and per address, so a stranger cannot lock the real user out."""
from datetime import timedelta

from sqlalchemy import select

from app.auth.models import LoginAttempt
from app.auth.roles import Role
from app.extensions import db
from tests.conftest import TEST_PASSWORD

WRONG = "wrong password"


def at(app, address: str):
    """A browser at `address` (the client's address as the desk sees it)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def fail(client, login: str, times: int) -> list[int]:
    return [client.post("/login", data={"login": login, "password": WRONG}).status_code for _ in range(times)]


def test_the_limit_holds_whichever_worker_serves_the_attempt(make_app, make_user):
    user = make_user(Role.PRIMARY_DEALER)
    first = make_app()
    limit = first.config["LOGIN_FAILURE_LIMIT"]
    workers = [at(first, "10.0.0.9"), at(make_app(), "10.0.0.9")]
    for attempt in range(limit):
        response = workers[attempt % 2].post("/login", data={"login": user.login, "password": WRONG})
        assert response.status_code == 401, f"attempt {attempt + 1}"
    for worker in workers:
        refused = worker.post("/login", data={"login": user.login, "password": TEST_PASSWORD})
        assert refused.status_code == 429
        assert worker.get("/home").status_code == 302


def test_a_stranger_cannot_lock_the_real_user_out_from_elsewhere(app, make_user):
    """Just before a window closes, an attacker spends the login's limit from their address:
    the dealer at the office still logs in."""
    dealer = make_user(Role.PRIMARY_DEALER)
    attacker, office = at(app, "203.0.113.7"), at(app, "10.0.0.5")
    limit = app.config["LOGIN_FAILURE_LIMIT"]
    assert fail(attacker, dealer.login.upper(), limit + 3) == [401] * limit + [429] * 3
    assert office.post("/login", data={"login": dealer.login, "password": TEST_PASSWORD}).status_code == 302
    assert attacker.post("/login", data={"login": dealer.login, "password": TEST_PASSWORD}).status_code == 429


def test_one_address_trying_many_logins_is_stopped(make_app, make_user):
    app = make_app(LOGIN_ADDRESS_FAILURE_LIMIT=6, LOGIN_FAILURE_LIMIT=4)
    users = [make_user(Role.ISSUER) for _ in range(3)]
    sprayer = at(app, "198.51.100.1")
    statuses = [status for user in users for status in fail(sprayer, user.login, 2)]
    assert statuses == [401] * 6
    assert sprayer.post("/login", data={"login": users[0].login, "password": TEST_PASSWORD}).status_code == 429
    other = at(app, "198.51.100.2")
    assert other.post("/login", data={"login": users[0].login, "password": TEST_PASSWORD}).status_code == 302


def test_limit_counts_only_the_last_hour(app, make_user):
    user = make_user(Role.ISSUER)
    client = at(app, "10.0.0.8")
    fail(client, user.login, app.config["LOGIN_FAILURE_LIMIT"])
    assert client.post("/login", data={"login": user.login, "password": TEST_PASSWORD}).status_code == 429
    for attempt in db.session.scalars(select(LoginAttempt)):
        attempt.attempted_at -= timedelta(minutes=61)
    db.session.commit()
    assert client.post("/login", data={"login": user.login, "password": TEST_PASSWORD}).status_code == 302


def test_limit_is_per_login_and_login_is_case_insensitive(app, make_user):
    victim, bystander = make_user(Role.ISSUER), make_user(Role.ISSUER)
    client = at(app, "10.0.0.7")
    fail(client, victim.login.upper(), app.config["LOGIN_FAILURE_LIMIT"])
    assert client.post("/login", data={"login": victim.login, "password": TEST_PASSWORD}).status_code == 429
    assert client.post("/login", data={"login": bystander.login, "password": TEST_PASSWORD}).status_code == 302


def test_unknown_login_is_answered_like_a_wrong_password(client, make_user):
    user = make_user(Role.ISSUER)
    client.post("/language", data={"lang": "en"})
    unknown = client.post("/login", data={"login": "nobody-here", "password": "whatever"})
    wrong = client.post("/login", data={"login": user.login, "password": "whatever"})
    assert unknown.status_code == wrong.status_code == 401
    assert "Wrong login or password." in unknown.text and "Wrong login or password." in wrong.text
