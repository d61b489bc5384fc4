"""Server-side sessions: logout, password change, disabling and timeouts end them for real."""
from datetime import timedelta

from sqlalchemy import select

from app.auth import services
from app.auth.models import UserSession
from app.auth.roles import Role
from app.clock.services import wall_now
from app.extensions import db
from tests.conftest import TEST_PASSWORD

COOKIE = "desk_session"


def _login(client, user, password=TEST_PASSWORD):
    return client.post("/login", data={"login": user.login, "password": password})


def _replay(app, cookie_value):
    """A fresh browser holding only the copied cookie."""
    other = app.test_client()
    other.set_cookie(COOKIE, cookie_value)
    return other.get("/home")


def test_login_then_home(client, make_user):
    user = make_user(Role.ISSUER)
    assert _login(client, user).headers["Location"] == "/home"
    assert client.get("/home").status_code == 200


def test_replayed_cookie_after_logout_is_refused(app, client, make_user):
    user = make_user(Role.PRIMARY_DEALER)
    _login(client, user)
    stolen = client.get_cookie(COOKIE).value
    assert _replay(app, stolen).status_code == 200
    client.post("/logout")
    response = _replay(app, stolen)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_get_logout_only_asks_and_the_button_logs_out(client, make_user):
    _login(client, make_user(Role.CLIENT))
    page = client.get("/logout")
    assert page.status_code == 200 and 'data-testid="logout-confirm"' in page.text
    assert client.get("/home").status_code == 200  # a link alone ends nothing
    assert client.post("/logout").status_code == 302
    assert client.get("/home").status_code == 302


def test_password_change_ends_other_sessions_but_keeps_this_one(app, client, make_user):
    user = make_user(Role.MINFIN)
    other = app.test_client()
    _login(client, user)
    _login(other, user)
    response = client.post("/password", data={
        "old_password": TEST_PASSWORD, "new_password": "Brand-new-pass-1", "new_password_again": "Brand-new-pass-1",
    })
    assert response.status_code == 302
    assert client.get("/home").status_code == 200
    assert other.get("/home").status_code == 302
    client.post("/logout")
    assert _login(client, user).status_code == 401
    assert _login(client, user, "Brand-new-pass-1").status_code == 302


def test_password_change_errors_are_reported_and_change_nothing(client, login_as):
    user = login_as(Role.PARTICIPANT)
    before = user.password_hash
    cases = [
        ("wrong-old-password", "Brand-new-pass-1", "Brand-new-pass-1", "current password is wrong"),
        (TEST_PASSWORD, "Brand-new-pass-1", "Brand-new-pass-2", "do not match"),
        (TEST_PASSWORD, "short", "short", "at least 10 characters"),
        (TEST_PASSWORD, TEST_PASSWORD, TEST_PASSWORD, "must differ"),
    ]
    client.post("/language", data={"lang": "en"})
    for old, new, again, message in cases:
        response = client.post("/password", data={"old_password": old, "new_password": new, "new_password_again": again})
        assert response.status_code == 200
        assert message in response.text
    db.session.refresh(user)
    assert user.password_hash == before


def test_disabling_a_user_ends_its_sessions(client, make_user):
    user = make_user(Role.PARTICIPANT)
    _login(client, user)
    services.update_user(db.session, user, wall_now(), is_enabled=False)
    db.session.commit()
    assert client.get("/home").status_code == 302
    assert _login(client, user).status_code == 401


def _age_session(user, **ages):
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    for column, age in ages.items():
        setattr(row, column, wall_now() - age)
    db.session.commit()


def test_idle_timeout_is_30_minutes(client, make_user):
    user = make_user(Role.ISSUER)
    _login(client, user)
    _age_session(user, last_seen_at=timedelta(minutes=29))
    assert client.get("/home").status_code == 200
    _age_session(user, last_seen_at=timedelta(minutes=31))
    assert client.get("/home").status_code == 302


def test_absolute_timeout_is_12_hours_even_when_active(client, make_user):
    user = make_user(Role.ISSUER)
    _login(client, user)
    _age_session(user, created_at=timedelta(hours=12, minutes=1))
    assert client.get("/home").status_code == 302


def test_passwords_are_stored_as_argon2id(make_user):
    user = make_user(Role.ADMIN)
    assert user.password_hash.startswith("$argon2id$")
    assert TEST_PASSWORD not in user.password_hash


def test_login_and_logout_are_audited(client, make_user):
    from app.audit.models import AuditEvent

    user = make_user(Role.COLLATERAL_CONTROLLER)
    _login(client, user)
    client.post("/logout")
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "user", AuditEvent.object_id == str(user.id))
    ).all()
    by_action = {event.action: event for event in events}
    for action in ("user.login", "user.logout"):
        assert by_action[action].actor_login == user.login
        assert by_action[action].actor_role == "collateral_controller"
        assert by_action[action].request_id
