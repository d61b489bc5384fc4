"""A broker's client's day in the cabinet, in the browser, on the sandbox clock.

The back office registers a client and records its deposits; the client logs in, changes the
first password, adds an instrument by the quick search, buys on the desk's market signed by an
SMS code (another firm's dealer sells into the order; the worker posts the fill), sells on AIX
signed with EDS through an answering NCALayer (the broker's dealer fills it), withdraws money
signed by SMS (the back office approves and pays), and finds all three in the lists for the
period and the notices in the outbox. Then the refusals, each with its message.
"""
import re
import time
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from app.clock.services import now, set_sandbox_time
from app.demo.banks import seed_banks
from app.demo.brokerage import seed_brokerage
from app.demo.margin import seed_margin
from app.demo.market import seed_market
from app.demo.venues import seed_venues
from app.domain.calendar import ALMATY
from app.extensions import db
from tests.e2e.actions import fill_form, submit_login
from tests.e2e.ncalayer import FakeNcaLayer, TestCentre
from tests.e2e.test_market import open_book, place_order, placed

pytestmark = pytest.mark.e2e

SHOTS = "/tmp/e2e-shots"
DAY = "2027-03-10"                      # a Wednesday: the desk's session and AIX are open at noon
CLIENT_IIN, OTHER_IIN = "900101300017", "880515400127"
IBAN, BAD_IBAN = "KZ86125KZT5004100100", "KZ87125KZT5004100100"   # the second: one check digit off
NEW_PASSWORD = "Noon-at-the-desk-2027"
SIGNED_BY_SMS = "Signed with the SMS code."
SIGNED_BY_EDS = "Signed with your EDS; the signature is verified."


def shot(page: Page, name: str) -> None:
    page.wait_for_load_state()
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


# --- the desk: trusting the test centre, seeded, at noon --------------------------------------------

@pytest.fixture(scope="module")
def centre() -> TestCentre:
    return TestCentre()


@pytest.fixture
def make_app(make_app, centre, tmp_path):
    """The desk trusts the test centre's chain (NCA_CA_FILES), as a real desk trusts NCA's."""
    ca_file = centre.write_ca_file(tmp_path / "test-nca.pem")
    return lambda **config: make_app(NCA_CA_FILES=[ca_file], SANDBOX_PKI_DIR=str(tmp_path / "sandbox_pki"),
                                     **config)


@pytest.fixture
def desk_day(live_server):
    """The sandbox clock stopped at noon of DAY, then the demo's broker, banks, market and venues."""
    at = datetime.fromisoformat(f"{DAY}T12:00").replace(tzinfo=ALMATY)
    with live_server.app.app_context():
        set_sandbox_time(db.session, at, frozen=True, user_id=None)
        db.session.commit()
        seed_brokerage(db.session, at)
        seed_banks(db.session, at)
        db.session.commit()
        assert seed_market(db.session, at), "the demo market was seeded already"
        db.session.commit()
        seed_venues(db.session, at)
        seed_margin(db.session, at)     # the broker's FX table values the demo client's dollars
        db.session.commit()

    def move(**delta) -> None:
        with live_server.app.app_context():
            set_sandbox_time(db.session, now() + timedelta(**delta), frozen=True, user_id=None)
            db.session.commit()

    return move


@pytest.fixture
def ncalayer(centre) -> FakeNcaLayer:
    return FakeNcaLayer(centre, centre.client(CLIENT_IIN))


# --- the back office --------------------------------------------------------------------------------

def register_client(office: Page, login: str) -> tuple[str, int]:
    """A new client through /brokerage/clients/new: the first password shown once, and the id."""
    office.goto("/brokerage/clients/new")
    form = office.locator("form[action$='/brokerage/clients/new']")
    fill_form(form, {"full_name": "Нурлан Абаев", "iin": CLIENT_IIN, "phone": "+7 701 555 12 34",
                     "email": "n.abaev@example.kz", "agreement_number": "АБ-2027/042",
                     "agreement_date": "2027-03-01", "login": login})
    office.get_by_test_id("create-client").click()
    password = office.get_by_test_id("password").inner_text().strip()
    assert len(password) >= 10
    shot(office, "01-office-client-created")
    office.get_by_role("link", name="Open the client").click()
    return password, int(re.search(r"/brokerage/clients/(\d+)$", office.url).group(1))


