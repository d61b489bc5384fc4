"""API fixtures: personal tokens for a user, and their `Authorization` header."""
from collections.abc import Callable
from datetime import datetime

import pytest

from app.auth import services
from app.auth.models import User
from app.clock.services import wall_now
from app.extensions import db


@pytest.fixture
def issue_token(app) -> Callable[..., str]:
    """Create a token the way the tokens page does; returns the raw token."""

    def issue(user: User, name: str = "back office", expires_at: datetime | None = None) -> str:
        _row, raw = services.create_api_token(db.session, user, name, wall_now(), expires_at)
        db.session.commit()
        return raw

    return issue


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def speaks_english(app) -> Callable[[User], User]:
    """Messages are compared in English, the msgid language, whatever catalogs exist."""

    def switch(user: User) -> User:
        user.locale = "en"
        db.session.commit()
        return user

    return switch
