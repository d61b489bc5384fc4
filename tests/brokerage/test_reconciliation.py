"""Reconciliation on the desk's market: the firm's clients' KASE securities and money against
its aggregated client account, per instrument and currency; a firm sees only its own."""
from datetime import date
from decimal import Decimal

import pytest

from app.auth.roles import OrganisationKind, Role
from app.brokerage.reconciliation import reconcile, settled_and_due
from app.brokerage.services import ClientEntry, attach_client, record_deposit
from app.clock.services import now, set_sandbox_time
from app.domain.ledger import Ledger
from app.extensions import db
from app.secondary.engine.day import LoadBalance
from app.secondary.reference import services as reference
from app.secondary.trading import services
from tests.conftest import TEST_PASSWORD
from tests.secondary.conftest import DAY, SHARE, almaty, open_day

IINS = ("850312300121", "900101300017", "880505400013")


@pytest.fixture
def desk(app, make_org, make_user):
    """Alatau (clients A and B, account ALATAU_CLI) and Shymkent (no clients, SHYM_CLI), on 10 March 2027."""
    set_sandbox_time(db.session, almaty(DAY, 12), frozen=True, user_id=None)
    db.session.commit()
    alatau, shymkent = make_org(name="АО «Алатау Брокер»"), make_org(name="ТОО «Шымкент Трейд»")
    offices = {firm.id: make_user(Role.BROKER_OFFICE, organisation=firm) for firm in (alatau, shymkent)}
    reference.create_account(db.session, organisation=alatau, code="ALATAU_CLI", kind="aggregated")
    reference.create_account(db.session, organisation=alatau, code="ALATAU_OWN", kind="own")
    reference.create_account(db.session, organisation=shymkent, code="SHYM_CLI", kind="aggregated")
    reference.create_instrument(db.session, **SHARE)
    db.session.commit()
    open_day()
    for account, asset, amount in (("ALATAU_CLI", "KZTK", "150"), ("ALATAU_CLI", "KZT", "1500000.00"),
                                   ("ALATAU_OWN", "KZTK", "999"), ("SHYM_CLI", "KZTK", "10")):
        services.execute(db.session, LoadBalance(account, asset, amount))
    office = offices[alatau.id]
    clients = [_client(make_org, make_user, alatau, name, iin) for name, iin in (("Клиент А", IINS[0]),
                                                                                 ("Клиент Б", IINS[1]))]
    for client, venue, asset, amount in ((clients[0], "kase", "KZTK", "100"), (clients[0], None, "KZT", "1000000.00"),
                                         (clients[0], "aix", "KZAP", "5"), (clients[1], "kase", "KZTK", "50"),
                                         (clients[1], None, "KZT", "500000.00")):
        record_deposit(db.session, client, Decimal(amount), asset, None, office, now(), venue=venue)
    db.session.commit()
    return {"alatau": alatau, "shymkent": shymkent, "offices": offices, "clients": clients}


def _client(make_org, make_user, firm, name, iin):
    person = make_org(OrganisationKind.CLIENT, name=f"{name} · {firm.name}", parent=firm)
    user = make_user(Role.CLIENT, organisation=person)
    entry = ClientEntry(iin=iin, full_name=name, phone="+77011234567", email="c@example.kz",
                        agreement_number=f"A-{user.id}", agreement_date=date(2026, 1, 15), login=user.login)
    return attach_client(db.session, firm, person, user, entry, now())


def office_of(app, desk, firm):
    browser = app.test_client()
    user = desk["offices"][desk[firm].id]
    assert browser.post("/login", data={"login": user.login, "password": TEST_PASSWORD}).status_code == 302
    browser.post("/language", data={"lang": "en"})
    return browser


def test_equal_sums_are_reconciled(app, desk):
    result = reconcile(db.session, desk["alatau"].id)
    assert result.reconciled and result.accounts == ["ALATAU_CLI"]
    assert [(l.asset, l.clients, l.aggregated) for l in result.securities] == [("KZTK", Decimal(150), Decimal(150))]
    assert [(l.asset, l.clients, l.aggregated) for l in result.money] == [("KZT", Decimal("1500000.00"),
                                                                             Decimal("1500000.00"))]
    browser = office_of(app, desk, "alatau")
    page = browser.get("/brokerage/reconciliation")
    assert page.status_code == 200 and "Reconciled" in page.text and 'data-testid="difference"' not in page.text
    assert "KZAP" not in page.text          # AIX holdings are not on this market
    assert browser.get("/api/v1/brokerage/reconciliation").json == {
        "reconciled": True, "differences": 0, "accounts": ["ALATAU_CLI"],
        "securities": [{"asset": "KZTK", "clients": "150", "aggregated": "150", "difference": "0"}],
        "money": [{"asset": "KZT", "clients": "1500000.00", "aggregated": "1500000.00", "difference": "0.00"}]}
    assert "Reconciliation" in browser.get("/brokerage/clients").text      # in the back office's menu


def test_a_client_deposit_without_the_aggregated_position_is_a_difference_of_that_amount(app, desk):
    browser = office_of(app, desk, "alatau")
    client = desk["clients"][0]
    assert browser.post(f"/brokerage/clients/{client.id}/deposits",
                        data={"venue": "kase", "asset": "KZTK", "amount": "30"}).status_code == 302
    answer = browser.get("/api/v1/brokerage/reconciliation").json
    assert answer["reconciled"] is False and answer["differences"] == 1
    assert answer["securities"] == [{"asset": "KZTK", "clients": "180", "aggregated": "150", "difference": "30"}]
    assert answer["money"][0]["difference"] == "0.00"
    page = browser.get("/brokerage/reconciliation").text
    assert "1 difference" in page and page.count('data-testid="difference"') == 1


def test_another_firms_office_sees_only_its_own(app, desk):
    answer = office_of(app, desk, "shymkent").get("/api/v1/brokerage/reconciliation").json
    assert answer == {"reconciled": False, "differences": 1, "accounts": ["SHYM_CLI"],
                      "securities": [{"asset": "KZTK", "clients": "0", "aggregated": "10", "difference": "-10"}],
                      "money": []}
    page = office_of(app, desk, "shymkent").get("/brokerage/reconciliation").text
    assert "ALATAU_CLI" not in page and "150" not in page and "1,500,000.00" not in page


def test_a_firm_without_an_aggregated_account_compares_with_nothing(app, make_org):
    firm = make_org(name="Без счёта")
    result = reconcile(db.session, firm.id)
    assert result.accounts == [] and result.reconciled and result.securities == [] and result.money == []


def test_the_aggregated_figure_counts_deals_still_to_settle_not_order_blocks():
    ledger = Ledger(Decimal(100), Decimal(-10), {date(2027, 3, 12): Decimal(25)}, {date(2027, 3, 10): Decimal(40)})
    assert settled_and_due(ledger) == Decimal(115)
