"""Client categories (issue 13, item 6; seed 003): special risk needs the client's request, a
professional-investor status or a passed test recorded by the broker, and a supplementary
agreement; granted, the special-risk rate table applies; the broker may downgrade. Pages and API.

Alpha's client `erzhan` holds 500,000 ₸ and 10 KZTK (reference price 30,000 ₸)."""
import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.roles import Role
from app.clock.services import now
from app.extensions import db
from app.margin import services as margin_services
from app.margin.categories import services
from app.margin.categories.models import CategoryRequest
from app.margin.risk import client_risk
from app.notices.models import CabinetNotice
from tests.conftest import TEST_PASSWORD
from tests.orders.conftest import (OTHER_IIN, as_client, kase, make_client, market_cast,  # noqa: F401
                                   sent_messages)
from tests.secondary.conftest import clock  # noqa: F401

QUALIFICATION = {"qualification": "test_passed", "qualified_on": "2027-03-01", "qualification_document": "Test 17/3"}
AGREEMENT = {"agreement_number": "DS-42", "agreement_date": "2027-03-05"}


@pytest.fixture
def alpha_risk(kase, make_user):
    return make_user(Role.BROKER_RISK, login="alpha_risk", organisation=kase["alpha"])


@pytest.fixture
def alpha_office(kase, make_user):
    return make_user(Role.BROKER_OFFICE, login="alpha_office", organisation=kase["alpha"])


@pytest.fixture
def requested(kase, as_client):
    """erzhan has asked from its cabinet."""
    assert as_client().post("/cabinet/risk/category", data={"confirm": "y"}).status_code == 302
    return db.session.scalar(select(CategoryRequest))


@pytest.fixture
def risk(staff, alpha_risk):
    return staff(alpha_risk)


def url(request: CategoryRequest, step: str = "") -> str:
    return f"/brokerage/risk/categories/{request.id}" + (f"/{step}" if step else "")


def reloaded(request: CategoryRequest) -> CategoryRequest:
    db.session.expire_all()
    return db.session.get(CategoryRequest, request.id)


def granted(risk, request: CategoryRequest):
    risk.post(url(request, "qualification"), data=QUALIFICATION)
    risk.post(url(request, "agreement"), data=AGREEMENT)
    return risk.post(url(request, "grant"))


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("margin_category.%"))
                                   .order_by(AuditEvent.id)))


# --- the client's request ------------------------------------------------------------------------

def test_the_client_asks_once_and_reads_the_status(kase, as_client):
    http = as_client()
    page = http.get("/cabinet/risk/category")
    assert page.status_code == 200 and 'data-testid="category-form"' in page.text and "Standard" in page.text
    unconfirmed = http.post("/cabinet/risk/category", data={})
    assert unconfirmed.status_code == 422 and "Tick the box to confirm the request." in unconfirmed.text
    assert http.post("/cabinet/risk/category", data={"confirm": "y"}).status_code == 302
    page = http.get("/cabinet/risk/category")
    assert "With the broker" in page.text and 'data-testid="category-form"' not in page.text
    again = http.post("/cabinet/risk/category", data={"confirm": "y"})
    assert again.status_code == 422 and "Your request is already with your broker." in again.text
    assert db.session.scalar(select(func.count(CategoryRequest.id))) == 1
    assert actions() == ["margin_category.requested"]
    assert 'data-testid="category-link"' in http.get("/cabinet/risk").text


def test_the_request_and_its_status_in_the_api(kase, as_client):
    http = as_client()
    assert http.get("/api/v1/cabinet/risk/category-request").json == {"category": "standard", "request": None}
    refused = http.post("/api/v1/cabinet/risk/category-request", json={"confirm": False})
    assert refused.status_code == 422 and "confirm" in refused.json["details"]["json"]
    made = http.post("/api/v1/cabinet/risk/category-request", json={"confirm": True})
    assert made.status_code == 201 and made.json["status"] == "pending"
    assert not made.json["qualification_recorded"] and not made.json["agreement_recorded"]
    again = http.post("/api/v1/cabinet/risk/category-request", json={"confirm": True})
    assert again.status_code == 422 and again.json["code"] == "request_pending"
    status = http.get("/api/v1/cabinet/risk/category-request").json
    assert status["category"] == "standard" and status["request"]["id"] == made.json["id"]


