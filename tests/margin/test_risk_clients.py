"""The risk staff's client pages (issue 13, item 8): every client of the firm with its figures,
the lowest NPR2 first, the filters, the drill-down's close-out preview, and the API's shape.

Alpha's clients (KZTK at 30,000 ₸, long rate 25 % in the standard category):
- erzhan: 500,000 ₸ and 10 KZTK — S 800,000, M0 75,000, NPR1 725,000, NPR2 762,500;
- aset: −250,000 ₸ and 10 KZTK — S 50,000, M0 75,000, NPR1 −25,000, NPR2 12,500;
- dana (special risk, no rates: KZTK at 100 %): −400,000 ₸ and 10 KZTK — S −100,000,
  M0 300,000, NPR1 −400,000, NPR2 −250,000;
- bolat: 100 USD and no USD rate at the firm — figures unavailable.
"""
from decimal import Decimal
from html import unescape

import pytest

from app.auth.roles import Role
from app.brokerage import services as brokerage
from app.brokerage.models import LedgerSource, Venue
from app.clock.services import now
from app.domain import margin
from app.domain.identifiers import check_digit
from app.extensions import db
from app.margin import services as margin_services
from app.margin.models import MarginCategory
from app.margin.risk import client_risk
from tests.api.conftest import issue_token  # noqa: F401 — the fixture
from tests.conftest import TEST_PASSWORD
from tests.orders.conftest import kase, make_client, market_cast  # noqa: F401
from tests.secondary.conftest import clock  # noqa: F401

PAGE, API = "/brokerage/risk/clients", "/api/v1/brokerage/risk/clients"


def iin(serial: int) -> str:
    body = f"8503123{serial:04d}"
    return body + str(check_digit(body))


@pytest.fixture
def alpha(kase, make_client, make_user):
    firm = kase["alpha"]
    risk_staff = make_user(Role.BROKER_RISK, login="alpha_risk", organisation=firm)
    office = make_user(Role.BROKER_OFFICE, login="alpha_office", organisation=firm)
    margin_services.add_rate(db.session, firm, margin_services.RateEntry(
        "standard", Venue.KASE, "KZTK", Decimal(25), Decimal(100), True), risk_staff, now())
    aset = make_client(firm, "aset", iin=iin(2))
    dana = make_client(firm, "dana", iin=iin(3))
    dana.margin_category = MarginCategory.SPECIAL_RISK
    bolat = make_client(firm, "bolat", iin=iin(4), shares=0)
    brokerage.post(db.session, aset, None, "KZT", Decimal(-750000), LedgerSource.DEAL, "T 1", office, now())
    brokerage.post(db.session, dana, None, "KZT", Decimal(-900000), LedgerSource.DEAL, "T 2", office, now())
    brokerage.record_deposit(db.session, bolat, Decimal(100), "USD", "PP 2", office, now())
    db.session.commit()
    return {"firm": firm, "risk": risk_staff, "office": office, "erzhan": kase["client"], "aset": aset,
            "dana": dana, "bolat": bolat}


@pytest.fixture
def log_in(client):
    def as_user(user):
        client.post("/logout")
        assert client.post("/login", data={"login": user.login, "password": TEST_PASSWORD}).status_code == 302
        client.post("/language", data={"lang": "en"})
        return client
    return as_user


def listed(http, query: str = "") -> list[str]:
    answer = http.get(f"{API}{query}")
    assert answer.status_code == 200, answer.text
    return [row["full_name"].removeprefix("Client ") for row in answer.json]


def test_the_list_puts_unavailable_first_then_npr2_ascending(alpha, log_in):
    http = log_in(alpha["risk"])
    assert listed(http) == ["bolat", "dana", "aset", "erzhan"]
    page = http.get(PAGE)
    assert page.status_code == 200
    text = unescape(page.text)
    order = [text.index(f"Client {name}") for name in ("bolat", "dana", "aset", "erzhan")]
    assert order == sorted(order)
    assert "no USD exchange rate" in text and "-250,000.00" in text and "762,500.00" in text
    assert f'href="{PAGE}/{alpha["dana"].id}"' in text
    assert 'href="/brokerage/risk/clients"' in text     # in the navigation


@pytest.mark.parametrize("query, names", [
    ("?standing=npr1", ["bolat", "dana", "aset"]),
    ("?standing=npr2", ["bolat", "dana"]),
    ("?category=special_risk", ["dana"]),
    ("?category=standard&standing=npr1", ["bolat", "aset"]),
    ("?q=aSe", ["aset"]),
    ("?q=850312300", ["bolat", "dana", "aset", "erzhan"]),
])
def test_the_filters(alpha, log_in, query, names):
    http = log_in(alpha["risk"])
    assert listed(http, query) == names
    text = unescape(http.get(PAGE + query).text)
    shown = [name for name in ("bolat", "dana", "aset", "erzhan") if f"Client {name}" in text]
    assert shown == names


def test_a_client_code_finds_its_client_and_a_bad_filter_shows_everyone(alpha, log_in):
    http = log_in(alpha["office"])
    code = alpha["dana"].client_code
    assert listed(http, f"?q={code}") == ["dana"]
    assert "Client erzhan" in http.get(f"{PAGE}?standing=nonsense").text
    assert http.get(f"{API}?standing=nonsense").status_code == 422


