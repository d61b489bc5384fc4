"""Money as decimal strings: parsed only from strings, refused (never rounded) when malformed,
written back as strings, and documented as such in the spec."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from apiflask import APIBlueprint, Schema
from apiflask.fields import Integer
from flask_login import current_user
from marshmallow import ValidationError

from app.api.fields import AwareDateTime, DecimalString
from app.auth.access import any_role
from app.auth.roles import Role
from tests.api.conftest import bearer


class OrderIn(Schema):
    price = DecimalString(places=4, required=True)
    amount = DecimalString(places=2, required=True)
    quantity = Integer(required=True)


def probe_app(make_app):
    """An app with one extra endpoint that takes and echoes money, as a feature's API would."""
    app = make_app()
    probe = APIBlueprint("probe_api", __name__, url_prefix="/api/v1/probe")

    @probe.post("/orders")
    @probe.input(OrderIn, arg_name="order")
    @probe.output(OrderIn, status_code=201)
    @any_role
    def echo(order):
        assert isinstance(order["price"], Decimal) and current_user.is_authenticated
        return order

    app.register_blueprint(probe)
    return app


@pytest.fixture
def probe(make_app, make_user, issue_token):
    app = probe_app(make_app)
    with app.app_context():
        user = make_user(Role.PARTICIPANT)
        user.locale = "en"
        raw = issue_token(user)
    client = app.test_client()
    return lambda body: client.post("/api/v1/probe/orders", json=body, headers=bearer(raw))


def test_decimal_strings_round_trip(probe):
    response = probe({"price": "99.87", "amount": "1000000", "quantity": 5})
    assert response.status_code == 201
    assert response.json == {"price": "99.8700", "amount": "1000000.00", "quantity": 5}


@pytest.mark.parametrize("price, message", [
    (99.87, 'Send this amount as a decimal string in quotes, e.g. "1000000.0000", not as a number.'),
    (100, 'Send this amount as a decimal string in quotes, e.g. "1000000.0000", not as a number.'),
    (True, 'Send this amount as a decimal string in quotes, e.g. "1000000.0000", not as a number.'),
    ("99.87654", 'Not a valid amount: use digits and a dot with at most 4 decimal places, e.g. "1000000.0000".'),
    ("1e5", 'Not a valid amount: use digits and a dot with at most 4 decimal places, e.g. "1000000.0000".'),
    ("NaN", 'Not a valid amount: use digits and a dot with at most 4 decimal places, e.g. "1000000.0000".'),
    ("-1", 'Not a valid amount: use digits and a dot with at most 4 decimal places, e.g. "1000000.0000".'),
    ("1,5", 'Not a valid amount: use digits and a dot with at most 4 decimal places, e.g. "1000000.0000".'),
    (" 1.5", 'Not a valid amount: use digits and a dot with at most 4 decimal places, e.g. "1000000.0000".'),
    (None, "This field may not be null."),
])
def test_malformed_money_is_refused_naming_the_field(probe, price, message):
    response = probe({"price": price, "amount": "1.00", "quantity": 1})
    assert response.status_code == 422
    assert response.json == {"code": "validation_error", "message": "Some fields are not valid.",
                             "details": {"json": {"price": [message]}}}


def test_every_bad_field_is_reported_at_once(probe):
    response = probe({"price": 1.5, "quantity": "many"})
    assert response.json["details"] == {"json": {
        "price": ['Send this amount as a decimal string in quotes, e.g. "1000000.0000", not as a number.'],
        "amount": ["This field is required."],
        "quantity": ["Send a whole number."],
    }}


@pytest.mark.parametrize("places, good, bad", [
    (0, ["0", "15"], ["1.0", "1."]),
    (2, ["0", "0.5", "12345678901234567890.12"], ["1.123", ".5", "123456789012345678901"]),
    (None, ["0.000001"], ["1.", "+1"]),
])
def test_pattern_by_places(places, good, bad):
    field = DecimalString(places=places)
    for text in good:
        assert field.deserialize(text) == Decimal(text)
    for text in bad:
        with pytest.raises(ValidationError):
            field.deserialize(text)


def test_signed_decimals_accept_a_minus():
    assert DecimalString(places=2, signed=True).deserialize("-0.25") == Decimal("-0.25")


def test_money_is_documented_as_a_decimal_string(make_app):
    app = probe_app(make_app)
    with app.test_request_context():
        schema = app.spec["components"]["schemas"]["OrderIn"]["properties"]
    assert schema["price"] == {"type": "string", "format": "decimal",
                               "pattern": r"^[0-9]{1,20}(\.[0-9]{1,4})?$", "example": "1000000.0000"}
    assert schema["quantity"]["type"] == "integer"


def test_times_are_written_in_almaty_with_an_offset():
    field = AwareDateTime()
    assert field.serialize("t", {"t": datetime(2026, 11, 21, 10, 0, tzinfo=UTC)}) == "2026-11-21T15:00:00+05:00"
    assert field.deserialize("2026-11-21T15:00:00+05:00") == datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
