"""The auction day in the browser (issue 3): a GKO placement from the application to the
certificate, an issuer's share placement whose register names nobody, and a sale that fails.

Every user has a browser of their own. The sandbox clock is set once on the staff's /clock/ page,
then moved in the database to keep the suite quick.
"""
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from app.auth.models import User
from app.auth.services import create_api_token
from app.clock.services import wall_now
from app.demo.cli import USERS
from app.extensions import db
from tests.e2e.actions import ARTIFACTS, fill_form, screenshot, set_clock

pytestmark = pytest.mark.e2e

FIRM = {login: organisation for _role, login, _name, organisation in USERS}
CUSTODIAN = FIRM["custodian"]
AUCTION_URL = re.compile(r"/auctions/(\d+)$")
FILED_AT = "2027-03-01T10:00"  # Monday; the trade date, Wednesday 10 March, is 7 business days on

GKO_APPLICATION = {
    "kind": "placement", "security_type": "mekkam", "security_name": "MEKKAM-12 issue 154",
    "isin": "KZK100000019", "exchange_code": "MKM012_0154", "face_value": "1000",
    "issue_date": "2027-03-10", "maturity_date": "2028-03-10", "time_base": "act_act",
    "trade_date": "2027-03-10", "settlement_scheme": "T0", "declared_quantity": "1000000",
    "trade_subject": "price", "market_share_percent": "30", "submission_method": "closed", "pricing": "multiple",
    "bids_open": "09:00", "bids_close": "12:00", "confirm_until": "12:30", "decision": "15:00",
}
SHARE_APPLICATION = {
    "kind": "placement", "security_type": "share", "security_name": "KazEnergo common shares",
    "isin": "KZ1C00000009", "exchange_code": "KZEN", "face_value": "1",
    "trade_date": "2027-03-10", "settlement_scheme": "T2", "declared_quantity": "100000",
    "issuable_quantity": "120000", "trade_subject": "price", "market_share_percent": "0",
    "submission_method": "closed", "pricing": "uniform",
    "bids_open": "11:00", "bids_close": "13:00", "confirm_until": "13:30", "decision": "16:00",
}


def file_and_announce(desk, initiator: str, application: dict[str, str]) -> int:
    page = desk(initiator)
    page.goto("/auctions/new")
    form = page.get_by_test_id("application-form")
    fill_form(form, application)
    form.get_by_test_id("file-application").click()
    expect(page).to_have_url(AUCTION_URL)
    auction_id = int(AUCTION_URL.search(page.url).group(1))

    staff = desk("staff")
    staff.goto(f"/auctions/{auction_id}")
    staff.get_by_test_id("accept").click()
    expect(staff.locator(".flash-success")).to_contain_text("The application is accepted.")
    staff.get_by_test_id("announce").click()
    expect(staff.locator(".flash-success")).to_contain_text("The announcement is published")
    expect(staff.locator(".auction-state")).to_contain_text("Announced")
    return auction_id


def submit_bid(page: Page, auction_id: int, kind: str = "limit", **fields: str) -> None:
    page.goto(f"/auctions/{auction_id}")
    form = page.get_by_test_id("bid-form")
    fill_form(form, {"kind": kind, **fields})
    form.get_by_test_id("submit-bid").click()
    expect(page.locator(".flash-success")).to_have_text("The bid is accepted.")


def choose_cutoff(page: Page, auction_id: int, cutoff: str) -> None:
    """On the explorer, press "Choose" on the scenario row of a cut-off price."""
    page.goto(f"/auctions/{auction_id}/explorer")
    row = page.get_by_test_id("scenario").filter(has=page.get_by_text(cutoff, exact=True))
    row.get_by_test_id("choose").click()
    expect(page.locator("input[name=cutoff_price]")).to_have_value(cutoff.replace(",", ""))
    expect(page.locator("tr.chosen")).to_contain_text(cutoff)


def form_deals(staff: Page, auction_id: int) -> None:
    staff.goto(f"/auctions/{auction_id}")
    staff.get_by_test_id("form-deals").click()
    expect(staff.locator(".flash-success")).to_contain_text("deals formed")


def settle(staff: Page, auction_id: int) -> None:
    staff.goto(f"/auctions/{auction_id}")
    staff.get_by_test_id("open-settlement").click()
    expect(staff.get_by_test_id("money-required")).to_be_visible()
    staff.get_by_test_id("settle").click()
    expect(staff.locator(".flash-success")).to_contain_text("Settlement is recorded")
    expect(staff.locator(".auction-state")).to_contain_text("Settled")


def download(page: Page, link: Locator) -> bytes:
    with page.expect_download() as info:
        link.click()
    return Path(info.value.path()).read_bytes()


