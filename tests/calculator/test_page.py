"""The calculator page: public, computes the SPEC §7 examples, puts every error on its field."""
import re

import pytest

from app.auth.roles import Role

URL = "/calculator/"
BILL = {"kind": "discount", "face_value": "1000", "settlement_date": "2027-11-15",
        "maturity_date": "2028-05-15", "quantity": "10"}
BOND = {"kind": "coupon", "face_value": "1 000,00", "settlement_date": "2027-03-10",
        "maturity_date": "2029-09-01", "coupon_rate": "12", "coupon_frequency": "1",
        "coupon_dates": "01.09.2026\n2027-09-01, 2028-09-01\n2029-09-01", "quantity": "10"}


@pytest.fixture
def visitor(client):
    client.post("/language", data={"lang": "en"})
    return client


def shown(page, name: str) -> str:
    return re.search(rf'data-testid="result-{name}">([^<]+)<', page.text).group(1)


def field_errors(page) -> dict[str, list[str]]:
    """Each field in error and its messages, read from the rendered form."""
    errors = {}
    for block in re.findall(r'<div class="field has-error">(.*?)\n</div>', page.text, re.S):
        name = re.search(r'name="([^"]+)"', block).group(1)
        errors[name] = re.findall(r'<div class="field-error">([^<]+)</div>', block)
    return errors


def test_the_empty_form_is_public(visitor):
    page = visitor.get(URL)
    assert page.status_code == 200
    assert 'data-testid="calculator-form"' in page.text and 'name="csrf_token"' in page.text
    assert 'value="1000"' in page.text  # the usual face value of a GKO
    assert "Fill in the form" in page.text


@pytest.mark.parametrize("form, price, yield_pct, accrued, amount", [
    ({**BILL, "yield_pct": "15"}, "93.0542", "15.0000", "0.0000", "9,305.42"),
    ({**BILL, "price": "93,0542"}, "93.0542", "14.9999", "0.0000", "9,305.42"),
    ({**BOND, "yield_pct": "14.0000"}, "95.8472", "14.0000", "6.3000", "10,214.72"),
    ({**BOND, "price": "95.8472"}, "95.8472", "14.0000", "6.3000", "10,214.72"),
])
def test_spec_examples(visitor, form, price, yield_pct, accrued, amount):
    page = visitor.post(URL, data=form)
    assert page.status_code == 200, field_errors(page)
    assert (shown(page, "price"), shown(page, "yield"), shown(page, "accrued")) == (price, yield_pct, accrued)
    assert shown(page, "amount").startswith(amount)


def test_without_coupon_dates_a_regular_schedule_is_used_and_shown(visitor):
    page = visitor.post(URL, data={**BOND, "coupon_dates": "", "yield_pct": "14"})
    assert page.status_code == 200
    assert shown(page, "price") == "95.8472"
    assert "counted back from maturity" in page.text
    assert "2027-09-01\n2028-09-01\n2029-09-01</textarea>" in page.text


def test_a_logged_in_user_uses_it_too_and_finds_it_in_the_menu(client, login_as):
    login_as(Role.PARTICIPANT)
    client.post("/language", data={"lang": "en"})
    page = client.post(URL, data={**BOND, "yield_pct": "14"})
    assert page.status_code == 200 and shown(page, "price") == "95.8472"
    assert 'href="/calculator/"' in page.text


@pytest.mark.parametrize("form, field, message", [
    ({**BILL, "face_value": "abc", "yield_pct": "15"}, "face_value", "Not a number with at most 2 decimals"),
    ({**BILL, "face_value": "0", "yield_pct": "15"}, "face_value", "The face value must be above zero."),
    ({**BILL, "face_value": "", "yield_pct": "15"}, "face_value", "Enter the face value."),
    ({**BILL, "settlement_date": "", "yield_pct": "15"}, "settlement_date", "Enter the settlement date."),
    ({**BILL, "settlement_date": "2028-05-15", "yield_pct": "15"}, "settlement_date",
     "The settlement date must be before the maturity date."),
    ({**BILL, "price": "93.05421"}, "price", "Not a number with at most 4 decimals"),
    ({**BILL, "price": "-1"}, "price", "Not a number with at most 4 decimals"),
    ({**BILL, "price": "0"}, "price", "The price must be above zero."),
    ({**BILL, "yield_pct": "10000.5"}, "yield_pct", "The yield is too high"),
    ({**BILL, "yield_pct": "15", "quantity": "0"}, "quantity", "Enter at least 1."),
    ({**BILL, "yield_pct": "15", "coupon_rate": "12"}, "coupon_rate", "A discount bill has no coupon"),
    ({**BOND, "yield_pct": "14", "coupon_rate": ""}, "coupon_rate", "Required for a coupon bond."),
    ({**BOND, "yield_pct": "14", "coupon_frequency": ""}, "coupon_frequency", "Required for a coupon bond."),
    ({**BOND, "yield_pct": "14", "coupon_dates": "2027-09-01\n31.02.2028"}, "coupon_dates",
     "“31.02.2028” is not a date"),
    ({**BOND, "yield_pct": "14", "coupon_dates": "2027-09-01\n2028-09-01"}, "coupon_dates",
     "The last coupon date must be the maturity date."),
    ({**BOND, "yield_pct": "14", "coupon_dates": "2028-09-01\n2027-09-01\n2029-09-01"}, "coupon_dates",
     "List the coupon dates in increasing order"),
    ({**BOND, "yield_pct": "14", "coupon_rate": "101"}, "coupon_rate", "The coupon rate must be above 0"),
])
def test_errors_are_shown_on_their_field(visitor, form, field, message):
    page = visitor.post(URL, data=form)
    assert page.status_code == 422
    errors = field_errors(page)
    assert list(errors) == [field]
    assert errors[field][0].replace("&#34;", '"').startswith(message)
    assert 'data-testid="result-price"' not in page.text


@pytest.mark.parametrize("extra, message", [
    ({"price": "95", "yield_pct": "14"}, "Fill in either the price or the yield, not both."),
    ({}, "Fill in the price or the yield."),
])
def test_exactly_one_of_price_and_yield(visitor, extra, message):
    page = visitor.post(URL, data={**BOND, **extra})
    assert page.status_code == 422
    assert field_errors(page) == {"price": [message], "yield_pct": [message]}


def test_the_typed_input_is_kept_after_an_error(visitor):
    page = visitor.post(URL, data={**BOND, "price": "95,84x"})
    assert 'value="95,84x"' in page.text
    assert "01.09.2026" in page.text or "2026-09-01" in page.text
    assert 'value="1 000,00"' in page.text
