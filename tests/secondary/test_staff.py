"""The exchange staff's market pages: opening and closing the trading day (and the lazy close
when its time has passed, stored by the worker), failed settlements, incoming balances (all rows or none), the
surveillance of every book with halts, and the end-of-day certificates — which a member firm
may download for its own deals only."""
import io
import json
import subprocess
from datetime import date
from decimal import Decimal

import lxml.html
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.jobs.worker import run_timed_steps
from app.audit.models import AuditEvent
from app.auth.roles import OrganisationKind, Role
from app.extensions import db
from app.secondary.balances import BalanceRow, BalancesRefused, load_balances
from app.secondary.engine.commands import PlaceOrder
from app.secondary.engine.day import CloseDay, LoadBalance
from app.secondary.models import Instrument, JournalEntry, MarketOrder, MarketTrade, Position, TradingSession
from app.secondary.trading import services
from tests.conftest import TEST_PASSWORD
from tests.secondary.conftest import DAY, almaty, open_day

THURSDAY, FRIDAY = date(2027, 3, 11), date(2027, 3, 12)


@pytest.fixture
def sign_in(app):
    def sign_in(user):
        client = app.test_client()
        assert client.post("/login", data={"login": user.login, "password": TEST_PASSWORD}).status_code == 302
        client.post("/language", data={"lang": "en"})
        return client
    return sign_in


@pytest.fixture
def staff(market_cast, sign_in):
    return sign_in(market_cast["staff"])


