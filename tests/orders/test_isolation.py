"""Every client and every firm sent to every other's objects: a client's order, its signed
document, its withdrawal, its notice, its client record and its dealing-queue entry exist only
for that client and its own firm (404 to everyone else, pages and API alike)."""
from decimal import Decimal

import pytest

from app.auth.roles import Role
from app.cabinet.signing import services as signing
from app.clock.services import now
from app.extensions import db
from app.notices.services import notify
from app.orders.models import ClientOrder
from app.withdrawals.services import add_bank, start_withdrawal
from tests.conftest import TEST_PASSWORD
from tests.orders.conftest import DAY, almaty


def objects_of(firm, client, bank) -> dict:
    at = now()
    order = ClientOrder(client_id=client.id, firm_id=firm.id, venue="aix", code="KZAP", currency="USD", side="buy",
                        type="limit", price=Decimal("40"), lots=1, lot_size=1, filled_lots=0,
                        block_per_lot=Decimal("40"), amount=Decimal("40"), status="active",
                        valid_until=almaty(DAY, 23, 59), created_at=at, accepted_at=at)
    db.session.add(order)
    db.session.flush()
    order.document_id = signing.issue(db.session, "order", {"OrderId": str(order.id)}, client.user, client.iin,
                                      "Buy 1 KZAP", f"/cabinet/orders/{order.id}", at).id
    withdrawal = start_withdrawal(db.session, client, client.user, "KZT", Decimal("1000.00"), "KZ86125KZT5004100100",
                                  bank.id, at)
    notice = notify(db.session, client.user, "order_filled", {"summary": "Buy 1 KZAP", "filled": "1", "lots": "1"},
                    None, at)
    db.session.commit()
    return {"client": client.id, "order": order.id, "document": order.document_id, "withdrawal": withdrawal.id,
            "notice": notice.id}


def client_urls(o: dict) -> list[tuple[str, str]]:
    return [("GET", f"/cabinet/orders/{o['order']}"), ("POST", f"/cabinet/orders/{o['order']}/cancel"),
            ("GET", f"/cabinet/sign/{o['document']}"), ("GET", f"/cabinet/sign/{o['document']}/document.xml"),
            ("POST", f"/cabinet/sign/{o['document']}/code"),
            ("GET", f"/cabinet/withdrawals/{o['withdrawal']}"), ("POST", f"/cabinet/withdrawals/{o['withdrawal']}/cancel"),
            ("POST", f"/cabinet/notices/{o['notice']}/read"),
            ("GET", f"/api/v1/cabinet/orders/{o['order']}"), ("POST", f"/api/v1/cabinet/orders/{o['order']}/cancel"),
            ("GET", f"/api/v1/cabinet/withdrawals/{o['withdrawal']}"),
            ("GET", f"/api/v1/cabinet/documents/{o['document']}"),
            ("POST", f"/api/v1/cabinet/notices/{o['notice']}/read")]


def office_urls(o: dict) -> list[tuple[str, str]]:
    return [("GET", f"/brokerage/clients/{o['client']}"), ("GET", f"/brokerage/withdrawals/{o['withdrawal']}"),
            ("POST", f"/brokerage/withdrawals/{o['withdrawal']}/approve"),
            ("GET", f"/cabinet/sign/{o['document']}/document.xml"),
            ("POST", f"/api/v1/brokerage/withdrawals/{o['withdrawal']}/approve")]


def dealer_urls(o: dict) -> list[tuple[str, str]]:
    return [("GET", f"/brokerage/dealing/{o['order']}"), ("POST", f"/brokerage/dealing/{o['order']}/reject")]


@pytest.fixture
def two_firms(kase, make_client, make_user):
    bank = add_bank(db.session, "Halyk Bank", "HSBKKZKX", now())
    firms = {"alpha": kase["alpha"], "beta": kase["beta"]}
    clients = {"alpha": kase["client"], "beta": make_client(kase["beta"], "beta_client", iin="900101300017")}
    return {name: {"objects": objects_of(firms[name], clients[name], bank), "client": clients[name].user,
                   "office": make_user(Role.BROKER_OFFICE, login=f"{name}_office", organisation=firms[name]),
                   "dealer": make_user(Role.PARTICIPANT, login=f"{name}_desk", organisation=firms[name])}
            for name in firms}


def send(http, user, requests) -> list[tuple[str, str, int]]:
    http.post("/logout")
    assert http.post("/login", data={"login": user.login, "password": TEST_PASSWORD}).status_code == 302
    return [(method, path, http.open(path, method=method, data={"reason": "x"}).status_code)
            for method, path in requests]


def test_nobody_reaches_another_clients_or_another_firms_objects(client, two_firms):
    for name, other in (("alpha", "beta"), ("beta", "alpha")):
        mine, theirs = two_firms[name], two_firms[other]["objects"]
        for role, urls in (("client", client_urls), ("office", office_urls), ("dealer", dealer_urls)):
            answers = send(client, mine[role], urls(theirs))
            assert all(status == 404 for _method, _path, status in answers), (name, role, answers)
            own = [(method, path) for method, path in urls(mine["objects"]) if method == "GET"]
            assert all(status == 200 for *_, status in send(client, mine[role], own)), (name, role)
