"""Subscriptions in the browser (issue 4): a public offering from the application to the results
notice, a private placement's refusals, and a GKO subscription only primary dealers bid in.

Every user has a browser of their own; the sandbox clock is moved in the database. Most of the
60 investors' bids go through the JSON API with bearer tokens, as a broker's back office sends them.
"""
import re
from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.demo.cli import USERS
from app.extensions import db
from app.subscriptions.models import SubscriptionDeal
from tests.auctions.conftest import valid_isin
from tests.e2e.actions import api_token, download, fill_form, screenshot, upload

pytestmark = pytest.mark.e2e

FIRM = {login: organisation for _role, login, _name, organisation in USERS}
OFFERING_URL = re.compile(r"/subscriptions/(\d+)$")
FILED_AT = "2027-03-01T10:00"  # Monday: 7 business days before the bid period
BIDDING_AT = "2027-03-10T11:00"
REGISTER_AT = "2027-03-11T19:00"
PERIOD = {
    "period_start_at": "2027-03-10T10:00", "period_end_at": "2027-03-11T18:00",
    "collateral_check_at": "2027-03-11T17:00", "register_due_at": "2027-03-11T19:00",
    "answer_due_at": "2027-03-12T12:00", "settlement_code": "T0",
}
PUBLIC_OFFERING = {
    "security_name": "KazEnergoTransit common shares", "isin": valid_isin("KZ1C0000001"),
    "issuer_id": FIRM["issuer"], "face_value": "1000", "quantity": "1000000",
    "price_min": "1000", "price_max": "1200", "minimum_bid_amount": "10000", **PERIOD,
}
PRIVATE_PLACEMENT = PUBLIC_OFFERING | {"security_name": "KazEnergoTransit preferred shares",
                                       "isin": valid_isin("KZ1P0000001"), "minimum_bid_amount": "100000"}
GKO_SUBSCRIPTION = {
    "security_name": "MEOKAM-24 issue 7", "isin": valid_isin("KZK20000007"), "face_value": "1000",
    "quantity": "1000000", "price_min": "95", "price_max": "100", "minimum_bid_amount": "10000", **PERIOD,
}
SHARED = 30  # the investor who bids through both brokers


def iin(investor: int) -> str:
    return f"{870101000000 + investor}"


# --- steps ------------------------------------------------------------------------------------------

def file_and_announce(desk, seller: str, application: dict[str, str], private: bool = False) -> int:
    page = desk(seller)
    page.goto("/subscriptions/new")
    form = page.get_by_test_id("offering-form")
    fill_form(form, application)
    if private:
        form.locator("input[name=is_private]").check()
    form.get_by_test_id("file-offering").click()
    expect(page.locator(".flash-success")).to_have_text("The application is filed; the exchange will check it.")
    expect(page).to_have_url(OFFERING_URL)
    offering_id = int(OFFERING_URL.search(page.url).group(1))

    staff = desk("staff")
    staff.goto(f"/subscriptions/{offering_id}")
    for action, done in (("accept", "The application is accepted."),
                         ("consent", "The depository's consent is recorded."),
                         ("announce", "The announcement is published.")):
        staff.get_by_test_id(action).click()
        expect(staff.locator(".flash-success")).to_have_text(done)
    expect(staff.locator(".auction-state")).to_contain_text("Announced")
    return offering_id


def offering_number(page: Page) -> str:
    return page.get_by_test_id("offering-terms").locator("td").first.inner_text().split(" · ")[0]


def bid_in_form(page: Page, offering_id: int, **fields: str | bool) -> None:
    """Fill the offering's bid form (True ticks a checkbox) and submit it; the page it lands on."""
    page.goto(f"/subscriptions/{offering_id}")
    form = page.get_by_test_id("offering-bid-form")
    fill_form(form, {name: value for name, value in fields.items() if not isinstance(value, bool)})
    for name in (name for name, value in fields.items() if value is True):
        form.locator(f"input[name={name}]").check()
    form.get_by_test_id("submit-offering-bid").click()


