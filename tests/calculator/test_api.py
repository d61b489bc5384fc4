"""POST /api/v1/calculator: public, the SPEC §7 examples, and every bad field named."""
import re

import pytest

from app.auth import services
from app.auth.roles import Role
from app.clock.services import wall_now
from app.extensions import db
from tests.api.conftest import bearer
from tests.conftest import TEST_PASSWORD

URL = "/api/v1/calculator"
BILL = {"kind": "discount", "face_value": "1000", "maturity_date": "2028-05-15",
        "settlement_date": "2027-11-15", "quantity": 10}
BOND = {"kind": "coupon", "face_value": "1000.00", "maturity_date": "2029-09-01",
        "settlement_date": "2027-03-10", "coupon_rate": "12", "coupon_frequency": 1,
        "coupon_dates": ["2026-09-01", "2027-09-01", "2028-09-01", "2029-09-01"], "quantity": 10}


@pytest.fixture
def anonymous(app):
    client = app.test_client()
    client.post("/language", data={"lang": "en"})
    return client


def errors_of(response) -> dict:
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["code"] == "validation_error" and body["message"]
    return body["details"]["json"]


@pytest.mark.parametrize("terms, expected", [
    ({**BILL, "yield": "15.0000"},
     {"price": "93.0542", "yield": "15.0000", "accrued_interest": "0.0000", "amount": "9305.42"}),
    ({**BILL, "price": "93.0542"},
     {"price": "93.0542", "yield": "14.9999", "accrued_interest": "0.0000", "amount": "9305.42"}),
    ({**BOND, "yield": "14"},
     {"price": "95.8472", "yield": "14.0000", "accrued_interest": "6.3000", "amount": "10214.72"}),
    ({**BOND, "price": "95.8472"},
     {"price": "95.8472", "yield": "14.0000", "accrued_interest": "6.3000", "amount": "10214.72"}),
    ({**BOND, "yield": "-0.5", "quantity": 1},  # 12 × 0.995^−(171/360) + 12 × 0.995^−(1+171/360) + 112 × …
     {"price": "131.2158", "yield": "-0.5000", "accrued_interest": "6.3000", "amount": "1375.16"}),
])
def test_spec_examples_anonymously(anonymous, terms, expected):
    response = anonymous.post(URL, json=terms)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == expected


def test_null_coupon_fields_are_accepted_for_a_bill(anonymous):
    terms = {**BILL, "yield": "15", "coupon_rate": None, "coupon_frequency": None, "coupon_dates": []}
    assert anonymous.post(URL, json=terms).get_json()["price"] == "93.0542"


def test_anonymous_call_needs_no_csrf_token_but_a_session_call_still_does(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        assert client.post(URL, json={**BILL, "yield": "15"}).status_code == 200
        user = make_user(Role.PARTICIPANT)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text).group(1)
        login = {"login": user.login, "password": TEST_PASSWORD, "csrf_token": token}
        assert client.post("/login", data=login).status_code == 302
        response = client.post(URL, json={**BILL, "yield": "15"})
        assert response.status_code == 400 and response.get_json()["code"] == "csrf_failed"
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/calculator/").text).group(1)
        assert client.post(URL, json={**BILL, "yield": "15"}, headers={"X-CSRFToken": token}).status_code == 200


def test_a_token_holder_may_call_it(app, make_user):
    _row, raw = services.create_api_token(db.session, make_user(Role.PRIMARY_DEALER), "back office", wall_now(), None)
    db.session.commit()
    response = app.test_client().post(URL, json={**BOND, "price": "95.8472"}, headers=bearer(raw))
    assert response.status_code == 200 and response.get_json()["yield"] == "14.0000"


