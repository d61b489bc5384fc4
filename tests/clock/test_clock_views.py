"""The sandbox clock: staff move it, every worker on the database reads the same time."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.roles import Role
from app.clock import services
from app.clock.models import SandboxClock
from app.extensions import db
from tests.conftest import TEST_PASSWORD


def business_now_in(app) -> datetime:
    """What another worker's request would read."""
    with app.test_request_context("/"):
        return services.now()


def clock_row() -> tuple[datetime, bool] | None:
    """The stored sandbox clock; the read transaction is ended, so other workers are not kept
    waiting for SQLite's write lock."""
    db.session.expire_all()
    row = db.session.get(SandboxClock, services.SANDBOX_ROW_ID)
    state = None if row is None else (row.simulated_at, row.frozen)
    db.session.rollback()
    return state


def english(client):
    client.post("/language", data={"lang": "en"})


def test_setting_the_clock_is_seen_by_every_worker(client, login_as, make_app):
    other_worker = make_app()
    login_as(Role.EXCHANGE_STAFF)
    english(client)
    response = client.post("/clock/set", data={"simulated_at": "2026-03-20T10:30", "frozen": "y"})
    assert response.status_code == 302
    simulated = datetime(2026, 3, 20, 5, 30, tzinfo=UTC)  # 10:30 in Almaty is 05:30 UTC
    assert business_now_in(other_worker) == simulated
    page = client.get("/clock/").text
    assert "Sandbox clock set to 20.03.2026 10:30 Almaty time." in page
    assert "20.03.2026 10:30:00" in page  # the business time tile and the banner

    response = client.post("/clock/reset")
    assert response.status_code == 302
    assert clock_row() is None
    assert abs(business_now_in(other_worker) - datetime.now(UTC)) < timedelta(seconds=5)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "sandbox_clock")).all()
    assert actions == ["sandbox_clock.set", "sandbox_clock.reset"]


def test_a_running_sandbox_clock_moves_on(client, login_as, make_app):
    login_as(Role.EXCHANGE_STAFF)
    client.post("/clock/set", data={"simulated_at": "2026-03-20T10:30"})
    row = db.session.get(SandboxClock, services.SANDBOX_ROW_ID)
    assert row.frozen is False
    row.set_at -= timedelta(minutes=90)  # as if set an hour and a half ago
    db.session.commit()
    assert business_now_in(make_app()) - datetime(2026, 3, 20, 5, 30, tzinfo=UTC) >= timedelta(minutes=90)


@pytest.mark.parametrize("shift, expected_almaty", [
    ("plus_hour", "2026-03-20T11:30"),
    ("today_0900", "2026-03-20T09:00"),
    ("today_1200", "2026-03-20T12:00"),
    ("next_business_day_0900", "2026-03-26T09:00"),  # Friday → after the Nauryz days off
])
def test_quick_moves(client, login_as, shift, expected_almaty):
    login_as(Role.EXCHANGE_STAFF)
    client.post("/clock/set", data={"simulated_at": "2026-03-20T10:30", "frozen": "y"})
    assert client.post("/clock/shift", data={"shift": shift}).status_code == 302
    assert clock_row() == (datetime.fromisoformat(expected_almaty + "+05:00"), True)


def test_a_quick_move_from_real_time_starts_a_running_clock(client, login_as):
    login_as(Role.EXCHANGE_STAFF)
    assert client.post("/clock/shift", data={"shift": "plus_hour"}).status_code == 302
    simulated_at, frozen = clock_row()
    assert frozen is False
    assert abs(simulated_at - datetime.now(UTC) - timedelta(hours=1)) < timedelta(seconds=5)


def test_an_unknown_quick_move_is_refused(client, login_as):
    login_as(Role.EXCHANGE_STAFF)
    english(client)
    response = client.post("/clock/shift", data={"shift": "plus_year"}, follow_redirects=True)
    assert "Choose one of the quick moves." in response.text
    assert clock_row() is None


@pytest.mark.parametrize("value, message", [
    ("", "Enter the date and time"),
    ("20.03.2026 10:30", "Not a valid datetime value."),
    ("1990-03-20T10:30", "Choose a time in the years 2001–2098."),
])
def test_bad_times_are_refused_with_a_message(client, login_as, value, message):
    login_as(Role.EXCHANGE_STAFF)
    english(client)
    response = client.post("/clock/set", data={"simulated_at": value})
    assert response.status_code == 422
    assert message in response.text
    assert clock_row() is None


def test_the_page_shows_real_and_business_time_and_the_form(client, login_as):
    login_as(Role.ADMIN)
    english(client)
    page = client.get("/clock/").text
    assert 'data-testid="business-now"' in page and 'data-testid="real-now"' in page
    assert 'data-testid="sandbox-form"' in page and 'name="simulated_at"' in page
    assert "sandbox on, real time" in page


@pytest.mark.parametrize("role", [Role.PRIMARY_DEALER, Role.MINFIN, Role.PARTICIPANT])
def test_only_staff_reach_the_clock(client, login_as, role):
    login_as(role)
    assert client.get("/clock/").status_code == 403
    assert client.post("/clock/set", data={"simulated_at": "2026-03-20T10:30"}).status_code == 403
    assert client.post("/clock/shift", data={"shift": "plus_hour"}).status_code == 403
    assert client.post("/clock/reset").status_code == 403
    assert clock_row() is None


def test_with_the_sandbox_off_the_page_says_so_and_posts_are_refused(make_app, make_user):
    app = make_app(SANDBOX_CLOCK=False)
    user = make_user(Role.EXCHANGE_STAFF)
    client = app.test_client()
    assert client.post("/login", data={"login": user.login, "password": TEST_PASSWORD}).status_code == 302
    english(client)
    page = client.get("/clock/").text
    assert 'data-testid="sandbox-off"' in page and 'data-testid="sandbox-form"' not in page
    assert 'data-testid="sandbox-banner"' not in page
    for url, data in (("/clock/set", {"simulated_at": "2026-03-20T10:30"}), ("/clock/shift", {"shift": "plus_hour"}),
                      ("/clock/reset", {})):
        response = client.post(url, data=data, follow_redirects=True)
        assert "The sandbox clock is off on this desk" in response.text
    assert clock_row() is None
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "sandbox_clock")).all() == []


def test_with_the_sandbox_off_a_stored_time_is_ignored(make_app):
    """A row left from a sandbox run never moves a desk that runs on real time."""
    sandbox_app = make_app()
    with sandbox_app.test_request_context("/"):
        services.set_sandbox_time(db.session, datetime(2026, 3, 20, 5, 30, tzinfo=UTC), True, None)
        db.session.commit()
    assert abs(business_now_in(make_app(SANDBOX_CLOCK=False)) - datetime.now(UTC)) < timedelta(seconds=5)


def test_the_form_starts_from_the_business_time_and_the_frozen_flag(client, login_as):
    login_as(Role.EXCHANGE_STAFF)
    client.post("/clock/set", data={"simulated_at": "2026-03-20T10:30", "frozen": "y"})
    page = client.get("/clock/").text
    assert 'value="2026-03-20T10:30"' in page
    assert '<input checked id="frozen" name="frozen" type="checkbox" value="y">' in page
