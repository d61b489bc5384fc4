"""A broker (АО «Алатау Брокер»), its back office, and clients under agreements with ledgers
written at chosen instants; the business clock frozen in March 2027 (Almaty)."""
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import pytest

from app.auth.models import Organisation, User
from app.auth.roles import OrganisationKind, Role
from app.brokerage.models import BrokerClient
from app.brokerage.services import ClientEntry, attach_client, post
from app.clock.services import now, set_sandbox_time
from app.domain.calendar import ALMATY
from app.extensions import db
from tests.conftest import TEST_PASSWORD

TODAY = datetime(2027, 3, 20, 12, 0, tzinfo=ALMATY)
IINS_ALL = ("850312300121", "900101300017", "880505400013", "920202500012", "950707300020", "871111400032")


def almaty(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=ALMATY)


@pytest.fixture
def frozen(app):
    set_sandbox_time(db.session, TODAY, frozen=True, user_id=None)
    db.session.commit()


@pytest.fixture
def firm(make_org) -> Organisation:
    return make_org(name="АО «Алатау Брокер»")


@pytest.fixture
def office(make_user, firm) -> User:
    return make_user(Role.BROKER_OFFICE, login="backoffice", organisation=firm)


@pytest.fixture
def make_client(make_org, make_user, firm, frozen) -> Callable[..., BrokerClient]:
    """A client login of `firm` (or another broker) under an agreement, reading English."""
    iins = iter(IINS_ALL)

    def build(name: str = "Сатпаев Ержан", broker: Organisation | None = None, iin: str | None = None) -> BrokerClient:
        broker = broker or firm
        person = make_org(OrganisationKind.CLIENT, name=f"{name} · {broker.name}", parent=broker)
        user = make_user(Role.CLIENT, organisation=person)
        user.locale = "en"
        entry = ClientEntry(iin=iin or next(iins), full_name=name, phone="+77011234567", email="client@example.kz",
                            agreement_number=f"АБ-2026/{user.id:03d}", agreement_date=date(2026, 1, 15),
                            login=user.login)
        client = attach_client(db.session, broker, person, user, entry, now())
        db.session.commit()
        return client
    return build


@pytest.fixture
def entry(office) -> Callable:
    """`entry(client, at, venue, asset, amount, source="deposit", reference=None, settles_on=None)`."""
    def write(client, at: datetime, venue, asset, amount: str, source: str = "deposit", reference=None,
              settles_on=None):
        post(db.session, client, venue, asset, Decimal(amount), source, reference, office, at, settles_on)
        db.session.commit()
    return write


def log_in(app, user: User):
    """A test client of its own logged in as `user`, reading English."""
    browser = app.test_client()
    assert browser.post("/login", data={"login": user.login, "password": TEST_PASSWORD}).status_code == 302
    browser.post("/language", data={"lang": "en"})
    return browser
