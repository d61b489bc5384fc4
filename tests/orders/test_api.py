"""The cabinet's orders through the JSON API with a client token: placed, signed through the
documents API, listed, cancelled; refusals carry the rule's code."""
from sqlalchemy import func, select

from app.extensions import db
from app.orders.models import ClientOrder
from tests.api.conftest import issue_token  # noqa: F401 — the fixture
from tests.orders.conftest import last_sms_code

ORDER = {"venue": "kase", "code": "KZTK", "side": "buy", "type": "limit", "price": "30000.00", "lots": 1}


def test_an_order_placed_and_signed_through_the_api_is_active_and_listed(kase, client, issue_token):
    headers = {"Authorization": f"Bearer {issue_token(kase['client'].user)}"}
    placed = client.post("/api/v1/cabinet/orders", json=ORDER, headers=headers)
    assert placed.status_code == 201, placed.json
    body = placed.json
    assert body["status"] == "awaiting_signature" and body["amount"] == "30000.00" and "KZTK" in body["summary"]
    document = body["document_id"]
    assert client.post(f"/api/v1/cabinet/documents/{document}/code", headers=headers).status_code in (200, 201)
    signed = client.post(f"/api/v1/cabinet/documents/{document}/confirm", json={"code": last_sms_code()},
                         headers=headers)
    assert signed.status_code == 200, signed.json
    order = client.get(f"/api/v1/cabinet/orders/{body['id']}", headers=headers).json
    assert order["status"] == "active"
    assert [o["id"] for o in client.get("/api/v1/cabinet/orders", headers=headers).json["orders"]] == [body["id"]]
    cancelled = client.post(f"/api/v1/cabinet/orders/{body['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    again = client.post(f"/api/v1/cabinet/orders/{body['id']}/cancel", headers=headers)
    assert again.status_code == 422 and again.json["code"] == "order_not_active"


def test_a_refused_order_names_the_rule_and_stores_nothing(kase, client, issue_token):
    headers = {"Authorization": f"Bearer {issue_token(kase['client'].user)}"}
    for changes, code in (({"lots": 100}, "npr1_below_zero"), ({"price": "99999.00"}, "outside_corridor"),
                          ({"code": "NOPE"}, "unknown_instrument"), ({"price": 30000}, "validation_error")):
        answer = client.post("/api/v1/cabinet/orders", json={**ORDER, **changes}, headers=headers)
        assert answer.status_code == 422 and answer.json["code"] == code, answer.json
    assert db.session.scalar(select(func.count(ClientOrder.id))) == 0


def test_another_clients_order_does_not_exist_for_it(kase, client, issue_token, make_client):
    owner = {"Authorization": f"Bearer {issue_token(kase['client'].user)}"}
    order_id = client.post("/api/v1/cabinet/orders", json=ORDER, headers=owner).json["id"]
    other = make_client(kase["alpha"], "aigerim", iin="900101300017")
    headers = {"Authorization": f"Bearer {issue_token(other.user)}"}
    assert client.get(f"/api/v1/cabinet/orders/{order_id}", headers=headers).status_code == 404
    assert client.post(f"/api/v1/cabinet/orders/{order_id}/cancel", headers=headers).status_code == 404
    assert client.get("/api/v1/cabinet/orders", headers=headers).json["orders"] == []
