"""A member firm with its risk staff and back office, a KASE share on the desk's market and an
AIX instrument on the firm's list; `staff(user)` logs the test client in as a user, in English."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.auth.roles import Role
from app.clock.services import now
from app.demo.auctions import with_check_digit
from app.extensions import db
from app.secondary.reference import services as reference
from app.venues import services as venues
from tests.conftest import TEST_PASSWORD


@pytest.fixture
def firm(make_org):
    return make_org(name="АО «Алатау Брокер»")


@pytest.fixture
def instruments(app, firm, make_user):
    reference.create_instrument(
        db.session, code="KZTK", isin=with_check_digit("KZ1C0000087"),
        name="АО «Казахтелеком», простые акции", kind="share", group="shares_main", currency="KZT",
        face_value=None, lot_size=1, price_step=Decimal("0.01"), price_subject="money",
        settlement_codes=["T0", "T2"], corridor_percent=Decimal(10))
    office = make_user(Role.BROKER_OFFICE, login="alatau_office", organisation=firm)
    venues.add_instrument(db.session, firm, venues.InstrumentEntry("aix", "KZAP", "Kazatomprom GDR", "USD", 1,
                                                                   Decimal("0.01"), 2), office, now())
    db.session.commit()


@pytest.fixture
def risk_user(firm, make_user, instruments):
    return make_user(Role.BROKER_RISK, login="alatau_risk", organisation=firm)


@pytest.fixture
def office_user(instruments):
    return db.session.scalar(select(User).where(User.login == "alatau_office"))


@pytest.fixture
def staff(client):
    def log_in(user, language: str = "en"):
        client.post("/logout")
        assert client.post("/login", data={"login": user.login, "password": TEST_PASSWORD}).status_code == 302
        client.post("/language", data={"lang": language})
        return client
    return log_in


@pytest.fixture
def risk(staff, risk_user):
    """The test client, logged in as the firm's risk staff."""
    return staff(risk_user)
