"""The secondary market in the browser (issue 5): one trading day on the sandbox clock, from the
reference data to the end-of-day certificates, and the T+2 settlement two business days later.

Staff set the market up through the reference and day pages; two member firms' dealers trade a
share T0 and a coupon bond T+2 (one side of the bond through the JSON API, as a back office
sends it); refusals for cover and for the corridor; an unfilled order lapses at the close.
"""
import re

import pytest
from playwright.sync_api import Page, expect

from app.demo.cli import USERS
from tests.auctions.conftest import valid_isin
from tests.e2e.actions import api_token, download, fill_form, screenshot

pytestmark = pytest.mark.e2e

FIRM = {login: organisation for _role, login, _name, organisation in USERS}
TRADE_DAY, SETTLEMENT_DAY = "2027-03-10", "2027-03-12"   # Wednesday; T+2 is Friday
PLACED = re.compile(r"^Order (\d+) placed: (\w[\w ]*), (\d+) trade\(s\)\.$")

SHARE = {"code": "KEGC", "isin": valid_isin("KZ1C0000959"), "name": "KEGOC common shares", "kind": "share",
         "group": "shares_main", "price_subject": "money", "price_step": "0.01", "corridor_percent": "10"}
BOND = {"code": "MUM120_0005", "isin": valid_isin("KZKD0000012"), "name": "MEUKAM-120 issue 5", "kind": "bond",
        "group": "gko", "price_subject": "clean", "face_value": "1000", "price_step": "0.0001",
        "corridor_percent": "5", "coupon_rate": "10", "coupon_frequency": "2", "maturity_on": "2031-06-01"}
BUYER, SELLER = "AK_OWN", "DI_OWN"   # own accounts of dealer1's and dealer2's firms
BALANCES = f"""account;asset;amount
{BUYER};KZT;50000000
{SELLER};{SHARE['code']};1000
{SELLER};{BOND['code']};500
"""


# --- staff ------------------------------------------------------------------------------------------

def create_instrument(staff: Page, terms: dict[str, str], reference_price: str) -> None:
    staff.goto("/market/reference/instruments/new")
    form = staff.get_by_test_id("instrument-form")
    fill_form(form, terms)
    form.get_by_role("button", name="Create instrument").click()
    expect(staff.locator(".flash-success")).to_have_text(f"Instrument {terms['code']} created.")
    prices = staff.locator("form[action$='/price']")
    fill_form(prices, {"price": reference_price})   # the trading day defaults to today
    prices.get_by_role("button", name="Set the reference price").click()
    expect(staff.locator(".flash-success")).to_have_text("The reference price is set.")
    expect(staff.get_by_test_id("reference-prices")).to_contain_text("10.03.2027")


def open_account(staff: Page, login: str, code: str) -> None:
    staff.goto("/market/reference/accounts")
    form = staff.get_by_test_id("account-form")
    fill_form(form, {"organisation_id": FIRM[login], "code": code, "kind": "own"})
    form.get_by_role("button", name="Create account").click()
    expect(staff.locator(".flash-success")).to_have_text(f"Trading account {code} created.")


def open_day(staff: Page, day: str) -> None:
    staff.goto("/market/staff/")
    form = staff.get_by_test_id("open-form")
    expect(form.locator("input[name=day]")).to_have_value(day)   # today by the business clock
    form.get_by_role("button", name="Open the day").click()
    shown = ".".join(reversed(day.split("-")))     # the page shows dates as dd.mm.yyyy
    expect(staff.locator(".flash-success")).to_have_text(f"Trading day {shown} is open.")


def set_up_the_market(staff: Page) -> None:
    create_instrument(staff, SHARE, "1500")
    create_instrument(staff, BOND, "99.5")
    staff.goto("/market/reference/")
    expect(staff.locator(f"tr[data-code={SHARE['code']}] [data-testid=low]")).to_have_text("1,350.0000")
    expect(staff.locator(f"tr[data-code={SHARE['code']}] [data-testid=high]")).to_have_text("1,650.0000")
    screenshot(staff, "market-instruments")
    open_account(staff, "dealer1", BUYER)
    open_account(staff, "dealer2", SELLER)
    open_day(staff, TRADE_DAY)
    staff.goto("/market/staff/balances")
    form = staff.get_by_test_id("balances-form")
    fill_form(form, {"text": BALANCES})
    form.get_by_role("button", name="Load balances").click()
    expect(staff.locator(".flash-success")).to_have_text("3 incoming balances loaded.")


# --- members ----------------------------------------------------------------------------------------

def open_book(page: Page, book: str) -> None:
    """From the market page to the trading screen of `book` ("CODE/T0")."""
    page.goto("/market/")
    page.locator(f"[data-testid=quote][data-book='{book}']").get_by_role("link", name="Trading screen").click()
    expect(page.locator("h1")).to_contain_text(book.split("/")[0])