# --- the three conditions ------------------------------------------------------------------------

def test_a_grant_is_refused_until_both_records_are_made(requested, risk):
    queue = risk.get("/brokerage/risk/categories/")
    assert queue.status_code == 200 and "Client erzhan" in queue.text
    assert queue.text.count('data-testid="category-request-row"') == 1
    early = risk.post(url(requested, "grant"))
    assert early.status_code == 422
    text = unescape(early.text)
    assert "The category cannot be granted yet. Record first:" in text
    assert "the professional-investor status or a passed test" in text and "the supplementary agreement" in text
    assert risk.post(url(requested, "qualification"), data=QUALIFICATION).status_code == 302
    halfway = unescape(risk.post(url(requested, "grant")).text)
    assert "Record first: the supplementary agreement (its number and date)." in halfway
    assert "passed test (which" not in halfway.split("Record first:")[1]
    assert risk.post(url(requested, "agreement"), data=AGREEMENT).status_code == 302
    assert risk.post(url(requested, "grant")).status_code == 302
    request = reloaded(requested)
    assert request.status == "granted" and request.client.margin_category == "special_risk"
    assert (request.qualification, request.qualified_on, request.qualification_document) == (
        "test_passed", date(2027, 3, 1), "Test 17/3")
    assert (request.agreement_number, request.agreement_date) == ("DS-42", date(2027, 3, 5))
    assert actions() == ["margin_category.requested", "margin_category.qualification_recorded",
                         "margin_category.agreement_recorded", "margin_category.granted"]
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "client.margin_category_changed"))
    assert "Client erzhan" in risk.get("/brokerage/risk/categories/").text      # now among special-risk clients


@pytest.mark.parametrize("form, step, field, words", [
    ({**QUALIFICATION, "qualified_on": "2027-03-11"}, "qualification", "qualified_on", "today or earlier"),
    ({**QUALIFICATION, "qualification_document": ""}, "qualification", "qualification_document", "required"),
    ({**QUALIFICATION, "qualification": "rich"}, "qualification", "qualification", "Not a valid choice"),
    ({**AGREEMENT, "agreement_date": "2026-10-01"}, "agreement", "agreement_date",
     "cannot be older than the brokerage agreement of 02.11.2026"),
])
def test_a_refused_record_names_its_field(requested, risk, form, step, field, words):
    answer = risk.post(url(requested, step), data=form)
    assert answer.status_code == 422 and words in unescape(answer.text)
    assert re.search(rf'class="field has-error">\s*<label for="{field}"', answer.text)
    request = reloaded(requested)
    assert request.qualification is None and request.agreement_number is None


def test_the_special_risk_table_applies_after_the_grant(requested, risk, alpha_risk, kase):
    """KZTK long 50 % for standard clients, 25 % for special risk: M0 of 10 KZTK halves."""
    for category, rate in (("standard", 50), ("special_risk", 25)):
        margin_services.add_rate(db.session, kase["alpha"], margin_services.RateEntry(
            category, "kase", "KZTK", Decimal(rate), Decimal(100), True), alpha_risk, now())
    db.session.commit()
    client = kase["client"]
    assert client_risk(db.session, client, now()).figures.m0 == Decimal(150_000)
    assert granted(risk, requested).status_code == 302
    db.session.expire_all()
    assert client_risk(db.session, client, now()).figures.m0 == Decimal(75_000)


# --- refusal, downgrade and the notices ----------------------------------------------------------

