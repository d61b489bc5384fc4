"""Each demo role logs in and lands on its own home page."""
import pytest
from flask_babel import force_locale
from playwright.sync_api import expect

from app.demo.cli import USERS
from app.main.navigation import ROLE_LABELS
from tests.e2e.actions import log_in

pytestmark = pytest.mark.e2e

ONE_LOGIN_PER_ROLE = ("staff", "admin", "minfin", "dealer1", "broker1", "issuer", "custodian", "client", "backoffice",
                      "risk")
DEMO_USERS = {login: (role, full_name, organisation) for role, login, full_name, organisation in USERS}


def test_every_role_has_a_demo_login():
    assert {DEMO_USERS[login][0] for login in ONE_LOGIN_PER_ROLE} == set(ROLE_LABELS)


@pytest.mark.parametrize("login", ONE_LOGIN_PER_ROLE)
def test_each_role_sees_its_home_page(page, live_server, login):
    role, full_name, organisation = DEMO_USERS[login]
    with live_server.app.test_request_context(), force_locale("ru"):
        role_label = str(ROLE_LABELS[role])

    log_in(page, login)

    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_test_id("home-title")).to_have_text(f"{role_label} · {organisation}")
    expect(page.get_by_test_id("user-menu")).to_contain_text(full_name)