def place_order(page: Page, side: str, price: str, lots: str) -> None:
    form = page.get_by_test_id("order-form")
    fill_form(form, {"side": side, "type": "limit", "price": price, "lots": lots})
    form.get_by_test_id("place-order").click()


def placed(page: Page, status: str, trades: int) -> int:
    """The order id the success message names, after checking its status and trade count."""
    flash = page.locator(".flash-success")
    expect(flash).to_have_text(PLACED)
    number, shown_status, count = PLACED.match(flash.inner_text()).groups()
    assert (shown_status, int(count)) == (status, trades), flash.inner_text()
    return int(number)


def position(page: Page, account: str, asset: str, column: str):
    return page.locator(f"[data-testid=position][data-account={account}][data-asset={asset}] [data-col='{column}']")


def sell_bond_through_the_api(live_server, new_page) -> None:
    """dealer2's back office: find the ids, place a T+2 sell with an Idempotency-Key, retry it."""
    token = api_token(live_server.app, "dealer2")
    api = new_page().request   # no cookies: the bearer token is the only credential
    headers = {"Authorization": f"Bearer {token}"}
    base = f"{live_server.url}/api/v1/market"
    instruments = api.get(f"{base}/instruments", headers=headers).json()
    bond = next(row for row in instruments if row["code"] == BOND["code"])
    assert (bond["reference_price"], bond["corridor_low"], bond["corridor_high"]) == ("99.5000", "94.5250", "104.4750")
    account = next(row["account"] for row in api.get(f"{base}/positions", headers=headers).json()
                   if row["account_code"] == SELLER)
    order = {"account": account, "instrument": bond["id"], "settlement_code": "T2", "side": "sell",
             "type": "limit", "price": "99.8", "lots": 200}
    keyed = headers | {"Idempotency-Key": "dealer2-bond-0001"}
    created = api.post(f"{base}/orders", headers=keyed, data=order)
    assert created.status == 201, created.text()
    assert (created.json()["status"], created.json()["remaining_lots"]) == ("active", 200)
    repeated = api.post(f"{base}/orders", headers=keyed, data=order)   # a retry after a lost answer
    assert repeated.status == 200, repeated.text()
    assert repeated.json()["id"] == created.json()["id"] and repeated.json()["duplicate"] is True


# --- the test ---------------------------------------------------------------------------------------