@pytest.mark.parametrize("changes, field", [
    ({"kind": "perpetual"}, "kind"),
    ({"face_value": 1000}, "face_value"),  # a JSON number
    ({"face_value": "1000.005"}, "face_value"),
    ({"face_value": "0"}, "face_value"),
    ({"maturity_date": "15.05.2028"}, "maturity_date"),
    ({"settlement_date": "2028-05-15"}, "settlement_date"),  # on maturity
    ({"settlement_date": "2029-01-01"}, "settlement_date"),
    ({"price": "93.05421"}, "price"),
    ({"price": "0"}, "price"),
    ({"yield": "abc"}, "yield"),
    ({"yield": "10000.0001"}, "yield"),
    ({"quantity": 0}, "quantity"),
    ({"quantity": "10"}, "quantity"),
    ({"coupon_rate": "12"}, "coupon_rate"),
    ({"coupon_dates": ["2028-05-15"]}, "coupon_dates"),
])
def test_bill_refusals_name_the_field(anonymous, changes, field):
    terms = {**BILL, "yield": "15", **changes}
    if "price" in changes:
        del terms["yield"]
    assert list(errors_of(anonymous.post(URL, json=terms))) == [field]


@pytest.mark.parametrize("changes, fields", [
    ({"coupon_rate": None}, ["coupon_rate"]),
    ({"coupon_frequency": 3}, ["coupon_frequency"]),
    ({"coupon_dates": []}, ["coupon_dates"]),
    ({"coupon_rate": None, "coupon_frequency": None}, ["coupon_frequency", "coupon_rate"]),
    ({"coupon_dates": ["2027-09-01", "2026-09-01", "2028-09-01", "2029-09-01"]}, ["coupon_dates"]),
    ({"coupon_dates": ["2027-09-01", "2028-09-01"]}, ["coupon_dates"]),
    ({"coupon_dates": ["2027-09-01", "not a date", "2029-09-01"]}, ["coupon_dates"]),
    ({"coupon_rate": "0"}, ["coupon_rate"]),
    ({"settlement_date": "2025-08-31"}, ["settlement_date"]),  # before the first period starts
    ({"price": "1000000"}, ["price"]),
])
def test_bond_refusals_name_the_field(anonymous, changes, fields):
    terms = {**BOND, "yield": "14", **changes}
    if "price" in changes:
        del terms["yield"]
    assert sorted(errors_of(anonymous.post(URL, json=terms))) == fields


@pytest.mark.parametrize("extra", [{"price": "95", "yield": "14"}, {}])
def test_exactly_one_of_price_and_yield(anonymous, extra):
    details = errors_of(anonymous.post(URL, json={**BOND, **extra}))
    assert sorted(details) == ["price", "yield"]
    assert "price or the yield" in details["price"][0]


def test_messages_say_what_is_wrong(anonymous):
    details = errors_of(anonymous.post(URL, json={**BOND, "yield": "14", "coupon_dates": ["2027-09-01", "2028-09-01"]}))
    assert details["coupon_dates"] == ["The last coupon date must be the maturity date."]
    details = errors_of(anonymous.post(URL, json={**BILL, "yield": "15", "settlement_date": "2028-06-01"}))
    assert details["settlement_date"] == ["The settlement date must be before the maturity date."]
    details = errors_of(anonymous.post(URL, json={**BILL, "price": "50", "settlement_date": "2028-05-14"}))
    assert details["price"] == ["The price is too low: the yield would be above 10000 %."]


def test_documented_in_the_openapi_spec(anonymous):
    operation = anonymous.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/calculator"]["post"]
    assert operation["security"] == []
    schema_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert schema_ref.endswith("/CalculatorIn")
    assert "422" in operation["responses"]
    spec = anonymous.get("/api/v1/openapi.json").get_json()
    properties = spec["components"]["schemas"]["CalculatorIn"]["properties"]
    assert {"kind", "face_value", "yield", "price", "coupon_dates", "quantity"} <= set(properties)
    assert "string" in properties["price"]["type"]
    assert set(spec["components"]["schemas"]["CalculatorOut"]["properties"]) == {
        "price", "yield", "accrued_interest", "amount"}
