"""Margin lending in the browser, over three trading days on the sandbox clock (issue 13).

A new client of АО «Алатау Брокер» deposits 1 000 000 ₸ and buys 100 KZTK at 36 500 on margin
(KZTK's long rate 25 %): S = 1 000 000, M0 = 912 500, NPR1 = 87 500 in Risks. Ten more are
refused with the figure (NPR1 −3 750). Dealers' trades on the desk's market take KZTK to 32 900
(NPR1 = 75·P − 2 650 000 = −182 500: the NPR1 e-mail reaches a real SMTP server), then on
Thursday to 29 700 (NPR2 = 87.5·P − 2 650 000 = −51 250: a margin call due 17:00 on Friday).
On Friday at 17:01 the worker closes out: each KZTK sold raises NPR1 by 29 700 × 25 % = 7 425, so
the minimal sale is 57 (56 would leave −6 700); NPR1 = 725 afterwards. The exchange's own steps —
closing and opening the days, the reference prices — are done as its staff would, in the desk.
"""
import re
from datetime import date, datetime, time
from time import monotonic, sleep
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from app.clock.services import set_sandbox_time
from app.demo.banks import seed_banks
from app.demo.brokerage import seed_brokerage
from app.demo.margin import seed_margin
from app.demo.market import seed_market
from app.demo.venues import seed_venues
from app.domain.calendar import ALMATY
from app.extensions import db
from app.jobs.worker import run_timed_steps
from app.secondary import schedule
from app.secondary.models import Instrument
from app.secondary.reference import services as reference
from tests.e2e.actions import fill_form
from tests.e2e.test_cabinet_day import deposit, first_login, register_client, reload_until, shot, sign_by_sms
from tests.e2e.test_market import open_book, place_order
from tests.messaging.conftest import smtp_server  # noqa: F401 — the fixture

pytestmark = pytest.mark.e2e

WEDNESDAY, THURSDAY, FRIDAY = date(2027, 3, 10), date(2027, 3, 11), date(2027, 3, 12)
CLIENT_EMAIL = "n.abaev@example.kz"          # what register_client enters


@pytest.fixture
def make_app(make_app, smtp_server):
    """E-mail through the test's SMTP server; the session runs to 18:00, past the calls' 17:00."""
    _mailbox, port = smtp_server
    return lambda **config: make_app(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port,
                                     MAIL_FROM="broker@alatau.test", MARKET_CLOSES="18:00", **config)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ALMATY)


@pytest.fixture
def exchange(live_server):
    """The sandbox clock and the exchange staff's day: close the session, set the next day's
    reference price of KZTK, open the day 11:30–18:00."""
    app = live_server.app

    def stop_clock(moment: datetime) -> None:
        with app.app_context():
            set_sandbox_time(db.session, moment, frozen=True, user_id=None)
            db.session.commit()
            run_timed_steps()            # the worker's next round, without waiting for its poll

    def next_day(day: date, kztk_reference: str) -> None:
        with app.app_context():          # the day's reference price, set at the close of the day before
            kztk = db.session.query(Instrument).filter_by(code="KZTK").one()
            reference.set_reference_price(db.session, kztk, day, kztk_reference)
            db.session.commit()
        stop_clock(at(day, 11, 30))      # the worker's round closes the day before (past its 18:00)
        with app.app_context():
            schedule.open_day(db.session, day, time(11, 30), time(18, 0))
            db.session.commit()

    with app.app_context():
        moment = at(WEDNESDAY, 12)
        set_sandbox_time(db.session, moment, frozen=True, user_id=None)
        db.session.commit()
        seed_brokerage(db.session, moment)
        seed_banks(db.session, moment)
        db.session.commit()
        assert seed_market(db.session, moment)
        db.session.commit()
        seed_venues(db.session, moment)
        seed_margin(db.session, moment)          # the risk staff's rates: KZTK long 25 %
        db.session.commit()
    return SimpleNamespace(stop_clock=stop_clock, next_day=next_day)


def figure(page: Page, name: str):
    return page.get_by_test_id(f"risk-{name}")


def trade(seller: Page, buyer: Page, price: str, lots: str = "1", sweep: str | None = None) -> None:
    """A deal between two dealers on KZTK/T2 at `price`: `sweep` lots sold first at that limit
    take every better bid, so the day's last trade is at `price`."""
    open_book(seller, "KZTK/T2")
    place_order(seller, "sell", price, sweep or lots)
    expect(seller.locator(".flash-success")).to_be_visible()
    open_book(buyer, "KZTK/T2")
    place_order(buyer, "buy", price, lots)
    expect(buyer.locator(".flash-success")).to_contain_text("filled, 1 trade(s)")


