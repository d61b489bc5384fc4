"""The back office registers a client (IIN check digit, E.164 phone, e-mail), hands over a
first password the client must change, records deposits in an append-only ledger; the client
sees them in its cabinet and the API. A firm sees only its own clients."""
from datetime import date

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from app.auth.models import User
from app.auth.roles import Role
from app.brokerage.models import BrokerClient, LedgerEntry
from app.extensions import db
from tests.conftest import TEST_PASSWORD

NEW = {"full_name": "Сатпаев Ержан", "iin": "850312300121", "phone": "8 701 123 45 67",
       "email": "erzhan@example.kz", "agreement_number": "БД-2026/17", "agreement_date": "2026-11-02",
       "login": "erzhan"}


@pytest.fixture
def office(client, make_user, make_org):
    firm = make_org(name="АО «Алатау Брокер»")
    user = make_user(Role.BROKER_OFFICE, organisation=firm)

    def log_in(who: User = user):
        client.post("/logout")
        assert client.post("/login", data={"login": who.login, "password": TEST_PASSWORD}).status_code == 302
        client.post("/language", data={"lang": "en"})
        return client
    log_in.user, log_in.firm = user, firm
    return log_in


def register(office, **changes) -> tuple:
    response = office().post("/brokerage/clients/new", data={**NEW, **changes})
    return response, db.session.scalar(select(BrokerClient).order_by(BrokerClient.id.desc()))


@pytest.mark.parametrize("field, value, message", [
    ("iin", "850312300123", "check digit"),
    ("iin", "85031230012", "exactly 12 digits"),
    ("phone", "12345", "valid mobile phone"),
    ("phone", "+7 727 250 00 00", "valid mobile phone"),     # Almaty landline: no SMS
    ("email", "not-an-address", "valid e-mail"),
    ("login", "ер жан", "letters, digits"),
])
def test_bad_client_details_are_refused_with_the_reason_and_nothing_is_stored(office, field, value, message):
    response, stored = register(office, **{field: value})
    assert response.status_code == 422 and message in response.text
    assert stored is None and db.session.scalar(select(User).where(User.login == "erzhan")) is None


def test_a_registered_client_must_choose_its_own_password_first(office, client):
    response, stored = register(office)
    assert response.status_code == 200 and stored.phone == "+77011234567" and stored.client_code.startswith("C")
    password = response.text.split('data-testid="password">')[1].split("<")[0]
    client.post("/logout")
    assert client.post("/login", data={"login": "erzhan", "password": password}).status_code == 302
    closed = client.get("/cabinet/")
    assert closed.status_code == 302 and closed.headers["Location"].endswith("/password")
    assert client.get("/api/v1/cabinet/portfolio").status_code == 403
    changed = client.post("/password", data={"old_password": password, "new_password": "Own-password-2026",
                                             "new_password_again": "Own-password-2026"})
    assert changed.status_code == 302
    home = client.get("/cabinet/")
    assert home.status_code == 200 and "БД-2026/17" in home.text


def test_deposits_reach_the_ledger_the_cabinet_and_the_api(office, client):
    _response, stored = register(office)
    back = office()
    assert back.post(f"/brokerage/clients/{stored.id}/deposits",
                     data={"venue": "", "asset": "KZT", "amount": "1500000.50", "reference": "ПП 118"}).status_code == 302
    assert back.post(f"/brokerage/clients/{stored.id}/deposits",
                     data={"venue": "aix", "asset": "kzap", "amount": "40"}).status_code == 302
    refused = back.post(f"/brokerage/clients/{stored.id}/deposits", data={"asset": "KZT", "amount": "9" * 60})
    assert refused.status_code == 422 and "below 10^15" in refused.text
    assert back.post(f"/brokerage/clients/{stored.id}/deposits",
                     data={"asset": "KZT", "amount": "10.001"}).status_code == 422
    page = back.get(f"/brokerage/clients/{stored.id}")
    assert "1,500,000.50" in page.text and "KZAP" in page.text and page.text.count('data-testid="ledger-entry"') == 2

    user = db.session.get(User, stored.user_id)
    user.must_change_password = False
    db.session.commit()
    client.post("/logout")
    password = "Own-password-2026"
    from app.auth.services import set_password
    set_password(db.session, user, password, user.created_at)
    db.session.commit()
    assert client.post("/login", data={"login": "erzhan", "password": password}).status_code == 302
    answer = client.get("/api/v1/cabinet/portfolio").get_json()
    assert answer == {"money": [{"currency": "KZT", "total": "1500000.50", "blocked": "0.00", "free": "1500000.50"}],
                      "securities": [{"venue": "aix", "code": "KZAP", "quantity": "40.00", "price": None,
                                      "value": None, "currency": None}]}


def test_the_ledger_is_append_only_in_the_database(office):
    _response, stored = register(office)
    office().post(f"/brokerage/clients/{stored.id}/deposits", data={"asset": "KZT", "amount": "100"})
    entry = db.session.scalar(select(LedgerEntry))
    for statement in ("UPDATE client_ledger SET amount = 0", "DELETE FROM client_ledger"):
        with pytest.raises(DatabaseError):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.get(LedgerEntry, entry.id) is not None


def test_a_firm_never_sees_another_firms_clients(office, make_user, make_org, client):
    _response, stored = register(office)
    other = make_user(Role.BROKER_OFFICE, organisation=make_org(name="ТОО «Шымкент Трейд»"))
    back = office(other)
    assert back.get(f"/brokerage/clients/{stored.id}").status_code == 404
    assert back.post(f"/brokerage/clients/{stored.id}/deposits", data={"asset": "KZT", "amount": "1"}).status_code == 404
    assert "Сатпаев" not in back.get("/brokerage/clients").text
    assert db.session.scalar(select(LedgerEntry)) is None
    dealer = make_user(Role.PARTICIPANT, organisation=office.firm)
    assert office(dealer).get(f"/brokerage/clients/{stored.id}").status_code == 403


def test_a_client_login_without_an_agreement_has_no_cabinet(login_as, client):
    login_as(Role.CLIENT)
    assert client.get("/cabinet/").status_code == 404
    assert client.get("/api/v1/cabinet/portfolio").status_code == 404
