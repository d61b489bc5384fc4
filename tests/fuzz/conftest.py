"""The fuzz gate's cast: the demo desk (one user per role, auctions, offerings, the market),
seeded on this test's database, and a way to call it as each demo user.

Requests go straight to the WSGI app, outside the test's app context, so each one runs as it
would in a worker (its own app context and database session).
"""
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select

from app.auth import services
from app.auth.models import User
from app.clock.services import wall_now
from app.demo.auctions import seed_auctions
from app.demo.cli import USERS, demo_password, seed_demo
from app.demo.market import seed_market
from app.demo.subscriptions import seed_subscriptions
from app.extensions import db

# One login per role: the first demo user of each.
ROLE_LOGINS = {str(role): login for role, login, *_ in reversed(USERS)}


@dataclass(frozen=True)
class Desk:
    app: Flask
    tokens: dict[str, str]  # role → raw API token
    logins: dict[str, tuple[str, str]]  # role → (login, password)


@pytest.fixture
def desk(make_app) -> Desk:
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        seed_demo(db.session)
        seed_auctions(db.session, wall_now())
        seed_subscriptions(db.session, wall_now())
        db.session.commit()
        seed_market(db.session, wall_now())
        db.session.commit()
        tokens = {}
        for role, login in ROLE_LOGINS.items():
            user = db.session.scalar(select(User).where(User.login == login))
            _row, tokens[role] = services.create_api_token(db.session, user, "fuzz", wall_now(), None)
        db.session.commit()
        db.session.remove()
    logins = {role: (login, demo_password(login)) for role, login in ROLE_LOGINS.items()}
    return Desk(app, tokens, logins)
