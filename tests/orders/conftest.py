"""A client of Alpha Securities (the secondary market cast's firm with an aggregated client
account), with money and KZTK on its sub-accounts, logged in on `client` and reading English;
SMS codes read back from the outbox."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.auth.roles import OrganisationKind, Role
from app.brokerage import services as brokerage
from app.brokerage.models import BrokerClient, Venue
from app.clock.services import now
from app.extensions import db
from app.orders.models import ClientOrder
from app.secondary.engine.day import LoadBalance
from app.secondary.trading import services as market
from tests.cabinet_signing.conftest import last_sms_code, sent_messages  # noqa: F401
from tests.conftest import TEST_PASSWORD
from tests.secondary.conftest import DAY, almaty, clock, market_cast  # noqa: F401 — fixtures

IIN = "850312300121"
OTHER_IIN = "900101300017"


@pytest.fixture
def make_client(make_org, make_user):
    def make(firm, login: str, iin: str = IIN, money: str = "500000.00", shares: int = 10) -> BrokerClient:
        person = make_org(OrganisationKind.CLIENT, name=f"{login} person", parent=firm)
        user = make_user(Role.CLIENT, login=login, organisation=person)
        user.locale = "en"
        entry = brokerage.ClientEntry(iin=iin, full_name=f"Client {login}", phone="+77011234567",
                                      email=f"{login}@example.kz", agreement_number=f"A-{login}",
                                      agreement_date=date(2026, 11, 2), login=login)
        office = make_user(Role.BROKER_OFFICE, login=f"office_{login}", organisation=firm)
        client = brokerage.attach_client(db.session, firm, person, user, entry, now())
        brokerage.record_deposit(db.session, client, Decimal(money), "KZT", "PP 1", office, now())
        if shares:
            brokerage.record_deposit(db.session, client, Decimal(shares), "KZTK", "T 1", office, now(), venue=Venue.KASE)
        db.session.commit()
        return client
    return make


@pytest.fixture
def kase(market_cast, make_client):
    """The cast, and Alpha's client `erzhan`; the aggregated account also holds the clients' KZTK."""
    market.execute(db.session, LoadBalance("ALPHA_CLIENTS", "KZTK", "10"))
    return {**market_cast, "client": make_client(market_cast["alpha"], "erzhan")}


@pytest.fixture
def as_client(client, kase):
    def log_in(who: BrokerClient | None = None):
        who = who or kase["client"]
        client.post("/logout")
        assert client.post("/login", data={"login": who.user.login, "password": TEST_PASSWORD}).status_code == 302
        client.post("/language", data={"lang": "en"})
        return client
    return log_in


def place(http, **fields):
    data = {"venue": "kase", "code": "KZTK", "side": "buy", "type": "limit", "price": "30000", "lots": "2", **fields}
    return http.post("/cabinet/orders/new", data=data)


def sign_by_sms(http, order: ClientOrder):
    assert http.post(f"/cabinet/sign/{order.document_id}/code").status_code == 302
    return http.post(f"/cabinet/sign/{order.document_id}/confirm", data={"code": last_sms_code()})


def last_order() -> ClientOrder:
    db.session.expire_all()
    return db.session.scalar(select(ClientOrder).order_by(ClientOrder.id.desc()))