def page(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def texts(tree, xpath: str) -> list[str]:
    return [" ".join(node.text_content().split()) for node in tree.xpath(xpath)]


def place(cast, firm: str, account: str, side: str, lots: int, price: str, instrument="share", code="T0"):
    return services.execute(db.session, PlaceOrder(cast[firm].id, cast[account].id, cast[instrument].id, code,
                                                   side, "limit", lots, Decimal(price)))


def journal_count() -> int:
    return db.session.scalar(select(func.count()).select_from(JournalEntry))


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()


# --- the trading day -------------------------------------------------------------------------

def test_the_day_page_shows_the_session_in_almaty_time(staff, market_cast):
    tree = page(staff.get("/market/staff/"))
    session_card = " ".join(texts(tree, "//*[@data-testid='current-session']")[0].split())
    assert "11:00" in session_card and "17:00" in session_card and "open" in session_card
    assert tree.xpath("//form[@data-testid='close-form']")


def test_closing_through_the_page_cancels_day_orders(staff, market_cast):
    order = place(market_cast, "alpha", "alpha_own", "buy", 5, "29000")
    response = staff.post("/market/staff/close", follow_redirects=True)
    assert "The session is closed" in response.get_data(as_text=True)
    assert db.session.get(MarketOrder, order.order_id).status == "expired"
    assert db.session.scalar(select(TradingSession.closed_seq)) is not None
    assert "closed" in texts(page(staff.get("/market/staff/")), "//*[@data-testid='session-status']")[0]


def test_closing_twice_is_refused_with_a_message(staff, market_cast):
    staff.post("/market/staff/close")
    response = staff.post("/market/staff/close", follow_redirects=True)
    assert "No trading session is open." in response.get_data(as_text=True)


def test_opening_the_next_day_takes_the_configured_times(staff, market_cast, clock):
    staff.post("/market/staff/close")
    clock(almaty(THURSDAY, 9))
    form = page(staff.get("/market/staff/")).xpath("//form[@data-testid='open-form']")[0]
    values = dict(form.form_values())
    assert (values["day"], values["opens"], values["closes"]) == ("2027-03-11", "11:30", "17:00")
    response = staff.post("/market/staff/open", data=values)
    assert response.status_code == 302
    opened = db.session.scalar(select(TradingSession).where(TradingSession.trading_day == THURSDAY))
    assert (opened.opens_at, opened.closes_at) == (almaty(THURSDAY, 11, 30), almaty(THURSDAY, 17))
    entry = db.session.scalar(select(JournalEntry).where(JournalEntry.kind == "open_day")
                              .order_by(JournalEntry.seq.desc()))
    assert entry.user_id == market_cast["staff"].id


@pytest.mark.parametrize("changes, message", [
    ({}, "The session of 2027-03-10 is still open; close it first."),
    ({"day": "2027-03-12"}, "Only today's trading day (2027-03-11) can be opened."),
    ({"closes": "11:00"}, "The session must close after it opens."),
    ({"opens": "25:00"}, "Not a valid time value."),
])
def test_a_refused_opening_says_why_and_stores_nothing(staff, market_cast, clock, changes, message):
    clock(almaty(THURSDAY, 9))
    before = journal_count()
    data = {"day": "2027-03-11", "opens": "11:30", "closes": "17:00", **changes}
    response = staff.post("/market/staff/open", data=data)
    assert response.status_code == 422
    assert message in page(response).text_content()
    assert journal_count() == before
    assert db.session.scalar(select(func.count()).select_from(TradingSession)) == 1


def test_after_the_close_time_pages_show_the_day_closed_and_the_worker_closes_it(staff, market_cast, clock):
    order = place(market_cast, "alpha", "alpha_own", "buy", 5, "29000")
    clock(almaty(DAY, 17, 1))
    assert staff.get("/market/staff/surveillance").status_code == 200
    db.session.expire_all()
    assert db.session.get(MarketOrder, order.order_id).status != "expired"     # a read never writes
    assert db.session.scalar(select(TradingSession.closed_seq)) is None
    run_timed_steps()
    db.session.expire_all()
    assert db.session.get(MarketOrder, order.order_id).status == "expired"
    assert db.session.scalar(select(TradingSession.closed_seq)) is not None


def _failed_t2_deal(cast, clock) -> MarketTrade:
    """Beta sells 10 KZTK T+2 on Wednesday, then holds none on Friday: delivery fails."""
    place(cast, "beta", "beta_own", "sell", 10, "30000", code="T2")
    place(cast, "alpha", "alpha_own", "buy", 10, "30000", code="T2")
    for day in (THURSDAY, FRIDAY):
        services.execute(db.session, CloseDay())
        clock(almaty(day, 10))
        open_day(day)
    services.execute(db.session, LoadBalance("BETA_OWN", "KZTK", "0"))
    return db.session.scalar(select(MarketTrade))


def test_staff_retry_a_failed_settlement_once_the_securities_are_there(staff, market_cast, clock):
    trade = _failed_t2_deal(market_cast, clock)
    staff.post("/market/staff/close")
    db.session.expire_all()
    assert db.session.get(MarketTrade, trade.id).status == "failed"
    rows = page(staff.get("/market/staff/")).xpath(f"//tr[@data-trade='{trade.id}']")
    assert rows and "failed" in rows[0].text_content()
    services.execute(db.session, LoadBalance("BETA_OWN", "KZTK", "10"))
    response = staff.post(f"/market/staff/trades/{trade.id}/settlement", data={"action": "retry"},
                          follow_redirects=True)
    assert "The deal is settled." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(MarketTrade, trade.id).status == "settled"


def test_staff_cancel_a_failed_deal(staff, market_cast, clock):
    trade = _failed_t2_deal(market_cast, clock)
    staff.post("/market/staff/close")
    staff.post(f"/market/staff/trades/{trade.id}/settlement", data={"action": "cancel"})
    db.session.expire_all()
    assert db.session.get(MarketTrade, trade.id).status == "cancelled"


def test_a_deal_that_has_not_failed_cannot_be_retried(staff, market_cast):
    place(market_cast, "beta", "beta_own", "sell", 1, "30000")
    place(market_cast, "alpha", "alpha_own", "buy", 1, "30000")
    trade = db.session.scalar(select(MarketTrade))
    response = staff.post(f"/market/staff/trades/{trade.id}/settlement", data={"action": "retry"},
                          follow_redirects=True)
    assert "Only a failed settlement can be retried or cancelled." in response.get_data(as_text=True)


# --- incoming balances -----------------------------------------------------------------------

def ledger_incoming(account, asset: str) -> str | None:
    row = db.session.get(Position, (account.id, asset))
    return None if row is None else json.loads(row.ledger)["incoming"]


def test_pasted_balances_load_in_one_batch(staff, market_cast):
    before = journal_count()
    text = "account;asset;amount\nALPHA_OWN;KZT;2 500 000,50\nALPHA_OWN;MUM084_0017;40\nBETA_OWN;kztk;7\n"
    response = staff.post("/market/staff/balances", data={"text": text}, follow_redirects=True)
    assert "3 incoming balances loaded." in response.get_data(as_text=True)
    assert journal_count() == before + 3
    assert ledger_incoming(market_cast["alpha_own"], "KZT") == "2500000.50"
    assert ledger_incoming(market_cast["alpha_own"], "MUM084_0017") == "40"
    assert ledger_incoming(market_cast["beta_own"], "KZTK") == "7"


def test_every_bad_row_is_named_and_nothing_is_loaded(staff, market_cast):
    before = journal_count()
    text = ("ALPHA_OWN,KZT,100\n"          # good
            "NOPE,KZT,5\n"                 # unknown account
            "BETA_OWN,GOLD,5\n"            # unknown asset
            "BETA_OWN,KZTK,1.5\n"          # part of a share
            "BETA_OWN,KZT,-1\n"            # negative
            "ALPHA_OWN,KZT,200\n"          # the same ledger again
            "BETA_OWN,KZT\n")              # a column short
    response = staff.post("/market/staff/balances", data={"text": text})
    assert response.status_code == 422
    problems = {row.get("data-row"): " ".join(row.text_content().split())
                for row in page(response).xpath("//*[@data-testid='problems']//tbody/tr")}
    assert sorted(problems) == ["2", "3", "4", "5", "6", "7"]
    assert "No active trading account NOPE." in problems["2"]
    assert "Unknown asset GOLD" in problems["3"]
    assert "whole units" in problems["4"]
    assert "zero or more" in problems["5"]
    assert "already in row 1" in problems["6"]
    assert "three columns" in problems["7"]
    assert journal_count() == before
    assert ledger_incoming(market_cast["alpha_own"], "KZT") == "10000000"


def test_an_xlsx_file_loads_and_an_empty_form_is_refused(staff, market_cast):
    workbook = Workbook()
    workbook.active.append(["Account", "Asset", "Amount"])
    workbook.active.append(["BETA_OWN", "KZT", 750000.25])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = staff.post("/market/staff/balances", data={"file": (io.BytesIO(buffer.getvalue()), "b.xlsx")},
                          content_type="multipart/form-data", follow_redirects=True)
    assert "1 incoming balances loaded." in response.get_data(as_text=True)
    assert ledger_incoming(market_cast["beta_own"], "KZT") == "750000.25"
    empty = staff.post("/market/staff/balances", data={"text": "  "})
    assert empty.status_code == 422 and "Paste the rows or choose a file." in empty.get_data(as_text=True)


def test_a_row_the_sequencer_refuses_rolls_the_whole_batch_back(market_cast):
    before = journal_count()
    rows = [BalanceRow(1, "ALPHA_OWN", "KZT", Decimal("5")), BalanceRow(2, "GONE", "KZT", Decimal("5"))]
    with pytest.raises(BalancesRefused) as refused:
        load_balances(db.session, rows)
    assert [row for row, _message in refused.value.problems] == [2]
    assert journal_count() == before
    assert ledger_incoming(market_cast["alpha_own"], "KZT") == "10000000"
    services.execute(db.session, LoadBalance("ALPHA_OWN", "KZT", "6"))   # the market still works
    assert ledger_incoming(market_cast["alpha_own"], "KZT") == "6"


# --- surveillance ----------------------------------------------------------------------------

def test_surveillance_shows_every_book_and_the_journal(staff, market_cast):
    place(market_cast, "alpha", "alpha_own", "buy", 5, "29500")
    place(market_cast, "alpha", "alpha_own", "buy", 3, "29000")
    place(market_cast, "beta", "beta_own", "sell", 2, "30500")
    place(market_cast, "beta", "beta_own", "sell", 4, "29500")      # trades 4 at 29500
    tree = page(staff.get("/market/staff/surveillance"))
    row = tree.xpath("//tr[@data-book='KZTK/T0']")[0]
    cell = {name: " ".join(row.xpath(f".//*[@data-testid='{name}']")[0].text_content().split())
            for name in ("live", "bid", "ask", "last", "trades")}
    assert cell == {"live": "3", "bid": "29,500.0000", "ask": "30,500.0000", "last": "29,500.0000", "trades": "1"}
    assert len(tree.xpath("//tr[@data-book]")) == 4
    journal = " ".join(texts(tree, "//*[@data-testid='journal']")[0].split())
    assert "Beta Broker" in journal and "order" in journal
    assert f"event {services.sequencer.replay(db.session).seq}" in journal


def test_staff_halt_and_resume_an_instrument_from_surveillance(staff, market_cast):
    share = market_cast["share"]
    staff.post(f"/market/staff/instruments/{share.id}/halt", data={"reason": "Pending news"})
    db.session.expire_all()
    assert db.session.get(Instrument, share.id).halted
    tree = page(staff.get("/market/staff/surveillance"))
    assert "Pending news" in texts(tree, "//*[@data-testid='halts']")[0]
    refused = staff.post(f"/market/staff/instruments/{share.id}/halt", data={"reason": ""},
                         follow_redirects=True)
    assert "This field is required." in refused.get_data(as_text=True)
    staff.post(f"/market/staff/instruments/{share.id}/resume")
    db.session.expire_all()
    assert not db.session.get(Instrument, share.id).halted
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "instrument",
                                                                      AuditEvent.action.like("instrument.%ed"))))
    assert actions[-2:] == ["instrument.halted", "instrument.resumed"]