def client_bid(investor: int, **overrides) -> dict:
    return {"kind": "limit", "price": "1100.0000", "quantity": 10, "investor_iin": iin(investor),
            "investor_name": f"Investor {investor:02d}", "investor_category": "individual", "qualified": True,
            **overrides}


def bid_through_api(live_server, new_page, login: str, offering_id: int, investors: range) -> None:
    """The back office of `login` sends one bid per investor, each with its own Idempotency-Key."""
    token = api_token(live_server.app, login)
    api = new_page().request  # no cookies: the bearer token is the only credential
    url = f"{live_server.url}/api/v1/subscriptions/{offering_id}/bids"
    for investor in investors:
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"{login}-{investor}"}
        created = api.post(url, headers=headers, data=client_bid(investor))
        assert created.status == 201, created.text()
    repeated = api.post(url, headers=headers, data=client_bid(investor))  # a retry after a lost answer
    assert repeated.status == 200 and repeated.json()["id"] == created.json()["id"], repeated.text()


def satisfied_workbook(accepted: bytes, quantity_of) -> tuple[bytes, dict[int, int]]:
    """The seller's answer: the accepted register with the satisfied price and quantity filled in
    (`quantity_of(bid number, quantity asked)`); also each bid's spreadsheet row."""
    workbook = load_workbook(BytesIO(accepted))
    sheet = workbook["Register"]
    header = next(row for row in sheet.iter_rows() if row[0].value == "Bid number")
    column = {cell.value: cell.column for cell in header}
    rows = {}
    for row in sheet.iter_rows(min_row=header[0].row + 1):
        number, asked = row[column["Bid number"] - 1].value, row[column["Quantity"] - 1].value
        if number is None:
            continue
        rows[number] = row[0].row
        sheet.cell(row=row[0].row, column=column["Satisfied price"], value=1100)
        sheet.cell(row=row[0].row, column=column["Satisfied quantity"], value=quantity_of(number, asked))
    output = BytesIO()
    workbook.save(output)
    return output.getvalue(), rows


def open_public_notices(page: Page) -> None:
    page.goto("/subscriptions/notices")
    page.get_by_test_id("lang-en").click()
    expect(page.get_by_role("heading", name="Subscription notices")).to_be_visible()
    expect(page.get_by_test_id("user-menu")).to_have_count(0)


def deal_of(live_server, offering_id: int, login: str) -> int:
    with live_server.app.app_context():
        deals = db.session.scalars(select(SubscriptionDeal).where(SubscriptionDeal.subscription_id == offering_id)
                                   .order_by(SubscriptionDeal.id)).all()
        return next(deal.id for deal in deals if deal.organisation.name == FIRM[login])


# --- the tests --------------------------------------------------------------------------------------

