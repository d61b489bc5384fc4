"""GET /api/v1/clock."""
from datetime import UTC, datetime, timedelta

from app.auth.roles import Role
from tests.conftest import TEST_PASSWORD


def test_real_time_when_no_sandbox_time_is_set(client, login_as):
    login_as(Role.PARTICIPANT)
    body = client.get("/api/v1/clock").get_json()
    business = datetime.fromisoformat(body["business_now"])
    assert abs(business - datetime.now(UTC)) < timedelta(seconds=5)
    assert body["business_now"].endswith("+05:00") and body["business_now_utc"].endswith("+00:00")
    assert body["sandbox"] is True and body["simulated"] is False and body["frozen"] is False
    assert body["timezone"] == "Asia/Almaty"


def test_the_simulated_time(client, login_as):
    login_as(Role.EXCHANGE_STAFF)
    client.post("/clock/set", data={"simulated_at": "2026-03-20T10:30", "frozen": "y"})
    body = client.get("/api/v1/clock").get_json()
    assert body["business_now"] == "2026-03-20T10:30:00+05:00"
    assert body["business_now_utc"] == "2026-03-20T05:30:00+00:00"
    assert body["business_now_local"] == "2026-03-20T10:30:00"
    assert body["business_date"] == "2026-03-20"
    assert body["simulated"] is True and body["frozen"] is True
    wall = datetime.fromisoformat(body["wall_now_utc"])
    assert abs(wall - datetime.now(UTC)) < timedelta(seconds=5)
    assert body["wall_now"].endswith("+05:00")


def test_with_the_sandbox_off(make_app, make_user):
    app = make_app(SANDBOX_CLOCK=False)
    user = make_user(Role.CLIENT)
    client = app.test_client()
    client.post("/login", data={"login": user.login, "password": TEST_PASSWORD})
    body = client.get("/api/v1/clock").get_json()
    assert body["sandbox"] is False and body["simulated"] is False


def test_anonymous_calls_are_refused(client):
    assert client.get("/api/v1/clock").status_code == 401