# --- certificates ----------------------------------------------------------------------------

@pytest.fixture
def trading_day(market_cast):
    """Two deals Alpha–Beta (a share T0, a bond T2) and one Alpha deal between its own accounts."""
    place(market_cast, "beta", "beta_own", "sell", 4, "29900")
    place(market_cast, "alpha", "alpha_own", "buy", 4, "29900")
    place(market_cast, "beta", "beta_own", "sell", 20, "98.5", instrument="bond", code="T2")
    place(market_cast, "alpha", "alpha_own", "buy", 20, "98.5", instrument="bond", code="T2")
    return market_cast


def test_the_staff_list_counts_each_firms_deals(staff, trading_day, make_org):
    make_org(OrganisationKind.MEMBER_FIRM, name="Gamma Idle")
    tree = page(staff.get("/market/staff/certificates/2027-03-10"))
    rows = {" ".join(row.xpath("./td")[0].text_content().split()): row.xpath("./td")[1].text_content()
            for row in tree.xpath("//*[@data-testid='certificates']//tbody/tr")}
    assert rows == {"Alpha Securities": "2", "Beta Broker": "2", "Gamma Idle": "0"}
    assert staff.get("/market/staff/certificates").headers["Location"].endswith("/certificates/2027-03-10")
    assert staff.get("/market/staff/certificates/2027-13-40").status_code == 404


