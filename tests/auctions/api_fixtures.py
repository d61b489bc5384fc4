"""Fixtures of the auctions API tests: each member of the cast calls with its own bearer token.

Import them into a test module: `from tests.auctions.api_fixtures import api  # noqa: F401`.
"""
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, time
from decimal import Decimal

import pytest

from app.auctions.services import ApplicationTerms
from app.auth import services
from app.auth.models import User
from app.clock.services import wall_now
from app.extensions import db

AUCTIONS = "/api/v1/auctions"


class Caller:
    """A test client that sends one user's token on every call."""

    def __init__(self, client, token: str):
        self.client, self.token = client, token

    def open(self, method: str, url: str, headers: dict | None = None, **kwargs):
        headers = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, url: str, **kwargs):
        return self.open("GET", url, **kwargs)

    def post(self, url: str, **kwargs):
        return self.open("POST", url, **kwargs)

    def put(self, url: str, **kwargs):
        return self.open("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs):
        return self.open("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs):
        return self.open("DELETE", url, **kwargs)


@pytest.fixture
def api(app, client) -> Callable[[User], Caller]:
    """`api(user).post(url, json=…)`: the call as that user, with a token made for it once."""
    tokens: dict[int, str] = {}

    def as_user(user: User) -> Caller:
        if user.id not in tokens:
            _row, tokens[user.id] = services.create_api_token(db.session, user, "tests", wall_now(), None)
            db.session.commit()
        return Caller(client, tokens[user.id])

    return as_user


def application_json(terms: ApplicationTerms) -> dict:
    """The terms as a client system sends them: decimal strings, ISO dates, HH:MM times."""
    return {name: _json_value(value) for name, value in asdict(terms).items() if value is not None}


def _json_value(value):
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def bid_json(kind: str = "limit", quantity: int = 1, price: str | None = None, **extra) -> dict:
    body = {"kind": kind, "quantity": quantity, **extra}
    if price is not None:
        body["price"] = price
    return body


def keys_in(document) -> set[str]:
    """Every key anywhere in a JSON document."""
    if isinstance(document, dict):
        return set(document) | set().union(*(keys_in(value) for value in document.values()))
    if isinstance(document, list):
        return set().union(*(keys_in(value) for value in document))
    return set()
