"""What a user does in the browser, step by step."""
import re

from playwright.sync_api import Page, expect

from app import ROOT
from app.demo.cli import demo_password

ARTIFACTS = ROOT / "test-artifacts"
LOGIN_URL = re.compile(r"/login(\?.*)?$")
HOME_URL = re.compile(r"/home$")


def submit_login(page: Page, login: str, password: str | None = None) -> None:
    page.goto("/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password or demo_password(login))
    page.get_by_test_id("login-submit").click()


def log_in(page: Page, login: str, password: str | None = None) -> None:
    submit_login(page, login, password)
    expect(page).to_have_url(HOME_URL)
    expect(page.get_by_test_id("home-title")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(LOGIN_URL)


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_load_state()
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
