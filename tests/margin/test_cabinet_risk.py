"""The client's Risks section (issue 13, item 2) and `GET /api/v1/cabinet/risk` (its fixed shape)."""
from decimal import Decimal
from html import unescape

import pytest

from app.auth.roles import Role
from app.brokerage import services as brokerage
from app.brokerage.models import LedgerSource, Venue
from app.clock.services import now
from app.extensions import db
from app.margin import services as margin_services
from tests.api.conftest import issue_token  # noqa: F401 — the fixture
from tests.orders.conftest import IIN, OTHER_IIN, as_client, kase, make_client, market_cast  # noqa: F401
from tests.secondary.conftest import clock  # noqa: F401


@pytest.fixture
def margin_client(kase, make_user):
    """erzhan: 10 KZTK long bought partly on credit, 5 bonds short, and a USD balance.
    KZTK long 25 %; the bond shortable at 30 %; USD at 470 ₸ with a 20 % money rate."""
    firm, client = kase["alpha"], kase["client"]
    staff = make_user(Role.BROKER_RISK, login="alpha_risk", organisation=firm)
    office = make_user(Role.BROKER_OFFICE, login="alpha_office", organisation=firm)
    for entry in (margin_services.RateEntry("standard", Venue.KASE, "KZTK", Decimal(25), Decimal(100), True),
                  margin_services.RateEntry("standard", Venue.KASE, "MUM084_0017", Decimal(25), Decimal(30), True, True),
                  margin_services.RateEntry("standard", "money", "USD", Decimal(20), Decimal(20), True)):
        margin_services.add_rate(db.session, firm, entry, staff, now())
    margin_services.add_fx_rate(db.session, firm, margin_services.FxEntry("USD", Decimal(470)), staff, now())
    at = now()
    brokerage.post(db.session, client, None, "KZT", Decimal(-900000), LedgerSource.DEAL, "T 1", office, at)
    brokerage.post(db.session, client, Venue.KASE, "MUM084_0017", Decimal(-5), LedgerSource.DEAL, "T 2", office, at)
    brokerage.post(db.session, client, None, "USD", Decimal(-100), LedgerSource.DEAL, "T 3", office, at)
    db.session.commit()
    return client


def test_the_api_answers_the_fixed_shape_with_the_figures(margin_client, client, issue_token):
    """KZT 500,000 − 900,000 = −400,000; USD −100 × 470 = −47,000; KZTK 10 × 30,000 = 300,000;
    bond −5 × 98 % × 1,000 = −4,900. S = −151,900. M0 = 75,000 + 4,900 × 30 % + 47,000 × 20 %
    = 75,000 + 1,470 + 9,400 = 85,870."""
    headers = {"Authorization": f"Bearer {issue_token(margin_client.user)}"}
    answer = client.get("/api/v1/cabinet/risk", headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json
    assert (body["S"], body["M0"], body["Mx"]) == ("-151900.00", "85870.00", "42935.00")
    assert (body["NPR1"], body["NPR2"]) == ("-237770.00", "-194835.00")
    assert body["category"] == "standard"
    positions = {row["code"]: row for row in body["positions"]}
    assert positions["KZTK"] == {"venue": "kase", "code": "KZTK", "quantity": "10", "price": "30000.0000",
                                 "long_rate": "25.00", "short_rate": "100.00", "margin": "75000.00"}
    assert positions["MUM084_0017"]["quantity"] == "-5" and positions["MUM084_0017"]["margin"] == "1470.00"
    money = {row["currency"]: row for row in body["money"]}
    assert money["USD"]["fx_rate"] == "470.0000" and money["USD"]["rate"] == "20.00"
    assert money["KZT"]["amount"] == "-400000.00"


def test_the_page_shows_figures_positions_and_rates(margin_client, as_client):
    http = as_client()
    page = http.get("/cabinet/risk")
    assert page.status_code == 200
    text = unescape(page.text)
    assert "-151,900.00" in text and "85,870.00" in text and "-237,770.00" in text
    assert "your broker may close positions" in text
    assert "MUM084_0017" in text and "30.00" in text
    assert 'href="/cabinet/risk"' in http.get("/cabinet/").text


def test_without_an_fx_rate_the_figures_say_why(kase, as_client, make_user):
    firm, client = kase["alpha"], kase["client"]
    office = make_user(Role.BROKER_OFFICE, login="alpha_office", organisation=firm)
    brokerage.record_deposit(db.session, client, Decimal(100), "USD", "PP 2", office, now())
    db.session.commit()
    http = as_client()
    assert "no USD exchange rate" in unescape(http.get("/cabinet/risk").text)
    refused = http.post("/cabinet/orders/new", data={"venue": "kase", "code": "KZTK", "side": "buy", "type": "limit",
                                                     "price": "30000", "lots": "1"})
    assert refused.status_code == 422 and "no USD exchange rate" in unescape(refused.text)


def test_the_order_form_asks_for_npr1_as_the_client_types(kase, as_client):
    http = as_client()
    form = http.get("/cabinet/orders/new?venue=kase&code=KZTK&side=buy")
    assert "500,000.00" in unescape(form.text)
    fits = http.get("/cabinet/orders/check?venue=kase&code=KZTK&side=buy&type=limit&price=30000&lots=16").json
    assert fits == {"npr1_now": "500,000.00\u00a0₸", "npr1_after": "20,000.00\u00a0₸", "accepted": True, "message": None}
    too_much = http.get("/cabinet/orders/check?venue=kase&code=KZTK&side=buy&type=limit&price=30000&lots=17").json
    assert too_much["accepted"] is False and too_much["npr1_after"] == "-10,000.00\u00a0₸"
    assert "NPR1 after this order would be -10,000.00" in too_much["message"]
    bad = http.get("/cabinet/orders/check?venue=kase&code=KZTK&side=buy&type=limit&price=30000&lots=0").json
    assert bad["accepted"] is False and bad["message"]