def test_a_margin_client_is_told_called_and_closed_out(desk, new_page, exchange, smtp_server):
    mailbox, _port = smtp_server
    office = desk("backoffice")
    first_password, client_id = register_client(office, "abaev")
    deposit(office, client_id, "", "KZT", "1000000", "ПП 21")
    client = new_page()
    first_login(client, "abaev", first_password)

    # Wednesday: a dealer offers 100 KZTK at 36 500; the client buys them on margin.
    seller, buyer = desk("dealer1"), desk("dealer2")
    open_book(seller, "KZTK/T2")
    place_order(seller, "sell", "36500", "100")
    client.goto("/cabinet/orders/new?venue=kase&code=KZTK&side=buy")
    fill_form(client.get_by_test_id("order-form"), {"type": "limit", "price": "36500", "lots": "100"})
    expect(client.get_by_test_id("order-npr1").locator("[data-npr1-after]")).to_have_text(re.compile(r"87,500\.00"))
    shot(client, "m01-order-form-npr1")
    client.get_by_test_id("order-continue").click()
    sign_by_sms(client)
    client.goto("/cabinet/risk")
    reload_until(client, figure(client, "NPR1"), r"87,500\.00")
    expect(figure(client, "S")).to_contain_text("1,000,000.00")
    expect(figure(client, "M0")).to_contain_text("912,500.00")
    expect(client.get_by_test_id("risk-chart").locator("svg")).to_be_visible()
    shot(client, "m02-risks-after-margin-buy")

    # Ten more would take NPR1 below zero: refused with the figure, nothing placed.
    client.goto("/cabinet/orders/new?venue=kase&code=KZTK&side=buy")
    fill_form(client.get_by_test_id("order-form"), {"type": "limit", "price": "36500", "lots": "10"})
    client.get_by_test_id("order-continue").click()
    expect(client.locator(".flash-error, .field-error").first).to_contain_text(
        re.compile(r"NPR1 after this order would be .?3,750\.00"))
    shot(client, "m03-refused-with-the-figure")

    # Dealers trade KZTK down to 32 900: NPR1 < 0, told in the cabinet and by e-mail.
    trade(seller, buyer, "32900", sweep="2000")
    client.goto("/cabinet/risk")
    reload_until(client, figure(client, "NPR1"), r"182,500\.00")
    mail = _wait_for_mail(mailbox, "NPR1 below zero")
    assert "S 640,000.00" in mail and "M0 822,500.00" in mail and "Mx 411,250.00" in mail, mail
    expect(client.get_by_test_id("margin-call")).to_have_count(0)

    # Thursday: 29 700 takes NPR2 below zero; the margin call is due Friday 17:00.
    exchange.next_day(THURSDAY, "32900")
    trade(seller, buyer, "29700")
    client.goto("/cabinet/risk")
    reload_until(client, client.get_by_test_id("margin-call"), r"12\.03\.2027 17:00")
    expect(figure(client, "NPR2")).to_contain_text("51,250.00")
    _wait_for_mail(mailbox, "Margin call")
    shot(client, "m04-margin-call")

    # Friday: a bid stands in the book; at 17:01 the worker closes out the minimal whole lots.
    exchange.next_day(FRIDAY, "29700")
    open_book(buyer, "KZTK/T2")
    place_order(buyer, "buy", "29700", "100")
    exchange.stop_clock(at(FRIDAY, 17, 1))
    client.goto("/cabinet/orders")
    closing = client.get_by_test_id("order-row").filter(has_text="forced close-out")
    reload_until(client, closing, r"filled")
    expect(closing).to_have_count(1)
    expect(closing.locator("td").nth(6)).to_have_text("57")
    shot(client, "m05-orders-with-close-out")
    client.goto("/cabinet/deals")
    expect(client.get_by_test_id("deal-row").filter(has_text="forced close-out")).to_have_count(1)
    client.goto("/cabinet/risk")
    reload_until(client, figure(client, "NPR1"), r"^725\.00")
    expect(client.get_by_test_id("margin-call")).to_have_count(0)
    shot(client, "m06-risks-after-close-out")

    # The risk staff read the close-out on the client's page.
    risk = desk("risk")
    risk.goto(f"/brokerage/risk/clients/{client_id}")
    expect(risk.get_by_test_id("close-out")).to_have_attribute("data-status", "done")
    shot(risk, "m07-staff-client-after-close-out")


def _wait_for_mail(mailbox, phrase: str, seconds: float = 10) -> str:
    """The client's e-mail containing `phrase`, once the worker has sent it."""
    deadline = monotonic() + seconds
    while monotonic() < deadline:
        for item in mailbox.messages:
            if item["rcpt_tos"] == [CLIENT_EMAIL]:
                text = _text(item["message"])
                if phrase in text:
                    return text
        sleep(0.2)
    raise AssertionError(f"no e-mail with {phrase!r}: {[item['rcpt_tos'] for item in mailbox.messages]}")


def _text(message) -> str:
    body = message.get_body(preferencelist=("plain",)) or message
    return body.get_content()
