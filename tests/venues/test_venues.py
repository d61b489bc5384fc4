"""The back office lists AIX and international instruments and loads their quotes (CSV or
JSON, all or nothing, on the price step); a firm sees only its own; the client keeps its own
list of instruments and sees their quotes, with time and age, on Home."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.auth.roles import OrganisationKind, Role
from app.auth.services import create_organisation, create_user
from app.brokerage import services as brokerage
from app.clock.services import now, wall_now
from app.domain.calendar import almaty_date
from app.demo.auctions import with_check_digit
from app.extensions import db
from app.secondary.reference import services as reference
from app.venues import reads, services
from app.venues.models import VenueInstrument, VenueQuote, WatchedInstrument
from tests.conftest import TEST_PASSWORD

KZAP = {"venue": "aix", "code": "kzap", "name": "Kazatomprom GDR", "currency": "USD", "lot_size": "1",
        "price_step": "0.01", "settlement_days": "2"}


@pytest.fixture
def office(client, make_user, make_org):
    firm = make_org(name="АО «Алатау Брокер»")
    user = make_user(Role.BROKER_OFFICE, organisation=firm)

    def log_in(who=user):
        client.post("/logout")
        assert client.post("/login", data={"login": who.login, "password": TEST_PASSWORD}).status_code == 302
        client.post("/language", data={"lang": "en"})
        return client
    log_in.user, log_in.firm = user, firm
    return log_in


@pytest.fixture
def listed(office):
    back = office()
    assert back.post("/brokerage/venues/new", data=KZAP).status_code == 302
    assert back.post("/brokerage/venues/new", data={**KZAP, "venue": "international", "code": "AAPL",
                                                    "name": "Apple Inc."}).status_code == 302
    return db.session.scalar(select(VenueInstrument).where(VenueInstrument.code == "KZAP"))


@pytest.fixture
def customer(office, client):
    """The firm's client, logged in (its first password already changed)."""
    at = wall_now()
    person = create_organisation(db.session, "Сатпаев Ержан · firm", OrganisationKind.CLIENT, at, parent=office.firm)
    user = create_user(db.session, "erzhan", "Сатпаев Ержан", Role.CLIENT, person, TEST_PASSWORD, at)
    entry = brokerage.ClientEntry("850312300121", "Сатпаев Ержан", "+77012345678", "e@example.kz", "АБ-1",
                                  date(2026, 1, 15), "erzhan")
    found = brokerage.attach_client(db.session, office.firm, person, user, entry, at)
    db.session.commit()

    def log_in():
        client.post("/logout")
        assert client.post("/login", data={"login": "erzhan", "password": TEST_PASSWORD}).status_code == 302
        client.post("/language", data={"lang": "en"})
        return client
    log_in.client = found
    return log_in


def csv_file(text: str):
    import io
    return {"file": (io.BytesIO(text.encode()), "quotes.csv")}


def quote_time(minutes_ago: int = 12) -> str:
    return (now() - timedelta(minutes=minutes_ago)).isoformat()


def test_an_instrument_is_listed_in_capitals_and_a_duplicate_is_refused(office, listed):
    assert listed.code == "KZAP" and listed.price_step == Decimal("0.01") and listed.settlement_days == 2
    again = office().post("/brokerage/venues/new", data=KZAP)
    assert again.status_code == 422 and "already lists" in again.text
    bad = office().post("/brokerage/venues/new", data={**KZAP, "code": "X1", "price_step": "0"})
    assert bad.status_code == 422 and "price step" in bad.text


def test_a_good_csv_loads_every_quote_and_the_list_shows_time_and_age(office, listed):
    text = (f"venue,code,bid,ask,last,time\naix,KZAP,41.20,41.35,\"41,30\",{quote_time(12)}\n"
            f"international,aapl,,,232.15,{almaty_date(now()).isoformat()} 00:00\n")
    answer = office().post("/brokerage/venues/quotes", data=csv_file(text), follow_redirects=True)
    assert answer.status_code == 200 and "2 quotes loaded" in answer.text
    quote = reads.latest_quotes(db.session, [listed.id])[listed.id]
    assert (quote.bid, quote.ask, quote.last, quote.source) == (Decimal("41.20"), Decimal("41.35"), Decimal("41.30"), "csv")
    page = office().get("/brokerage/venues")
    assert "41.3000" in page.text and "12 min ago" in page.text and "Apple Inc." in page.text