def test_a_certificate_lists_every_deal_of_the_firm_with_its_counterparty(staff, trading_day):
    beta = trading_day["beta"]
    response = staff.get(f"/market/certificates/2027-03-10.pdf?organisation={beta.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    text = " ".join(pdf_text(response.data).split())
    assert "Beta Broker" in text and "Alpha Securities" in text       # the firm and its counterparty
    assert "KZTK" in text and "MUM084_0017" in text
    assert "119,600.00" in text and "20,973.33" in text               # 4 × 29 900; 20 bonds with AI
    assert text.count("Sell") == 2 and "Buy" not in text.replace("Bought", "")


def test_a_member_downloads_its_own_certificate_and_no_other(sign_in, trading_day):
    alpha = sign_in(trading_day["dealer"])
    own = alpha.get("/market/certificates/2027-03-10.pdf")
    assert own.status_code == 200 and own.data.startswith(b"%PDF")
    assert "Beta Broker" in pdf_text(own.data)
    assert alpha.get(f"/market/certificates/2027-03-10.pdf?organisation={trading_day['alpha'].id}").status_code == 200
    assert alpha.get(f"/market/certificates/2027-03-10.pdf?organisation={trading_day['beta'].id}").status_code == 404


def test_a_firm_outside_the_deals_sees_none_of_them(sign_in, trading_day, make_org, make_user):
    gamma = make_org(OrganisationKind.MEMBER_FIRM, name="Gamma Capital")
    client = sign_in(make_user(Role.PARTICIPANT, organisation=gamma))
    text = pdf_text(client.get("/market/certificates/2027-03-10.pdf").data)
    assert "no deals" in text and "Alpha Securities" not in text and "Beta Broker" not in text


def test_staff_must_name_a_member_firm(staff, trading_day):
    assert staff.get("/market/certificates/2027-03-10.pdf").status_code == 404
    exchange = trading_day["staff"].organisation_id
    assert staff.get(f"/market/certificates/2027-03-10.pdf?organisation={exchange}").status_code == 404
