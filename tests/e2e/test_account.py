"""Language choice, password change and logout, with real CSRF tokens in a real browser."""
import re

import pytest
from playwright.sync_api import expect

from app.demo.cli import demo_password
from tests.e2e.actions import HOME_URL, LOGIN_URL, log_in, log_out, screenshot, submit_login

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "Fresh-broker-pass-2027"


def test_language_switch_is_remembered_for_the_user(page, new_page):
    log_in(page, "staff")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ru")
    screenshot(page, "home-ru")

    for code in ("kk", "en"):
        page.get_by_test_id(f"lang-{code}").click()
        expect(html).to_have_attribute("lang", code)
        expect(page).to_have_url(HOME_URL)  # back on the page where the switch was pressed
        page.reload()
        expect(html).to_have_attribute("lang", code)
        screenshot(page, f"home-{code}")

    elsewhere = new_page()  # no cookies: the choice must come from the user's record
    log_in(elsewhere, "staff")
    expect(elsewhere.locator("html")).to_have_attribute("lang", "en")


def test_password_change_retires_the_old_password(page):
    log_in(page, "broker1")
    page.goto("/password")
    change_password(page, "Not-the-password-1", NEW_PASSWORD)
    expect(page.locator(".flash-error")).to_be_visible()

    change_password(page, demo_password("broker1"), NEW_PASSWORD)
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/password$"))
    log_out(page)

    submit_login(page, "broker1")
    expect(page.locator(".flash-error")).to_be_visible()
    expect(page).to_have_url(LOGIN_URL)
    log_in(page, "broker1", NEW_PASSWORD)


def change_password(page, old: str, new: str) -> None:
    page.fill("input[name=old_password]", old)
    page.fill("input[name=new_password]", new)
    page.fill("input[name=new_password_again]", new)
    page.get_by_test_id("password-submit").click()


def test_session_cookie_is_dead_after_logout(page, new_page):
    log_in(page, "client")
    cookies = page.context.cookies()
    copy = new_page(cookies)
    copy.goto("/home")
    expect(copy.get_by_test_id("home-title")).to_be_visible()  # the copied cookie is a live session

    log_out(page)

    replay = new_page(cookies)
    replay.goto("/home")
    expect(replay).to_have_url(LOGIN_URL)
    expect(replay.get_by_test_id("home-title")).to_have_count(0)