def test_a_refusal_tells_the_client_its_reason_and_it_may_ask_again(requested, risk, as_client):
    assert risk.post(url(requested, "refuse"), data={"reason": ""}).status_code == 422
    assert risk.post(url(requested, "refuse"), data={"reason": "No test on file"}).status_code == 302
    assert reloaded(requested).status == "refused"
    assert risk.post(url(requested, "grant")).status_code == 409          # decided already
    http = as_client()
    page = http.get("/cabinet/risk/category")
    assert "Refused" in page.text and "No test on file" in page.text and 'data-testid="category-form"' in page.text
    notice = db.session.scalar(select(CabinetNotice).where(CabinetNotice.kind == "category_refused"))
    assert notice.user_id == requested.client.user_id and notice.params == {"reason": "No test on file"}
    assert http.post("/cabinet/risk/category", data={"confirm": "y"}).status_code == 302


def test_the_grant_and_the_downgrade_are_told_in_the_clients_language(requested, risk, kase):
    kase["client"].user.locale = "ru"
    db.session.commit()
    granted(risk, requested)
    client_id = kase["client"].id
    assert risk.post(f"/brokerage/risk/categories/clients/{client_id}/downgrade", data={"reason": ""}).status_code == 422
    answer = risk.post(f"/brokerage/risk/categories/clients/{client_id}/downgrade",
                       data={"reason": "Test expired"})
    assert answer.status_code == 302
    request = reloaded(requested)
    assert request.client.margin_category == "standard" and request.status == "downgraded"
    assert request.downgrade_reason == "Test expired"
    kinds = list(db.session.scalars(select(CabinetNotice.kind).order_by(CabinetNotice.id)))
    assert kinds == ["category_granted", "category_downgraded"]
    bodies = [message.body for message in sent_messages() if message.purpose == "notice"]
    assert "особого риска" in bodies[0] and "Test expired" in bodies[1] and "стандартную" in bodies[1]
    again = risk.post(f"/brokerage/risk/categories/clients/{client_id}/downgrade", data={"reason": "Twice"})
    assert again.status_code == 422 and "not in the special-risk category" in again.text


def test_the_staff_steps_in_the_api(requested, risk):
    base = f"/api/v1/brokerage/risk/categories/{requested.id}"
    [row] = risk.get("/api/v1/brokerage/risk/categories").json
    assert row["id"] == requested.id and row["client_name"] == "Client erzhan" and len(row["missing"]) == 2
    early = risk.post(base + "/grant")
    assert early.status_code == 422 and early.json["code"] == "conditions_missing"
    bad = risk.post(base + "/agreement", json={"agreement_number": "DS-1", "agreement_date": "2026-01-01"})
    assert bad.status_code == 422 and bad.json["code"] == "before_agreement"
    assert "agreement_date" in bad.json["details"]["json"]
    assert risk.post(base + "/qualification", json=QUALIFICATION).status_code == 200
    assert risk.post(base + "/agreement", json=AGREEMENT).json["missing"] == []
    done = risk.post(base + "/grant")
    assert done.status_code == 200 and done.json["status"] == "granted" and done.json["client_category"] == "special_risk"
    assert risk.post(base + "/refuse", json={"reason": "late"}).json["code"] == "wrong_status"
    assert [row["id"] for row in risk.get("/api/v1/brokerage/risk/categories?status=granted").json] == [requested.id]
    downgrade = f"/api/v1/brokerage/risk/categories/clients/{requested.client_id}/downgrade"
    assert risk.post(downgrade, json={"reason": "Review"}).json == {"client_id": requested.client_id,
                                                                    "category": "standard"}
    assert risk.post(downgrade, json={"reason": "Review"}).json["code"] == "not_special_risk"


# --- access --------------------------------------------------------------------------------------

