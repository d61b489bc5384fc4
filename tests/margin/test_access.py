"""Issue 13: the risk pages are the firm's own — another firm's risk staff neither see nor change
them, a client reaches none of them, the back office reads but does not change — and every form
carries its CSRF token."""
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.auth.roles import OrganisationKind, Role
from app.clock.services import wall_now as now
from app.extensions import db
from app.margin import reads, services
from app.margin.models import DiscountRate, FxRate, RateKey
from tests.conftest import TEST_PASSWORD

PAGES = ("/brokerage/risk/rates", "/brokerage/risk/rates?category=special_risk", "/brokerage/risk/fx",
         "/brokerage/risk/rates/standard/kase/KZTK", "/brokerage/risk/fx/USD")
APIS = ("/api/v1/brokerage/risk/rates", "/api/v1/brokerage/risk/fx")
RATE = {"category": "standard", "venue": "kase", "code": "KZTK", "long_rate": "30", "short_rate": "35",
        "marginal": "y"}


@pytest.fixture
def entered(risk_user, firm):
    services.add_rate(db.session, firm, services.RateEntry("standard", "kase", "KZTK", Decimal(30), Decimal(35),
                                                           True), risk_user, now())
    services.add_fx_rate(db.session, firm, services.FxEntry("USD", Decimal(470)), risk_user, now())
    db.session.commit()


@pytest.fixture
def stranger(make_org, make_user):
    """The risk staff of another member firm."""
    other_firm = make_org(name="ТОО «Шымкент Трейд»")
    return make_user(Role.BROKER_RISK, login="shymkent_risk", organisation=other_firm)


def test_another_firms_risk_staff_neither_see_nor_change_the_rates(staff, stranger, entered, firm):
    other = staff(stranger)
    rates = other.get("/brokerage/risk/rates")
    assert rates.status_code == 200 and "KZTK" not in rates.text and 'data-testid="rate-row"' not in rates.text
    assert 'data-testid="fx-row"' not in other.get("/brokerage/risk/fx").text
    assert other.get("/brokerage/risk/rates/standard/kase/KZTK").status_code == 404
    assert other.get("/brokerage/risk/fx/USD").status_code == 404
    assert other.get("/api/v1/brokerage/risk/rates").get_json() == []
    assert other.get("/api/v1/brokerage/risk/fx").get_json() == []
    # What it enters is its own firm's: the first firm's table does not move.
    assert other.post("/brokerage/risk/rates", data={**RATE, "long_rate": "90", "short_rate": "90"}).status_code == 302
    mine = reads.rates_in_force(db.session, firm.id, "standard", now())[RateKey("kase", "KZTK")]
    assert mine.long_rate == Decimal("30.00")
    theirs = select(func.count(DiscountRate.id)).where(DiscountRate.firm_id == stranger.organisation_id)
    assert db.session.scalar(theirs) == 1


def test_the_back_office_reads_but_does_not_change(staff, office_user, entered):
    office = staff(office_user)
    for url in PAGES[:3]:
        page = office.get(url)
        assert page.status_code == 200 and 'data-testid="rate-form"' not in page.text
        assert 'data-testid="fx-form"' not in page.text
    assert office.get("/brokerage/risk/rates/standard/kase/KZTK").status_code == 200
    assert office.get("/brokerage/risk/fx/USD").status_code == 200
    assert [row["code"] for row in office.get(APIS[0]).get_json()] == ["KZTK"]
    assert office.post("/brokerage/risk/rates", data=RATE).status_code == 403
    assert office.post("/brokerage/risk/fx", data={"currency": "USD", "rate": "1"}).status_code == 403
    assert office.post(APIS[0], json={**RATE, "marginal": True, "long_rate": "30.00",
                                      "short_rate": "35.00"}).status_code == 403
    assert office.post(APIS[1], json={"currency": "USD", "rate": "1.0000"}).status_code == 403
    assert db.session.scalar(select(func.count(DiscountRate.id))) == 1
    assert db.session.scalar(select(func.count(FxRate.id))) == 1


@pytest.mark.parametrize("role", [Role.CLIENT, Role.PARTICIPANT, Role.EXCHANGE_STAFF])
def test_other_roles_reach_none_of_it(client, make_user, make_org, firm, entered, role):
    # The firm's own client and dealer, and the exchange's staff.
    organisation = {Role.CLIENT: lambda: make_org(OrganisationKind.CLIENT, parent=firm),
                    Role.PARTICIPANT: lambda: firm}.get(role, lambda: None)()
    user = make_user(role, organisation=organisation)
    client.post("/login", data={"login": user.login, "password": TEST_PASSWORD})
    for url in (*PAGES, *APIS):
        assert client.get(url).status_code == 403, url
    assert client.post("/brokerage/risk/rates", data=RATE).status_code == 403
    assert client.post(APIS[1], json={"currency": "USD", "rate": "1.0000"}).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(client):
    assert client.get("/brokerage/risk/rates").headers["Location"].startswith("/login")
    assert client.get(APIS[0]).status_code == 401


@pytest.fixture
def guarded(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_every_form_needs_its_csrf_token(guarded, risk_user):
    browser = guarded.test_client()
    login = browser.get("/login")
    assert browser.post("/login", data={"login": risk_user.login, "password": TEST_PASSWORD,
                                        "csrf_token": csrf_token(login.text)}).status_code == 302
    page = browser.get("/brokerage/risk/rates")
    token = csrf_token(page.text)
    assert browser.post("/brokerage/risk/rates", data=RATE).status_code == 400
    assert browser.post("/brokerage/risk/fx", data={"currency": "USD", "rate": "470"}).status_code == 400
    assert browser.post(APIS[1], json={"currency": "USD", "rate": "470.0000"}).status_code == 400
    assert db.session.scalar(select(func.count(DiscountRate.id))) == 0
    assert browser.post("/brokerage/risk/rates", data={**RATE, "csrf_token": token}).status_code == 302
    assert browser.post("/brokerage/risk/fx", data={"currency": "USD", "rate": "470",
                                                    "csrf_token": csrf_token(browser.get("/brokerage/risk/fx").text)}
                        ).status_code == 302
    assert browser.post(APIS[1], json={"currency": "EUR", "rate": "510.0000"},
                        headers={"X-CSRFToken": token}).status_code == 201