def deposit(office: Page, client_id: int, venue: str, asset: str, amount: str, reference: str) -> None:
    office.goto(f"/brokerage/clients/{client_id}")
    form = office.locator("form[action$='/deposits']")
    fill_form(form, {"venue": venue, "asset": asset, "amount": amount, "reference": reference})
    office.get_by_test_id("record-deposit").click()
    expect(office.locator(".flash-success")).to_have_text("The deposit is recorded in the client's ledger.")


# --- the client -------------------------------------------------------------------------------------

def first_login(page: Page, login: str, first_password: str) -> None:
    """The first password opens nothing but its own change; then the cabinet, in English."""
    submit_login(page, login, first_password)
    expect(page).to_have_url(re.compile(r"/password$"))
    page.goto("/cabinet/")                                   # anything else leads back there
    expect(page).to_have_url(re.compile(r"/password$"))
    page.fill("input[name=old_password]", first_password)
    page.fill("input[name=new_password]", NEW_PASSWORD)
    page.fill("input[name=new_password_again]", NEW_PASSWORD)
    page.get_by_test_id("password-submit").click()
    expect(page.get_by_test_id("home-title")).to_be_visible()
    page.get_by_test_id("lang-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def sms_code(page: Page) -> str:
    """The code of the newest SMS, as the client reads it on the sandbox outbox."""
    page.goto("/dev/outbox")
    newest = page.get_by_test_id("outbox-message").filter(has_text=re.compile(r"code \d{6}")).first
    return re.search(r"code (\d{6})", newest.inner_text()).group(1)


def send_code(page: Page) -> int:
    """On the signing page: ask for a code; the document's id."""
    document = int(re.search(r"/cabinet/sign/(\d+)$", page.url).group(1))
    page.get_by_test_id("send-code").click()
    expect(page.locator(".flash-success")).to_contain_text("The code is sent by SMS")
    expect(page.get_by_test_id("code-sent")).to_be_visible()
    return document


def enter_code(page: Page, document: int, code: str) -> None:
    page.goto(f"/cabinet/sign/{document}")
    page.get_by_test_id("code-input").fill(code)
    page.get_by_test_id("confirm-code").click()


def sign_by_sms(page: Page) -> None:
    document = send_code(page)
    enter_code(page, document, sms_code(page))
    expect(page.locator(".flash-success")).to_have_text(SIGNED_BY_SMS)


def new_order(page: Page, venue: str, code: str, side: str, price: str, lots: str) -> None:
    page.goto(f"/cabinet/orders/new?venue={venue}&code={code}&side={side}")
    fill_form(page.get_by_test_id("order-form"), {"type": "limit", "price": price, "lots": lots})
    page.get_by_test_id("order-continue").click()
    expect(page).to_have_url(re.compile(r"/cabinet/sign/\d+$"))


def order_id(page: Page) -> int:
    return int(re.search(r"/cabinet/orders/(\d+)$", page.url).group(1))


def reload_until(page: Page, locator, pattern, seconds: float = 10) -> None:
    """The worker posts on its own rounds: reload the page until `locator` shows `pattern`."""
    deadline = time.monotonic() + seconds
    while True:
        if locator.count() and re.search(pattern, locator.first.inner_text()):
            return
        if time.monotonic() > deadline:
            expect(locator.first).to_contain_text(pattern, timeout=1)
        time.sleep(0.3)
        page.reload()


def security(page: Page, venue: str, code: str):
    return page.get_by_test_id("security-row").filter(has_text=code).filter(
        has_text={"kase": "KASE", "aix": "AIX"}[venue])


# --- the day ----------------------------------------------------------------------------------------

def test_a_clients_day_buy_sell_withdraw_and_the_lists(desk, new_page, desk_day, ncalayer):
    office = desk("backoffice")
    first_password, client_id = register_client(office, "abaev")
    deposit(office, client_id, "", "KZT", "3000000", "ПП 17")
    deposit(office, client_id, "aix", "KZAP", "25", "Перевод 3")
    expect(office.get_by_test_id("balance")).to_have_count(2)

    client = new_page()
    ncalayer.attach(client)
    first_login(client, "abaev", first_password)

    # The quick search in the top bar puts HSBK of the desk's market on the client's list.
    client.goto("/cabinet/")
    search = client.get_by_test_id("quick-search").locator("input[name=q]")
    search.fill("HSBK")
    search.press("Enter")
    expect(client).to_have_url(re.compile(r"/cabinet/instruments/search\?q=HSBK$"))
    found = client.get_by_test_id("instrument-row").filter(has_text="KASE")
    expect(found).to_have_count(1)
    shot(client, "02-quick-search")
    found.get_by_test_id("add-watched").click()
    expect(client.locator(".flash-success")).to_have_text("HSBK is in your list.")
    kase_quotes = client.get_by_test_id("quotes-kase").get_by_test_id("quote-row").filter(has_text="HSBK")
    expect(kase_quotes).to_have_count(1)
    shot(client, "03-home-with-hsbk")

    # Buy 10 HSBK on the desk's market, above the best bid: it rests in the book until a dealer sells.
    kase_quotes.locator("summary").click()
    kase_quotes.get_by_test_id("order-buy").click()
    expect(client.locator("h1")).to_contain_text("HSBK")
    fill_form(client.get_by_test_id("order-form"), {"type": "limit", "price": "265.55", "lots": "10"})
    shot(client, "04-order-form-kase")
    client.get_by_test_id("order-continue").click()
    expect(client.get_by_test_id("summary")).to_contain_text("Buy 10 HSBK at")
    shot(client, "05-signing-page")
    sign_by_sms(client)
    kase_order = order_id(client)
    expect(client.locator("h1")).to_contain_text("active")
    expect(client.get_by_test_id("order-filled")).to_have_text("0 / 10 lots")

    dealer = desk("dealer1")                                 # АО «Астана Капитал», another firm
    open_book(dealer, "HSBK/T2")
    place_order(dealer, "sell", "265.55", "10")
    placed(dealer, "filled", 1)

    client.goto("/cabinet/portfolio")
    reload_until(client, security(client, "kase", "HSBK"), r"\b10\b")
    shot(client, "06-portfolio-after-kase-fill")
    client.goto(f"/cabinet/orders/{kase_order}")
    expect(client.get_by_test_id("order-filled")).to_have_text("10 / 10 lots")
    expect(client.get_by_test_id("fill-row")).to_have_count(1)

    # Sell 5 KZAP on AIX, signed with EDS through NCALayer; the broker's dealer fills it.
    new_order(client, "aix", "KZAP", "sell", "41.20", "5")
    client.get_by_test_id("sign-eds").click()
    expect(client.locator(".flash-success")).to_have_text(SIGNED_BY_EDS)
    aix_order = order_id(client)
    assert [request["method"] for request in ncalayer.requests] == ["signXml"]
    broker = desk("broker1")                                 # АО «Алатау Брокер»'s dealer
    broker.goto("/brokerage/dealing/")
    row = broker.get_by_test_id("dealing-live").get_by_test_id("dealing-row").filter(has_text="KZAP")
    expect(row).to_have_count(1)
    shot(broker, "07-dealing-queue")
    row.get_by_test_id("dealing-open").click()
    expect(broker.get_by_test_id("dealing-details")).to_contain_text("EDS")
    fill_form(broker.get_by_test_id("dealing-details"), {"lots": "5", "price": "41.25"})
    broker.get_by_test_id("dealing-fill").click()
    expect(broker.locator(".flash-success")).to_have_text("The fill is recorded and posted to the client's accounts.")
    client.goto("/cabinet/portfolio")
    expect(security(client, "aix", "KZAP").locator("td").nth(2)).to_have_text("20")

    # Withdraw 500 000 ₸, signed by SMS; the back office approves and pays.
    client.goto("/cabinet/")
    client.get_by_test_id("withdraw-KZT").click()
    fill_form(client.locator("form[action$='/cabinet/withdrawals/new']"),
              {"amount": "500000", "iban": IBAN, "bank_id": "Halyk Bank (HSBKKZKX)"})
    shot(client, "08-withdrawal-form")
    client.get_by_test_id("withdraw-submit").click()
    sign_by_sms(client)
    withdrawal = int(re.search(r"/cabinet/withdrawals/(\d+)$", client.url).group(1))
    expect(client.get_by_test_id("withdrawal-status")).to_have_text("Signed, waiting for the broker")

    office.goto("/brokerage/withdrawals/")
    office.get_by_test_id("withdrawal-queue").get_by_role("link", name=str(withdrawal)).click()
    office.get_by_test_id("approve").click()
    expect(office.locator(".flash-success")).to_have_text("The withdrawal is approved; its money stays blocked.")
    office.locator("input[name=reference]").fill("ПП 905")
    office.get_by_test_id("pay").click()
    expect(office.locator(".flash-success")).to_have_text("The withdrawal is paid and debited from the client's account.")
    shot(office, "09-office-withdrawal-paid")

    # The lists for the period, each with its details page.
    client.goto("/cabinet/orders")
    orders = client.get_by_test_id("order-row")
    expect(orders).to_have_count(2)
    expect(orders.filter(has_text="HSBK")).to_contain_text("filled")
    expect(orders.filter(has_text="KZAP")).to_contain_text("filled")
    shot(client, "10-orders-list")
    orders.filter(has_text="KZAP").get_by_test_id("order-details").click()
    expect(client).to_have_url(re.compile(rf"/cabinet/orders/{aix_order}$"))
    expect(client.get_by_test_id("order-filled")).to_have_text("5 / 5 lots")

    client.goto("/cabinet/deals")
    deals = client.get_by_test_id("deal-row")
    expect(deals).to_have_count(2)
    shot(client, "11-deals-list")
    deals.filter(has_text="HSBK").get_by_test_id("deal-details").click()
    expect(client.get_by_test_id("deal-details")).to_contain_text("the desk's market, trade")
    client.goto("/cabinet/deals")
    client.get_by_test_id("deal-row").filter(has_text="KZAP").get_by_test_id("deal-details").click()
    expect(client.get_by_test_id("deal-details")).to_contain_text("recorded by the broker's dealer")
    expect(client.get_by_test_id("deal-details")).to_contain_text("41.25")

    client.goto("/cabinet/withdrawals/")
    rows = client.get_by_test_id("withdrawal-row")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Paid")
    rows.get_by_role("link", name=str(withdrawal)).click()
    expect(client.get_by_test_id("withdrawal-status")).to_have_text("Paid")
    expect(client.get_by_test_id("withdrawal-history")).to_contain_text("Approved")
    shot(client, "12-withdrawal-details")

    client.goto("/cabinet/portfolio")
    money = client.get_by_test_id("money-row").filter(has_text="KZT")
    # 3 000 000 − 2 655.50 (10 HSBK at 265.55) − 500 000 withdrawn
    expect(money.locator("td").nth(1)).to_contain_text("2,497,344.50")

    # The e-mails of the notices reached the outbox.
    client.goto("/dev/outbox")
    mails = client.get_by_test_id("outbox-message").filter(has_text="n.abaev@example.kz")
    expect(mails.filter(has_text="Your order is filled")).to_have_count(2)
    expect(mails.filter(has_text="Your withdrawal is approved")).to_have_count(1)
    expect(mails.filter(has_text="Your withdrawal is paid")).to_have_count(1)
    shot(client, "13-outbox")


# --- refusals ---------------------------------------------------------------------------------------

def test_refusals_say_what_is_wrong(desk, new_page, desk_day, ncalayer, centre):
    office = desk("backoffice")
    first_password, client_id = register_client(office, "abaev")
    deposit(office, client_id, "", "KZT", "1000000", "ПП 18")
    deposit(office, client_id, "aix", "KZAP", "25", "Перевод 4")
    client = new_page()
    ncalayer.attach(client)
    first_login(client, "abaev", first_password)

    # A wrong code three times: the code is void.
    new_order(client, "kase", "HSBK", "buy", "265.00", "1")
    document = send_code(client)
    right = sms_code(client)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for message in ("Wrong code, 2 tries left", "Wrong code, 1 try left",
                    "The code is void after three wrong tries; ask for a new one"):
        enter_code(client, document, wrong)
        expect(client.locator(".flash-error")).to_have_text(message)
    enter_code(client, document, right)
    expect(client.locator(".flash-error")).to_have_text("The code is void after three wrong tries; ask for a new one")
    shot(client, "20-code-void")

    # A code past its 5 minutes.
    new_order(client, "kase", "HSBK", "buy", "265.00", "1")
    document = send_code(client)
    code = sms_code(client)
    desk_day(minutes=6)
    enter_code(client, document, code)
    expect(client.locator(".flash-error")).to_have_text("The code has expired; ask for a new one")

    # EDS: a certificate of another person, a tampered document, a certificate outside the chain.
    refusals = (
        ("other-iin", centre.client(OTHER_IIN), None,
         re.compile(rf"^The certificate belongs to another person \(IIN {OTHER_IIN}\)")),
        ("tampered", centre.client(CLIENT_IIN), lambda xml: xml.replace(b"<Lots>1</Lots>", b"<Lots>9</Lots>", 1),
         re.compile(r"^(The signed document is not the one the desk issued|The signature does not match the document)")),
        ("foreign-chain", centre.client(CLIENT_IIN, foreign=True), None,
         re.compile(r"^The certificate is not issued by a configured certifying centre")),
    )
    for name, signer, tamper, message in refusals:
        ncalayer.signer, ncalayer.tamper = signer, tamper
        new_order(client, "aix", "KZAP", "sell", "41.20", "1")
        client.get_by_test_id("sign-eds").click()
        # A verification that walks a whole chain can take long on a loaded machine.
        expect(client.locator(".flash-error")).to_have_text(message, timeout=45_000)
        expect(client.get_by_test_id("refusal")).to_have_text(message)
        shot(client, f"21-eds-refused-{name}")
    client.goto("/cabinet/orders?status=active")
    expect(client.get_by_test_id("order-row")).to_have_count(0)   # nothing refused became an order

    # Withdrawals: above the free money; an IIC with a wrong check digit. Nothing is written.
    client.goto("/cabinet/withdrawals/new?currency=KZT")
    form = client.locator("form[action$='/cabinet/withdrawals/new']")
    fill_form(form, {"amount": "1000000.01", "iban": IBAN, "bank_id": "Halyk Bank (HSBKKZKX)"})
    client.get_by_test_id("withdraw-submit").click()
    expect(form.locator(".field-error")).to_contain_text(
        re.compile(r"^You can withdraw at most 1,?000,?000\.00\s*₸ now: that is your free money in KZT\."))
    shot(client, "22-withdrawal-above-free")
    fill_form(form, {"amount": "1000", "iban": BAD_IBAN})
    client.get_by_test_id("withdraw-submit").click()
    expect(form.locator(".field-error")).to_contain_text(re.compile(r"^This IIC \(IBAN\) does not check"))
    expect(form.locator("input[name=iban]")).to_have_value(BAD_IBAN)
    shot(client, "23-withdrawal-bad-iban")
    client.goto("/cabinet/withdrawals/")
    expect(client.get_by_test_id("withdrawal-row")).to_have_count(0)