def test_a_public_offering_from_the_application_to_the_results(desk, clock, new_page, live_server):
    clock(FILED_AT)
    offering_id = file_and_announce(desk, "broker1", PUBLIC_OFFERING)
    number = offering_number(desk("staff"))
    clock(BIDDING_AT)

    broker2, dealer1 = desk("broker2"), desk("dealer1")
    bid_in_form(broker2, offering_id, price="1100", quantity="10", investor_iin=iin(1), investor_name="Investor 01",
                investor_category="individual")
    expect(broker2.locator(".flash-success")).to_have_text("The bid is accepted.")
    bid_in_form(dealer1, offering_id, price="1100", quantity="10", investor_iin=iin(60), investor_name="Investor 60",
                investor_category="individual")
    expect(dealer1.locator(".flash-success")).to_have_text("The bid is accepted.")
    bid_through_api(live_server, new_page, "broker2", offering_id, range(2, SHARED + 1))
    bid_through_api(live_server, new_page, "dealer1", offering_id, range(SHARED, 60))

    custodian_account = broker2.locator("select[name=custodian_id] option", has_text=FIRM["custodian"])
    bid_in_form(broker2, offering_id, price="1100", quantity="10", investor_iin=iin(61), investor_name="Investor 61",
                investor_category="individual", custodian_id=custodian_account.get_attribute("value"))
    expect(broker2.locator(".flash-success")).to_have_text("The bid is accepted.")
    expect(broker2.get_by_test_id("own-bid")).to_have_count(31)
    expect(broker2.get_by_test_id("investors")).to_have_text("61")

    custodian = desk("custodian")
    custodian.goto("/subscriptions/confirmations")
    row = custodian.get_by_test_id("offering-confirmation").filter(has_text="Investor 61")
    expect(row).to_contain_text(FIRM["broker2"])
    row.get_by_test_id("refuse-offering-bid").click()
    expect(custodian.locator(".flash-success")).to_have_text("The bid is refused; it leaves the register.")
    expect(row.get_by_role("button")).to_have_count(0)

    dealer1.goto(f"/subscriptions/{offering_id}")
    expect(dealer1.get_by_test_id("participants")).to_have_text("2")
    expect(dealer1.get_by_test_id("investors")).to_have_text("60")
    expect(dealer1.get_by_test_id("shared-investors")).to_have_text("1 through more than one member")
    expect(dealer1.get_by_test_id("own-bid")).to_have_count(31)
    expect(dealer1.get_by_test_id("bids")).not_to_contain_text("Investor 01")  # sealed: its own bids only
    screenshot(dealer1, "offering-page")

    clock(REGISTER_AT)
    seller = desk("broker1")
    seller.goto(f"/subscriptions/{offering_id}")
    expect(seller.locator(".auction-state")).to_contain_text("Bid period over")
    seller.get_by_test_id("open-registers").click()
    seller.get_by_test_id("build-xml").click()
    seller.get_by_test_id("build-xlsx").click()
    exports = seller.get_by_test_id("export")
    expect(exports).to_have_count(2)
    xml_row, xlsx_row = exports.filter(has_text=".xml"), exports.filter(has_text=".xlsx")
    expect(xml_row).to_contain_text("Ready")
    expect(xlsx_row).to_contain_text("61 / 61")  # active bids: the refused one left the register
    xml = download(seller, xml_row.get_by_test_id("download"))
    signature = download(seller, xml_row.get_by_test_id("download-signature"))
    accepted = download(seller, xlsx_row.get_by_test_id("download"))
    assert iin(60).encode() in xml and iin(61).encode() not in xml

    seller.goto("/registers/verify")
    form = seller.get_by_test_id("verify-form")
    upload(form.locator("input[name=register]"), "accepted.xml", xml, "application/xml")
    upload(form.locator("input[name=signature]"), "accepted.xml.sig", signature)
    form.get_by_role("button", name="Verify").click()
    expect(seller.get_by_test_id("verify-result").locator(".badge-ok")).to_have_text("Valid")

    first_bid = min(satisfied_workbook(accepted, lambda number, asked: asked)[1])
    too_much, rows = satisfied_workbook(accepted, lambda number, asked: asked + 1 if number == first_bid else asked)
    seller.goto(f"/subscriptions/{offering_id}/registers")
    upload(seller.locator("input[name=file]"), "satisfied.xlsx", too_much)
    seller.get_by_test_id("upload-satisfied").click()
    problems = seller.get_by_test_id("problems")
    expect(problems.locator("li")).to_have_count(1)
    expect(problems.locator("li")).to_have_text(f"Row {rows[first_bid]}: More than bid {first_bid} asked for (10).")
    expect(problems).to_contain_text("nothing was stored")
    screenshot(seller, "offering-registers")

    clean, _rows = satisfied_workbook(accepted, lambda number, asked: asked // 2 if number == first_bid else asked)
    upload(seller.locator("input[name=file]"), "satisfied.xlsx", clean)
    seller.get_by_test_id("upload-satisfied").click()
    expect(seller.locator(".flash-success")).to_have_text("The satisfied register is accepted.")
    expect(seller.locator(".auction-state")).to_contain_text("Satisfied register received")

    staff = desk("staff")
    staff.goto(f"/subscriptions/{offering_id}")
    staff.get_by_test_id("form-deals").click()
    expect(staff.locator(".flash-success")).to_have_text("61 deals formed; members are notified.")
    staff.get_by_test_id("settle").click()
    expect(staff.locator(".flash-success")).to_have_text("Settlement is recorded.")
    expect(staff.locator(".auction-state")).to_contain_text("Settled")

    broker2.goto("/subscriptions/notifications")
    notice = broker2.get_by_test_id("notification").filter(has_text=number)
    expect(notice).to_contain_text(f"#{first_bid} Investor 01: Satisfied in part (5 / 10)")
    expect(notice).to_contain_text("Investor 30: Satisfied in full (10 / 10)")
    # No page links to the certificate yet: fetch it with broker2's session, as a link would.
    deal_id = deal_of(live_server, offering_id, "broker2")
    certificate = broker2.request.get(f"/subscriptions/deals/{deal_id}/certificate.pdf")
    assert certificate.ok and certificate.body().startswith(b"%PDF"), certificate.status

    public = new_page()
    open_public_notices(public)
    row = public.get_by_test_id("offering-notices").locator("tr").filter(has_text=number)
    row.get_by_role("link", name="Results", exact=True).click()
    result = public.get_by_test_id("offering-notice")
    expect(result).to_contain_text("2 / 60")  # participants / investors
    expect(result).to_contain_text("KazEnergoTransit common shares")
    expect(result.locator("tr").filter(has_text="Securities placed")).to_contain_text("605")
    screenshot(public, "offering-notice")


def test_a_private_placement_refuses_small_and_unqualified_bids_and_stays_off_the_public_notices(desk, clock, new_page):
    clock(FILED_AT)
    offering_id = file_and_announce(desk, "broker1", PRIVATE_PLACEMENT, private=True)
    number = offering_number(desk("staff"))
    clock(BIDDING_AT)

    broker2 = desk("broker2")
    bid_in_form(broker2, offering_id, price="1111.1", quantity="90", investor_iin=iin(1),  # 99,999 ₸
                investor_name="Investor 01", investor_category="individual", qualified=True)
    expect(broker2.locator(".flash-error")).to_have_text(
        re.compile(r"^App\.8 §6: a private placement takes bids of at least 100,?000 ₸\.$"))
    bid_in_form(broker2, offering_id, price="1100", quantity="100", investor_iin=iin(2), investor_name="Investor 02",
                investor_category="individual")
    expect(broker2.locator(".flash-error")).to_have_text(
        "App.8 §6: a private placement takes bids from qualified investors only.")
    expect(broker2.get_by_test_id("own-bid")).to_have_count(0)
    bid_in_form(broker2, offering_id, price="1100", quantity="100", investor_iin=iin(2), investor_name="Investor 02",
                investor_category="individual", qualified=True)
    expect(broker2.locator(".flash-success")).to_have_text("The bid is accepted.")
    expect(broker2.get_by_test_id("own-bid")).to_have_count(1)

    broker2.goto("/subscriptions/notices")
    members_row = broker2.get_by_test_id("offering-notices").locator("tr").filter(has_text=number)
    expect(members_row).to_contain_text("members only")
    notice_url = members_row.get_by_role("link", name="Announcement").get_attribute("href")

    public = new_page()
    open_public_notices(public)
    expect(public.locator("body")).not_to_contain_text(number)
    assert public.request.get(notice_url).status == 404


def test_a_gko_subscription_takes_bids_from_primary_dealers_only(desk, clock):
    clock(FILED_AT)
    offering_id = file_and_announce(desk, "minfin", GKO_SUBSCRIPTION)
    expect(desk("staff").get_by_test_id("offering-terms")).to_contain_text("GKO subscription of the Ministry")
    clock(BIDDING_AT)

    broker1 = desk("broker1")
    broker1.goto(f"/subscriptions/{offering_id}")
    expect(broker1.locator(".flash-warning")).to_have_text("Only primary dealers bid for GKO.")
    expect(broker1.get_by_test_id("offering-bid-form")).to_have_count(0)  # the server refuses it too

    dealer1 = desk("dealer1")
    bid_in_form(dealer1, offering_id, price="99.5", quantity="1000")
    expect(dealer1.locator(".flash-success")).to_have_text("The bid is accepted.")
    expect(dealer1.get_by_test_id("own-bid")).to_have_count(1)
    expect(dealer1.get_by_test_id("own-bid")).to_contain_text(FIRM["dealer1"])  # its own account
    expect(dealer1.get_by_test_id("participants")).to_have_text("1")
