"""What a user does in the browser, step by step."""
import re
from datetime import datetime
from pathlib import Path

from flask import Flask
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from app import ROOT
from app.auth.models import User
from app.auth.services import create_api_token
from app.clock.services import wall_now
from app.demo.cli import demo_password
from app.extensions import db

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


# --- the auction day -------------------------------------------------------------------------------

def log_in_english(page: Page, login: str) -> None:
    """Log in and switch the user's language to English (remembered on the user's record)."""
    log_in(page, login)
    page.get_by_test_id("lang-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def set_clock(page: Page, almaty_wall_clock: str) -> None:
    """As staff, stop the sandbox clock at an Almaty time written "YYYY-MM-DDTHH:MM"."""
    page.goto("/clock/")
    form = page.get_by_test_id("sandbox-form")
    form.locator("input[name=simulated_at]").fill(almaty_wall_clock)
    form.locator("input[name=frozen]").check()
    form.get_by_role("button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    shown = datetime.fromisoformat(almaty_wall_clock).strftime("%d.%m.%Y %H:%M")
    expect(page.get_by_test_id("business-now")).to_contain_text(shown)


def fill_form(form: Locator, values: dict[str, str]) -> None:
    """Type into inputs and pick options in selects, by field name."""
    for name, value in values.items():
        field = form.locator(f"[name={name}]")
        if field.evaluate("node => node.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


# --- files and the API -----------------------------------------------------------------------------

def download(page: Page, link: Locator) -> bytes:
    """Click a link that downloads a file; the file's bytes."""
    with page.expect_download() as info:
        link.click()
    return Path(info.value.path()).read_bytes()


def upload(field: Locator, name: str, data: bytes, mime_type: str = "application/octet-stream") -> None:
    """Put bytes made in the test into a file input, as if chosen from disk."""
    field.set_input_files({"name": name, "mimeType": mime_type, "buffer": data})


def api_token(app: Flask, login: str) -> str:
    """A bearer token of a demo user, made as the /tokens page makes it."""
    with app.app_context():
        user = db.session.scalars(select(User).where(User.login == login)).one()
        _row, raw = create_api_token(db.session, user, "back office", wall_now())
        db.session.commit()
    return raw
