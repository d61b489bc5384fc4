"""Helpers of the subscriptions API tests: callers with their own bearer tokens (the auctions
API's `api` fixture), terms and bids as a client system sends them, and an announced offering.

Import into a test module: `from tests.subscriptions.api_fixtures import api  # noqa: F401`.
"""
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal

from app.subscriptions.services import OfferingTerms
from tests.auctions.api_fixtures import api  # noqa: F401 — a fixture, re-exported
from tests.subscriptions.conftest import FILED_ON, almaty

SUBSCRIPTIONS = "/api/v1/subscriptions"


def terms_json(terms: OfferingTerms, **extra) -> dict:
    """Decimal strings, ISO 8601 instants with their offset; unset terms left out."""
    body = {name: _json_value(value) for name, value in asdict(terms).items() if value is not None}
    return {**body, **extra}


def _json_value(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def iin(number: int) -> str:
    """A client's IIN, apart from the test organisations' BINs (000000000001, …)."""
    return f"{800_000_000_000 + number}"


def client_bid(number: int, quantity: int = 10, price: str = "1100.0000", qualified: bool = True, **extra) -> dict:
    return {"kind": "limit", "quantity": quantity, "price": price, "investor_iin": iin(number),
            "investor_name": f"Investor {number}", "investor_category": "individual", "qualified": qualified, **extra}


def post_bid(caller, url: str, key: str, body: dict):
    return caller.post(f"{url}/bids", json=body, headers={"Idempotency-Key": key})


def placed(caller, url: str, key: str, body: dict) -> dict:
    response = post_bid(caller, url, key, body)
    assert response.status_code == 201, response.json
    return response.json


def filed(api, clock, user, terms: OfferingTerms, **extra) -> str:  # noqa: F811 — `api` is the fixture's value
    """File on 1 March; the subscription's URL."""
    clock(almaty(FILED_ON, 10))
    response = api(user).post(SUBSCRIPTIONS, json=terms_json(terms, **extra))
    assert response.status_code == 201, response.json
    return f"{SUBSCRIPTIONS}/{response.json['id']}"


def announced(api, clock, cast, terms: OfferingTerms, seller: str = "seller") -> str:  # noqa: F811
    """Filed, accepted, consented and announced on 1 March; the subscription's URL."""
    url = filed(api, clock, cast[seller], terms)
    staff = api(cast["staff"])
    for step, body in (("accept", None), ("consent", {}), ("announce", None)):
        response = staff.post(f"{url}/{step}", json=body)
        assert response.status_code == 200, (step, response.json)
    return url