def open_notice(page: Page, auction_number: str, kind: str) -> None:
    """Logged out, in English: the public notices list, then one notice of the auction."""
    page.goto("/auctions/notices")
    page.get_by_test_id("lang-en").click()
    row = page.get_by_test_id("notices").locator("tr").filter(has_text=auction_number)
    row.get_by_role("link", name=kind, exact=True).click()
    expect(page.get_by_test_id("notice")).to_be_visible()


def auction_number(page: Page) -> str:
    return page.get_by_test_id("terms").locator("tr").first.locator("td").inner_text().split(" · ")[0]


def test_a_gko_day_from_application_to_certificate(desk, clock, new_page, live_server):
    set_clock(desk("staff"), FILED_AT)
    auction_id = file_and_announce(desk, "minfin", GKO_APPLICATION)
    staff = desk("staff")
    number = auction_number(staff)
    clock("2027-03-10T10:00")

    dealer1 = desk("dealer1")
    submit_bid(dealer1, auction_id, price="86.5000", quantity="400000")
    submit_bid(dealer1, auction_id, kind="market", quantity="100000")
    expect(dealer1.get_by_test_id("own-bid")).to_have_count(2)
    countdown = dealer1.get_by_test_id("countdown")
    expect(countdown).to_have_text(re.compile(r"^(02:00:00|01:[0-5]\d:[0-5]\d)$"))
    first = countdown.inner_text()
    expect(countdown).not_to_have_text(first)  # it ticks in the browser
    screenshot(dealer1, "auction-bidding")

    dealer2 = desk("dealer2")
    dealer2.goto(f"/auctions/{auction_id}")
    custodian_id = dealer2.locator("select[name=custodian_id] option", has_text=CUSTODIAN).get_attribute("value")
    submit_bid(dealer2, auction_id, price="86.4000", quantity="700000", custodian_id=custodian_id)
    expect(dealer2.get_by_test_id("own-bid")).to_contain_text("Awaiting the custodian")
    expect(dealer2.get_by_test_id("own-bid")).not_to_contain_text("86.5000")  # sealed: only its own bid

    token = api_token(live_server, "dealer3")
    api = new_page().request  # no cookies: the bearer token is the only credential
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "dealer3-bid-1"}
    body = {"kind": "limit", "price": "86.3000", "quantity": 100000, "custodian_id": int(custodian_id)}
    url = f"{live_server.url}/api/v1/auctions/{auction_id}/bids"
    created = api.post(url, headers=headers, data=body)
    assert created.status == 201, created.text()
    dealer3_bid = created.json()["id"]
    repeated = api.post(url, headers=headers, data=body)  # a retry after a lost answer creates nothing
    assert repeated.status == 200 and repeated.json()["id"] == dealer3_bid

    custodian = desk("custodian")
    custodian.goto("/auctions/confirmations")
    rows = custodian.get_by_test_id("confirmation-row")
    expect(rows).to_have_count(2)
    rows.filter(has_text=FIRM["dealer2"]).get_by_test_id("confirm").click()
    expect(custodian.locator(".flash-success")).to_have_text("The bid is confirmed.")
    expect(rows.filter(has_text=FIRM["dealer2"])).to_contain_text("Confirmed")
    expect(rows.filter(has_text=FIRM["dealer3"])).to_contain_text("Awaiting the custodian")

    clock("2027-03-10T12:30")
    lapsed = api.get(f"{url}/{dealer3_bid}", headers={"Authorization": f"Bearer {token}"})
    assert lapsed.ok and lapsed.json()["status"] == "annulled", lapsed.text()  # left unconfirmed

    minfin = desk("minfin")
    minfin.goto(f"/auctions/{auction_id}")
    minfin.get_by_test_id("open-register").click()
    named = minfin.get_by_test_id("named-bids")
    expect(named).to_contain_text(FIRM["dealer1"])
    expect(named).to_contain_text(FIRM["dealer2"])
    expect(named).not_to_contain_text(FIRM["dealer3"])  # its bid lapsed unconfirmed: not active
    expect(minfin.get_by_test_id("figures")).to_contain_text("3 / 4")  # bids active / all
    expect(minfin.get_by_test_id("levels")).to_contain_text("86.5000")
    screenshot(minfin, "auction-register")

    choose_cutoff(minfin, auction_id, "86.4000")
    expect(minfin.get_by_test_id("demand-chart").first).to_be_visible()
    expect(minfin.get_by_test_id("scenario")).to_have_count(2)  # 86.5000 and 86.4000; 86.3000 lapsed
    screenshot(minfin, "auction-explorer")
    minfin.get_by_test_id("decide").click()
    expect(minfin.locator(".flash-success")).to_have_text("The decision is recorded.")
    expect(minfin.get_by_test_id("cutoff")).to_have_text("86.4000")

    clock("2027-03-10T15:00")
    form_deals(staff, auction_id)
    settle(staff, auction_id)

    dealer1.goto(f"/auctions/{auction_id}")
    deal = dealer1.get_by_test_id("deal")
    expect(deal).to_have_count(2)  # its limit bid and its market bid
    expect(deal.first).to_contain_text("Settled")
    certificate = download(dealer1, deal.first.get_by_test_id("certificate"))
    assert certificate.startswith(b"%PDF")
    save_first_page(certificate, "auction-certificate")

    public = new_page()
    open_notice(public, number, "Results")
    expect(public.get_by_test_id("outcome")).to_contain_text("86.4000")
    expect(public.get_by_test_id("notice")).to_contain_text("Cut-off price")
    expect(public.get_by_test_id("user-menu")).to_have_count(0)
    screenshot(public, "auction-results")