@pytest.mark.parametrize("row, words", [
    ("aix,KZAP,41.205,,,{t}", ["row 3", "bid", "price step"]),
    ("aix,NOPE,1,,,{t}", ["row 3", "code", "NOPE"]),
    ("aix,KZAP,,,,{t}", ["row 3", "at least one"]),
    ("aix,KZAP,1,,,yesterday", ["row 3", "time"]),
    ("aix,KZAP,abc,,,{t}", ["row 3", "bid", "not a price"]),
    ("kase,KZAP,1,,,{t}", ["row 3", "venue"]),
])
def test_a_bad_row_loads_nothing_and_is_named(office, listed, row, words):
    text = f"venue,code,bid,ask,last,time\naix,KZAP,41.20,,,{quote_time()}\n{row.format(t=quote_time())}\n"
    answer = office().post("/brokerage/venues/quotes", data=csv_file(text))
    assert answer.status_code == 422 and "Nothing was loaded" in answer.text
    for word in words:
        assert word in answer.text
    assert db.session.scalar(select(func.count(VenueQuote.id))) == 0


def test_a_file_with_the_wrong_header_is_refused(office, listed):
    answer = office().post("/brokerage/venues/quotes", data=csv_file("code,price\nKZAP,1\n"))
    assert answer.status_code == 422 and "header" in answer.text


def test_quotes_pushed_as_json_all_or_nothing(office, listed):
    back = office()
    good = {"venue": "aix", "code": "KZAP", "bid": "41.10", "ask": None, "last": "41.15", "time": quote_time(3)}
    assert back.post("/api/v1/brokerage/quotes", json={"quotes": [good]}).get_json() == {"loaded": 1}
    refused = back.post("/api/v1/brokerage/quotes", json={"quotes": [good, {**good, "last": "41.151"}]})
    body = refused.get_json()
    assert refused.status_code == 422 and body["code"] == "invalid_quotes"
    assert list(body["details"]["json"]["quotes"]) == ["1"]
    assert "price step" in body["details"]["json"]["quotes"]["1"]["last"][0]
    assert db.session.scalar(select(func.count(VenueQuote.id))) == 1
    listing = back.get("/api/v1/brokerage/venues/instruments").get_json()
    assert {row["code"] for row in listing} == {"KZAP", "AAPL"}
    kzap = next(row for row in listing if row["code"] == "KZAP")
    assert kzap["latest_quote"]["last"] == "41.1500" and kzap["latest_quote"]["source"] == "api"


def test_a_firm_never_sees_or_quotes_another_firms_instruments(office, listed, make_user, make_org):
    other = office(make_user(Role.BROKER_OFFICE, organisation=make_org(name="ТОО «Шымкент Трейд»")))
    assert "KZAP" not in other.get("/brokerage/venues").text
    assert other.get(f"/brokerage/venues/{listed.id}/edit").status_code == 404
    assert other.post(f"/brokerage/venues/{listed.id}/edit", data=KZAP).status_code == 404
    assert other.post(f"/brokerage/venues/{listed.id}/deactivate").status_code == 404
    assert other.get("/api/v1/brokerage/venues/instruments").get_json() == []
    pushed = other.post("/api/v1/brokerage/quotes", json={"quotes": [
        {"venue": "aix", "code": "KZAP", "last": "41.00", "time": quote_time()}]})
    assert pushed.status_code == 422 and "KZAP" in pushed.get_json()["details"]["json"]["quotes"]["0"]["code"][0]
    assert db.session.scalar(select(func.count(VenueQuote.id))) == 0
    assert db.session.get(VenueInstrument, listed.id).is_active


def test_edit_and_deactivate(office, listed):
    back = office()
    assert back.post(f"/brokerage/venues/{listed.id}/edit", data={**KZAP, "name": "Kazatomprom",
                                                                   "settlement_days": "1"}).status_code == 302
    assert back.post(f"/brokerage/venues/{listed.id}/deactivate").status_code == 302
    db.session.expire_all()
    found = db.session.get(VenueInstrument, listed.id)
    assert (found.name, found.settlement_days, found.is_active) == ("Kazatomprom", 1, False)


def test_settlement_date_counts_business_days(listed):
    friday = date(2026, 12, 4)
    assert services.settlement_date(listed, friday) == date(2026, 12, 8)


