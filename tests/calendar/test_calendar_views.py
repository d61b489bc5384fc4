"""The calendar page: everybody reads it, exchange staff edit the overrides."""
from datetime import date

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.roles import Role
from app.calendar import services
from app.calendar.models import CalendarOverride, OverrideKind
from app.clock.services import wall_now
from app.extensions import db


def overrides() -> list[tuple[str, str, str]]:
    db.session.expire_all()
    return [(o.day.isoformat(), o.kind, o.note) for o in db.session.scalars(select(CalendarOverride))]


def english(client):
    client.post("/language", data={"lang": "en"})


def test_a_dealer_sees_the_month_with_holidays_but_no_editing(client, login_as):
    login_as(Role.PRIMARY_DEALER)
    english(client)
    response = client.get("/calendar/?month=2026-03")
    assert response.status_code == 200
    assert 'data-testid="month-grid"' in response.text
    assert "March 2026" in response.text
    assert "Nowruz Holiday (observed)" in response.text
    assert 'data-date="2026-03-24"' in response.text
    assert 'action="/calendar/overrides"' not in response.text


def test_a_dealer_may_not_add_or_remove(client, login_as):
    override = services.add_override(db.session, date(2026, 4, 14), OverrideKind.DAY_OFF, "", None, wall_now())
    db.session.commit()
    login_as(Role.PRIMARY_DEALER)
    assert client.post("/calendar/overrides", data={"day": "2026-04-15", "kind": "day_off"}).status_code == 403
    assert client.post(f"/calendar/overrides/{override.id}/remove").status_code == 403
    assert overrides() == [("2026-04-14", "day_off", "")]


@pytest.mark.parametrize("role", [Role.EXCHANGE_STAFF, Role.ADMIN])
def test_staff_add_and_remove_an_override(client, login_as, role):
    login_as(role)
    english(client)
    response = client.post("/calendar/overrides",
                           data={"day": "2026-04-15", "kind": "non_trading_day", "note": "System upgrade"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/calendar/?month=2026-04")
    assert overrides() == [("2026-04-15", "non_trading_day", "System upgrade")]
    page = client.get(response.headers["Location"]).text
    assert "Override for 15.04.2026 saved." in page and "System upgrade" in page and "no trading" in page

    override_id = db.session.scalar(select(CalendarOverride.id))
    response = client.post(f"/calendar/overrides/{override_id}/remove")
    assert response.status_code == 302
    assert overrides() == []
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "calendar_override")).all()
    assert actions == ["calendar_override.added", "calendar_override.removed"]


@pytest.mark.parametrize("data, message", [
    ({"day": "2026-04-14", "kind": "working_day"}, "already a working day"),
    ({"day": "", "kind": "day_off"}, "Enter the date."),
    ({"day": "14.04.2026", "kind": "day_off"}, "Not a valid date value."),
    ({"day": "2026-04-14", "kind": "holiday"}, "Not a valid choice."),
    ({"day": "2026-04-14", "kind": "day_off", "note": "x" * 201}, "at most 200 characters"),
    ({"day": "2126-04-14", "kind": "day_off"}, "2000–2099"),
])
def test_bad_overrides_are_refused_with_a_message(client, login_as, data, message):
    login_as(Role.EXCHANGE_STAFF)
    english(client)
    response = client.post("/calendar/overrides", data=data)
    assert response.status_code == 422
    assert message in response.text
    assert 'class="field-error"' in response.text
    assert overrides() == []


def test_a_duplicate_is_refused(client, login_as):
    login_as(Role.EXCHANGE_STAFF)
    english(client)
    client.post("/calendar/overrides", data={"day": "2026-04-14", "kind": "day_off"})
    response = client.post("/calendar/overrides", data={"day": "2026-04-14", "kind": "non_trading_day"})
    assert response.status_code == 422 and "already has an override" in response.text
    assert overrides() == [("2026-04-14", "day_off", "")]


def test_removing_a_missing_override_is_404(client, login_as):
    login_as(Role.EXCHANGE_STAFF)
    assert client.post("/calendar/overrides/12345/remove").status_code == 404


def test_the_deadline_helper(client, login_as):
    login_as(Role.PARTICIPANT)
    page = client.get("/calendar/?month=2026-03&on=2026-03-26").text
    assert 'data-testid="before-1">20.03.2026' in page
    assert 'data-testid="before-2">19.03.2026' in page
    assert 'data-testid="before-3">18.03.2026' in page
    assert 'data-testid="last-before">20.03.2026' in page
    assert 'data-testid="t-plus-2">30.03.2026' in page


@pytest.mark.parametrize("query, message", [
    ("month=March", "Give the month as YYYY-MM"),
    ("on=26.03.2026", "Give the date as YYYY-MM-DD"),
    ("month=2150-01", "The calendar covers the years 2000–2099."),
])
def test_bad_page_arguments_are_explained(client, login_as, query, message):
    login_as(Role.PARTICIPANT)
    english(client)
    response = client.get(f"/calendar/?{query}")
    assert response.status_code == 200
    assert message in response.text
    assert 'data-testid="month-grid"' in response.text


def test_month_navigation_links(client, login_as):
    login_as(Role.PARTICIPANT)
    page = client.get("/calendar/?month=2026-12").text
    assert "/calendar/?month=2027-01" in page and "/calendar/?month=2026-11" in page
    assert "/calendar/?month=2025-12" in page and "/calendar/?month=2027-12" in page


def test_kazakh_users_see_kazakh_holiday_names(client, login_as):
    login_as(Role.PARTICIPANT)
    client.post("/language", data={"lang": "kk"})
    assert "Наурыз мейрамы" in client.get("/calendar/?month=2026-03").text


def test_the_page_carries_csrf_tokens_for_staff(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    user = make_user(Role.EXCHANGE_STAFF)
    services.add_override(db.session, date(2026, 4, 14), OverrideKind.DAY_OFF, "", None, wall_now())
    db.session.commit()
    client = app.test_client()
    login_page = client.get("/login").text
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"login": user.login, "password": "Correct-horse-42", "csrf_token": token})
    page = client.get("/calendar/?month=2026-04").text
    assert page.count('name="csrf_token"') >= 3  # logout, add, remove
    assert client.post("/calendar/overrides", data={"day": "2026-04-15", "kind": "day_off"}).status_code == 400
    assert overrides() == [("2026-04-14", "day_off", "")]