def api_token(live_server, login: str) -> str:
    """A bearer token of a demo user, made as the /tokens page makes it."""
    with live_server.app.app_context():
        user = db.session.scalars(select(User).where(User.login == login)).one()
        _row, raw = create_api_token(db.session, user, "back office", wall_now())
        db.session.commit()
    return raw


def save_first_page(pdf: bytes, name: str) -> None:
    """The PDF's first page as a PNG beside the screenshots (poppler's pdftoppm)."""
    executable = shutil.which("pdftoppm")
    if executable is None:
        pytest.fail("pdftoppm is missing: run scripts/install_system_packages.sh (as root)")
    ARTIFACTS.mkdir(exist_ok=True)
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run([executable, "-png", "-r", "80", "-singlefile", str(source), str(ARTIFACTS / name)],
                   check=True, timeout=30)
    source.unlink()
    assert (ARTIFACTS / f"{name}.png").stat().st_size > 0


def test_an_issuer_placement_names_no_participant_to_the_issuer(desk, clock):
    clock(FILED_AT)
    auction_id = file_and_announce(desk, "issuer", SHARE_APPLICATION)
    staff = desk("staff")
    clock("2027-03-10T12:00")
    broker = desk("broker1")
    submit_bid(broker, auction_id, price="1500.0000", quantity="60000", investor_type="individual",
               client_name="Satpayev Yerzhan", client_iin="850312300123")
    expect(broker.get_by_test_id("own-bid")).to_contain_text("Satpayev Yerzhan")
    submit_bid(desk("dealer1"), auction_id, price="1490.0000", quantity="60000")
    clock("2027-03-10T13:30")

    issuer = desk("issuer")
    issuer.goto(f"/auctions/{auction_id}")
    expect(issuer.locator(".auction-state")).to_contain_text("Closed, awaiting decision")
    issuer.get_by_test_id("open-register").click()
    expect(issuer.get_by_test_id("levels")).to_contain_text("1,500.0000")
    expect(issuer.get_by_test_id("named-bids")).to_have_count(0)
    expect(issuer.locator(".page-head")).to_contain_text("anonymous copy")
    assert_names_nobody(issuer)
    choose_cutoff(issuer, auction_id, "1,490.0000")
    expect(issuer.get_by_test_id("scenario")).to_have_count(2)
    assert_names_nobody(issuer)
    issuer.get_by_test_id("decide").click()
    expect(issuer.locator(".flash-success")).to_have_text("The decision is recorded.")

    clock("2027-03-10T16:00")
    form_deals(staff, auction_id)
    staff.get_by_test_id("open-settlement").click()
    staff.get_by_test_id("settle").click()
    expect(staff.locator(".flash-error")).to_have_text("Settlement is on 12.03.2027.")  # T+2
    clock("2027-03-12T10:00")
    settle(staff, auction_id)
    issuer.goto(f"/auctions/{auction_id}")
    expect(issuer.get_by_test_id("deal")).to_have_count(2)
    register = download(issuer, issuer.get_by_test_id("deals").get_by_role("link", name="Deal register PDF"))
    assert register.startswith(b"%PDF")


def assert_names_nobody(page: Page) -> None:
    content = page.content()
    for name in (FIRM["broker1"], FIRM["dealer1"], "Satpayev", "850312300123"):
        assert name not in content, name


def test_a_sale_with_one_participant_fails(desk, clock, new_page):
    clock(FILED_AT)
    auction_id = file_and_announce(desk, "issuer", SHARE_APPLICATION | {"kind": "sale", "isin": "KZ1C00000017"})
    staff = desk("staff")
    number = auction_number(staff)
    clock("2027-03-10T12:00")
    submit_bid(desk("broker1"), auction_id, price="1500.0000", quantity="50000")
    clock("2027-03-10T13:30")

    issuer = desk("issuer")
    issuer.goto(f"/auctions/{auction_id}")
    expect(issuer.locator(".auction-state")).to_contain_text("Failed")
    expect(issuer.get_by_test_id("failure")).to_contain_text("Fewer than two participants")
    expect(issuer.get_by_test_id("open-explorer")).to_have_count(0)

    public = new_page()
    open_notice(public, number, "Declared failed")
    expect(public.get_by_test_id("failed-reason")).to_contain_text("Fewer than two participants")