def test_a_trading_day_from_the_balances_to_the_certificates_and_the_t2_settlement(desk, clock, new_page,
                                                                                   live_server):
    clock(f"{TRADE_DAY}T11:00")
    staff = desk("staff")
    set_up_the_market(staff)
    staff.goto("/market/staff/")
    expect(staff.get_by_test_id("session-status")).to_have_text("opens later today")
    screenshot(staff, "market-staff-day")

    clock(f"{TRADE_DAY}T12:00")
    dealer1, dealer2 = desk("dealer1"), desk("dealer2")
    share_t0, bond_t2 = f"{SHARE['code']}/T0", f"{BOND['code']}/T2"

    # The share, T0: dealer1's bid rests, dealer2 sells into it at the resting price.
    open_book(dealer1, share_t0)
    expect(dealer1.get_by_test_id("session-banner")).to_contain_text("Session open")
    place_order(dealer1, "buy", "1500", "100")
    placed(dealer1, "active", 0)
    expect(dealer1.get_by_test_id("own-level")).to_have_text("● 1,500.0000")
    open_book(dealer2, share_t0)
    place_order(dealer2, "sell", "1490", "100")
    placed(dealer2, "filled", 1)
    expect(dealer2.get_by_test_id("last-trades")).to_contain_text("1,500.0000")

    # The bond, T+2: dealer2's sell comes through the API, dealer1 buys it on the page.
    sell_bond_through_the_api(live_server, new_page)
    open_book(dealer1, bond_t2)
    expect(dealer1.get_by_test_id("book")).to_contain_text("99.8000")
    place_order(dealer1, "buy", "99.8", "200")
    placed(dealer1, "filled", 1)
    screenshot(dealer1, "market-trading-bond")

    # Refusals: each names the check that failed, next to the input, and keeps what was typed.
    open_book(dealer1, share_t0)
    place_order(dealer1, "buy", "1500", "100000")
    entry = dealer1.get_by_test_id("order-entry")
    expect(entry.locator(".field-error, .flash-error")).to_contain_text(re.compile(r"^Not enough cover: "))
    expect(entry.locator("input[name=lots]")).to_have_value("100000")
    screenshot(dealer1, "market-refused-cover")
    place_order(dealer1, "buy", "1700", "1")
    expect(entry.locator(".field-error, .flash-error")).to_have_text(   # thousands separators optional
        re.compile(r"^The price is outside today's corridor 1,?350\.0000 – 1,?650\.0000\.$"))
    screenshot(dealer1, "market-refused-corridor")

    # A bid below the market that nobody fills.
    place_order(dealer1, "buy", "1400", "10")
    resting = placed(dealer1, "active", 0)

    for dealer, side in ((dealer1, "Buy"), (dealer2, "Sell")):
        dealer.goto("/market/orders")
        trades = dealer.get_by_test_id("trade")
        expect(trades).to_have_count(2)
        expect(trades.filter(has_text=share_t0.replace("/", " "))).to_contain_text(side)
        expect(trades.filter(has_text=share_t0.replace("/", " "))).to_contain_text("settled")
        expect(trades.filter(has_text=bond_t2.replace("/", " "))).to_contain_text("to settle")
        expect(trades.filter(has_text=bond_t2.replace("/", " "))).to_contain_text("12.03.2027")
    screenshot(dealer2, "market-orders-dealer2")

    dealer1.goto("/market/")
    quote = dealer1.locator(f"[data-testid=quote][data-book='{share_t0}']")
    expect(quote.locator("td.num").nth(0)).to_have_text("1,400.0000")   # bid: the resting order
    expect(quote.locator("td.num").nth(2)).to_have_text("1,500.0000")   # last
    screenshot(dealer1, "market-quotes")

    dealer1.goto("/market/positions")
    expect(position(dealer1, BUYER, SHARE["code"], "current")).to_have_text("100")      # T0 moved at once
    expect(position(dealer1, BUYER, BOND["code"], "current")).to_have_text("0")
    expect(position(dealer1, BUYER, BOND["code"], SETTLEMENT_DAY)).to_have_text("200")  # planned T+2
    screenshot(dealer1, "market-positions-t2-planned")

    # Past the close: the timetable closes the day and the unfilled bid lapses.
    clock(f"{TRADE_DAY}T17:05")
    staff.goto("/market/staff/")
    expect(staff.get_by_test_id("session-status")).to_have_text("closed")
    dealer1.goto("/market/orders")
    expect(dealer1.locator(f"[data-testid=order][data-order='{resting}']")).to_contain_text("expired")
    expect(dealer1.get_by_test_id("session-banner")).to_contain_text("Session closed")
    screenshot(dealer1, "market-orders-after-close")

    # The end-of-day certificates: staff see every firm of the day; dealer1 takes its own.
    staff.goto(f"/market/staff/certificates/{TRADE_DAY}")
    certificates = staff.get_by_test_id("certificates")
    for login in ("dealer1", "dealer2"):
        expect(certificates.locator("tr").filter(has_text=FIRM[login]).locator("td.num")).to_have_text("2")
    expect(certificates.locator("tr").filter(has_text=FIRM["dealer3"])).to_contain_text("no deals")
    screenshot(staff, "market-certificates")
    pdf = download(dealer1, dealer1.get_by_test_id("certificate"))
    assert pdf.startswith(b"%PDF"), pdf[:20]

    # Two business days later the day's close settles the bond, delivery versus payment.
    clock(f"{SETTLEMENT_DAY}T12:00")
    open_day(staff, SETTLEMENT_DAY)
    due = staff.get_by_test_id("settlements").locator("tr").filter(has_text=BOND["code"])
    expect(due).to_contain_text("to settle")
    expect(due).to_contain_text(FIRM["dealer1"])
    screenshot(staff, "market-staff-settlement-day")
    staff.get_by_test_id("close-form").get_by_role("button", name="Close the session").click()
    expect(staff.locator(".flash-success")).to_have_text(
        "The session is closed: unfilled day orders are cancelled and deals due today are settled.")
    expect(staff.get_by_test_id("settlements")).to_have_count(0)   # nothing waits any more
    for dealer, account, bonds in ((dealer1, BUYER, "200"), (dealer2, SELLER, "300")):
        dealer.goto("/market/positions")
        expect(position(dealer, account, BOND["code"], "current")).to_have_text(bonds)
    expect(position(dealer1, BUYER, SHARE["code"], "incoming")).to_have_text("100")    # carried over
    screenshot(dealer1, "market-positions-settled")

    token = api_token(live_server.app, "dealer1")
    trades = dealer1.request.get(f"/api/v1/market/trades?day={TRADE_DAY}",
                                 headers={"Authorization": f"Bearer {token}"}).json()
    assert sorted((trade["instrument"], trade["status"]) for trade in trades) == [
        (SHARE["code"], "settled"), (BOND["code"], "settled")]