def test_the_drill_down_previews_the_minimal_close_out(alpha, log_in):
    """aset is 25,000 short of NPR1 ≥ 0; each KZTK sold gains 30,000 × 25 % = 7,500: 4 shares."""
    aset = alpha["aset"]
    plan = margin.close_out_plan(*(lambda r: (r.portfolio, r.rates))(client_risk(db.session, aset, now())))
    assert [(trade.instrument, trade.side, trade.quantity) for trade in plan] == [((Venue.KASE, "KZTK"), "sell", 4)]
    http = log_in(alpha["risk"])
    page = http.get(f"{PAGE}/{aset.id}")
    assert page.status_code == 200
    text = unescape(page.text)
    assert 'data-testid="close-out-order" data-code="KZTK" data-quantity="4"' in text
    assert "The minimal market orders, whole lots" in text and 'data-testid="close-out-execute"' in text
    # The back office reads the same page without the risk staff's actions.
    read_only = unescape(log_in(alpha["office"]).get(f"{PAGE}/{aset.id}").text)
    assert 'data-testid="close-out-order" data-code="KZTK"' in read_only and "close-out-execute" not in read_only
    http = log_in(alpha["risk"])
    assert "-25,000.00" in text and "12,500.00" in text
    body = http.get(f"{API}/{aset.id}").json
    assert body["close_out_plan"] == [{"venue": "kase", "code": "KZTK", "side": "sell", "quantity": 4, "lots": 4,
                                       "price": "30000.0000"}]
    healthy = unescape(http.get(f"{PAGE}/{alpha['erzhan'].id}").text)
    assert "Nothing to close" in healthy and 'data-testid="close-out-order"' not in healthy


def test_the_api_answers_the_fixed_shape(alpha, log_in):
    http = log_in(alpha["risk"])
    rows = {row["full_name"]: row for row in http.get(API).json}
    assert rows["Client aset"] == {
        "id": alpha["aset"].id, "full_name": "Client aset", "iin": iin(2), "client_code": alpha["aset"].client_code,
        "category": "standard", "unavailable": None, "missing_fx": None,
        "figures": {"S": "50000.00", "M0": "75000.00", "Mx": "37500.00", "NPR1": "-25000.00", "NPR2": "12500.00",
                    "standing": "npr1_negative"}}
    assert rows["Client dana"]["figures"]["standing"] == "npr2_negative"
    assert rows["Client bolat"]["figures"] is None and rows["Client bolat"]["missing_fx"] == "USD"
    assert "no USD exchange rate" in rows["Client bolat"]["unavailable"]
    detail = http.get(f"{API}/{alpha['dana'].id}").json
    assert detail["positions"] == [{"venue": "kase", "code": "KZTK", "quantity": "10", "price": "30000.0000",
                                    "value": "300000.00", "rate": "100.00", "margin": "300000.00", "stale": False}]
    assert detail["money"] == [{"currency": "KZT", "amount": "-400000.00", "fx_rate": "1.0000", "value": "-400000.00",
                                "rate": "0.00", "margin": "0.00"}]
    assert detail["close_out_plan"][0]["quantity"] == 10      # 400,000 short; all 10 cover 300,000
    unavailable = http.get(f"{API}/{alpha['bolat'].id}").json
    assert unavailable["figures"] is None and unavailable["positions"] == [] and unavailable["close_out_plan"] == []
    assert "no USD exchange rate" in unescape(http.get(f"{PAGE}/{alpha['bolat'].id}").text)
    spec = http.get("/api/v1/openapi.json").json
    assert {"RiskClientOut", "RiskClientDetailOut", "RiskCloseOutOut"} <= set(spec["components"]["schemas"])
    assert f"{API}/{{client_id}}" in spec["paths"]


def test_another_firms_staff_neither_see_nor_open_the_clients(alpha, kase, make_client, make_user, log_in):
    beta = kase["beta"]
    theirs = make_client(beta, "gulnara", iin=iin(5))
    stranger = make_user(Role.BROKER_RISK, login="beta_risk", organisation=beta)
    http = log_in(stranger)
    assert listed(http) == ["gulnara"]
    assert "Client aset" not in http.get(PAGE).text
    assert http.get(f"{PAGE}/{alpha['aset'].id}").status_code == 404
    assert http.get(f"{API}/{alpha['aset'].id}").status_code == 404
    assert http.get(f"{PAGE}/999999").status_code == 404
    mine = log_in(alpha["risk"])
    assert "gulnara" not in listed(mine)
    assert mine.get(f"{PAGE}/{theirs.id}").status_code == 404


def test_a_client_and_anonymous_visitors_are_refused(alpha, client, log_in, issue_token):
    assert client.get(PAGE).headers["Location"].startswith("/login")
    assert client.get(API).status_code == 401
    http = log_in(alpha["aset"].user)
    for url in (PAGE, f"{PAGE}/{alpha['aset'].id}", API, f"{API}/{alpha['aset'].id}"):
        assert http.get(url).status_code == 403, url
    client.post("/logout")
    headers = {"Authorization": f"Bearer {issue_token(alpha['aset'].user)}"}
    assert client.get(API, headers=headers).status_code == 403
    office = {"Authorization": f"Bearer {issue_token(alpha['office'])}"}
    assert client.get(API, headers=office).status_code == 200
