from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import Organisation, User
from app.auth.roles import Role
from app.extensions import db
from tests.conftest import TEST_PASSWORD


@pytest.fixture
def admin(client, login_as) -> User:
    """The test client, logged in as an administrator who reads English."""
    user = login_as(Role.ADMIN)
    client.post("/language", data={"lang": "en"})
    return user


@pytest.fixture
def browser(app) -> Callable:
    """Another browser, logged in as `user`."""

    def open_as(user: User, password: str = TEST_PASSWORD):
        other = app.test_client()
        assert other.post("/login", data={"login": user.login, "password": password}).status_code == 302
        assert other.get("/home").status_code == 200
        return other

    return open_as


def still_logged_in(client) -> bool:
    return client.get("/home").status_code == 200


def counts() -> tuple[int, int, int]:
    """Organisations, users and audit rows: a refused change leaves all three as they were."""
    return tuple(db.session.scalar(select(func.count(model.id))) for model in (Organisation, User, AuditEvent))