def test_another_firms_risk_staff_reach_nothing(requested, staff, make_user, kase):
    stranger = staff(make_user(Role.BROKER_RISK, login="beta_risk", organisation=kase["beta"]))
    assert 'data-testid="category-request-row"' not in stranger.get("/brokerage/risk/categories/").text
    assert stranger.get(url(requested)).status_code == 404
    assert stranger.post(url(requested, "qualification"), data=QUALIFICATION).status_code == 404
    assert stranger.post(url(requested, "grant")).status_code == 404
    assert stranger.post(f"/brokerage/risk/categories/clients/{requested.client_id}/downgrade",
                         data={"reason": "x"}).status_code == 404
    assert stranger.get("/api/v1/brokerage/risk/categories").json == []
    assert stranger.get(f"/api/v1/brokerage/risk/categories/{requested.id}").status_code == 404
    assert stranger.post(f"/api/v1/brokerage/risk/categories/{requested.id}/grant").status_code == 404
    assert reloaded(requested).qualification is None


def test_the_back_office_reads_but_does_not_decide(requested, staff, alpha_office):
    office = staff(alpha_office)
    page = office.get(url(requested))
    assert page.status_code == 200 and 'data-testid="request-forms"' not in page.text
    assert office.get("/brokerage/risk/categories/").status_code == 200
    assert office.post(url(requested, "grant")).status_code == 403
    assert office.post(f"/api/v1/brokerage/risk/categories/{requested.id}/refuse",
                       json={"reason": "x"}).status_code == 403
    assert len(office.get("/api/v1/brokerage/risk/categories").json) == 1


def test_another_client_sees_only_its_own_and_reaches_no_staff_page(requested, kase, make_client, as_client):
    other = make_client(kase["alpha"], "aigul", iin=OTHER_IIN)
    http = as_client(other)
    page = http.get("/cabinet/risk/category")
    assert 'data-testid="category-request"' not in page.text and 'data-testid="category-form"' in page.text
    assert http.get("/api/v1/cabinet/risk/category-request").json["request"] is None
    assert http.get(url(requested)).status_code == 403
    assert http.post(url(requested, "grant")).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(requested, client):
    client.post("/logout")
    assert client.get("/cabinet/risk/category").headers["Location"].startswith("/login")
    assert client.get("/brokerage/risk/categories/").headers["Location"].startswith("/login")
    assert client.get("/api/v1/cabinet/risk/category-request").status_code == 401
    assert client.post(f"/api/v1/brokerage/risk/categories/{requested.id}/grant").status_code == 401


@pytest.fixture
def guarded(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def logged_in(app, login: str):
    browser = app.test_client()
    token = csrf_token(browser.get("/login").text)
    assert browser.post("/login", data={"login": login, "password": TEST_PASSWORD,
                                        "csrf_token": token}).status_code == 302
    return browser


def test_every_form_needs_its_csrf_token(guarded, kase, alpha_risk):
    client = logged_in(guarded, kase["client"].user.login)
    assert client.post("/cabinet/risk/category", data={"confirm": "y"}).status_code == 400
    assert client.post("/api/v1/cabinet/risk/category-request", json={"confirm": True}).status_code == 400
    token = csrf_token(client.get("/cabinet/risk/category").text)
    assert client.post("/cabinet/risk/category", data={"confirm": "y", "csrf_token": token}).status_code == 302
    request = db.session.scalar(select(CategoryRequest))
    staff = logged_in(guarded, alpha_risk.login)
    assert staff.post(url(request, "qualification"), data=QUALIFICATION).status_code == 400
    assert staff.post(url(request, "grant")).status_code == 400
    token = csrf_token(staff.get(url(request)).text)
    assert staff.post(url(request, "qualification"), data={**QUALIFICATION, "csrf_token": token}).status_code == 302
    assert reloaded(request).qualification == "test_passed"


def test_the_services_refuse_a_second_open_request(kase):
    client = kase["client"]
    services.request_special_risk(db.session, client, client.user, now())
    with pytest.raises(services.CategoryError) as refused:
        services.request_special_risk(db.session, client, client.user, now())
    assert refused.value.code == "request_pending"