def test_the_client_keeps_its_list_and_sees_the_quotes_on_home(office, listed, customer):
    office().post("/api/v1/brokerage/quotes", json={"quotes": [
        {"venue": "aix", "code": "KZAP", "last": "41.00", "time": quote_time(20)},
        {"venue": "aix", "code": "KZAP", "bid": "41.30", "ask": "41.50", "last": "41.41", "time": quote_time(5)}]})
    me = customer()
    found = me.get("/cabinet/instruments?q=azato")
    assert found.status_code == 200 and 'value="aix:KZAP"' in found.text
    assert me.post("/cabinet/instruments", data={"q": "azato", "shown": ["aix:KZAP"],
                                                 "picked": ["aix:KZAP"]}).status_code == 302
    quick = me.get("/cabinet/instruments/search?q=apple")
    assert quick.status_code == 200 and "AAPL" in quick.text and 'data-testid="add-watched"' in quick.text
    added = me.post("/cabinet/instruments/add", data={"venue": "international", "code": "AAPL"})
    assert added.status_code == 302 and added.headers["Location"].endswith("/cabinet/")
    home = me.get("/cabinet/")
    assert home.status_code == 200 and 'data-testid="portfolio-summary"' in home.text
    assert home.text.count('data-testid="quote-row"') == 2 and "41.4100" in home.text and "5 min ago" in home.text
    assert "/cabinet/orders/new?venue=aix&amp;code=KZAP&amp;side=buy" in home.text
    blocks = me.get("/api/v1/cabinet/quotes").get_json()
    assert [row["code"] for row in blocks["aix"]] == ["KZAP"] and blocks["kase"] == []
    assert blocks["aix"][0]["change"] == "1.00" and 290 <= blocks["aix"][0]["age_seconds"] <= 310
    assert me.post("/cabinet/instruments/remove", data={"venue": "aix", "code": "KZAP"}).status_code == 302
    assert me.post("/cabinet/instruments", data={"shown": ["international:AAPL"]}).status_code == 302
    assert db.session.scalar(select(func.count(WatchedInstrument.id))) == 0


def test_the_watchlist_api_and_a_kase_instrument(office, listed, customer):
    reference.create_instrument(
        db.session, code="KCEL", isin=with_check_digit("KZ1C0000608"), name="АО «Кселл», простые акции", kind="share",
        group="shares_main", currency="KZT", face_value=None, lot_size=1, price_step=Decimal("0.01"),
        price_subject="money", settlement_codes=["T0", "T2"], corridor_percent=Decimal(10))
    db.session.commit()
    me = customer()
    assert [row["code"] for row in me.get("/api/v1/cabinet/instruments/search?q=кселл").get_json()] == ["KCEL"]
    assert me.post("/api/v1/cabinet/watchlist", json={"venue": "kase", "code": "kcel"}).status_code == 201
    assert me.post("/api/v1/cabinet/watchlist", json={"venue": "aix", "code": "KZAP"}).status_code == 201
    unknown = me.post("/api/v1/cabinet/watchlist", json={"venue": "aix", "code": "ZZZ"})
    assert unknown.status_code == 422 and unknown.get_json()["code"] == "unknown_instrument"
    assert [(r["venue"], r["code"]) for r in me.get("/api/v1/cabinet/watchlist").get_json()] == [
        ("aix", "KZAP"), ("kase", "KCEL")]
    blocks = me.get("/api/v1/cabinet/quotes").get_json()
    assert blocks["kase"][0]["code"] == "KCEL" and blocks["aix"][0]["last"] is None
    assert me.delete("/api/v1/cabinet/watchlist?venue=kase&code=KCEL").status_code == 204
    assert me.delete("/api/v1/cabinet/watchlist?venue=kase&code=KCEL").status_code == 404
    home = me.get("/cabinet/")
    assert home.status_code == 200 and "no quote" in home.text


def test_valuation_prices(office, listed):
    office().post("/api/v1/brokerage/quotes", json={"quotes": [
        {"venue": "aix", "code": "KZAP", "bid": "41.00", "ask": "41.03", "time": quote_time()},
        {"venue": "international", "code": "AAPL", "last": "232.15", "time": quote_time()}]})
    prices = reads.valuation_prices(db.session, office.firm.id, [("aix", "KZAP"), ("international", "AAPL"),
                                                                  ("aix", "NONE"), ("kase", "NONE")])
    assert prices == {("aix", "KZAP"): Decimal("41.0150"), ("international", "AAPL"): Decimal("232.15")}
    assert reads.valuation_prices(db.session, office.firm.id + 1000, [("aix", "KZAP")]) == {}


def test_a_client_cannot_reach_the_back_office_and_a_login_without_agreement_has_no_list(office, customer, login_as,
                                                                                         client):
    me = customer()
    for url in ("/brokerage/venues", "/brokerage/venues/quotes", "/brokerage/venues/new"):
        assert me.get(url).status_code == 403
    assert me.post("/api/v1/brokerage/quotes", json={"quotes": []}).status_code == 403
    client.post("/logout")
    login_as(Role.CLIENT)
    assert client.get("/cabinet/instruments").status_code == 404
    assert client.get("/api/v1/cabinet/quotes").status_code == 404
