"""The subscriptions API: sealed bids, idempotency, the exchange's review, roles and JSON errors."""
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEvent
from app.extensions import db
from app.subscriptions import bidding
from app.subscriptions.models import SubscriptionBid

from tests.subscriptions.api_fixtures import (SUBSCRIPTIONS, announced, api, client_bid, filed, iin,  # noqa: F401
                                              post_bid, placed, terms_json)
from tests.subscriptions.conftest import END, FILED_ON, START, almaty


@pytest.fixture
def offering(api, offering_cast, clock, public_terms) -> str:  # noqa: F811
    """An announced public offering; its URL."""
    return announced(api, clock, offering_cast, public_terms)


def test_bids_are_sealed_to_their_firm(api, offering_cast, clock, offering):
    clock(almaty(START, 11))
    a, b = (api(broker) for broker in offering_cast["brokers"])
    mine = placed(a, offering, "a-1", client_bid(1))
    placed(b, offering, "b-1", client_bid(2))
    url = f"{offering}/bids/{mine['id']}"
    assert a.get(url).json == mine
    for response in (b.get(url), b.patch(url, json={"quantity": 1}), b.delete(url),
                     b.put(f"{url}/investor-details", json={"address": "a", "document": "d", "account": "c"})):
        assert response.status_code == 404 and response.json["code"] == "not_found"
    assert [bid["investor_iin"] for bid in b.get(f"{offering}/bids").json] == [client_bid(2)["investor_iin"]]
    assert a.get(url).json == mine  # untouched
    custodian = api(offering_cast["custodian"])
    assert custodian.get(f"{offering}/bids").json == []
    assert custodian.get(url).status_code == 404 and custodian.post(f"{url}/confirm").status_code == 404
    assert api(offering_cast["seller"]).get(f"{offering}/bids").json == []
    for name in ("staff", "issuer", "minfin"):
        assert api(offering_cast[name]).get(f"{offering}/bids").status_code == 403
    early = api(offering_cast["issuer"]).get(f"{offering}/accepted-bids")
    assert early.status_code == 409 and early.json["code"] == "wrong_status"


def test_an_idempotency_key_makes_one_bid(api, offering_cast, clock, offering):
    clock(almaty(START, 11))
    broker = api(offering_cast["brokers"][0])
    for headers in ({}, {"Idempotency-Key": "  "}):
        response = broker.post(f"{offering}/bids", json=client_bid(1), headers=headers)
        assert response.status_code == 400 and response.json["code"] == "idempotency_key_required"
    first = post_bid(broker, offering, "same", client_bid(1))
    again = post_bid(broker, offering, "same", client_bid(1))
    assert (first.status_code, again.status_code) == (201, 200) and first.json == again.json
    too_long = post_bid(broker, offering, "k" * 65, client_bid(2))
    assert too_long.status_code == 422 and list(too_long.json["details"]["headers"]) == ["Idempotency-Key"]
    assert len(broker.get(f"{offering}/bids").json) == 1


def test_a_repeat_that_loses_the_race_to_insert_gets_the_first_bid(api, offering_cast, clock, offering, monkeypatch):
    clock(almaty(START, 11))
    broker = api(offering_cast["brokers"][0])
    first = placed(broker, offering, "raced", client_bid(1))

    def lost_race(*args, **kwargs):
        """As if the first bid were committed between the repeat's look-up and its insert."""
        raise IntegrityError("INSERT", {}, Exception("unique constraint"))

    monkeypatch.setattr(bidding, "submit_bid", lost_race)
    again = post_bid(broker, offering, "raced", client_bid(1))
    assert again.status_code == 200 and again.json == first
    other = post_bid(broker, offering, "never-stored", client_bid(2))
    assert other.status_code == 409 and other.json["code"] == "conflict"
    assert len(broker.get(f"{offering}/bids").json) == 1


def test_the_bid_period_runs_from_its_start_up_to_but_not_at_its_end(api, offering_cast, clock, offering):
    broker = api(offering_cast["brokers"][0])
    clock(almaty(START, 9, 59))
    early = post_bid(broker, offering, "early", client_bid(1))
    assert early.status_code == 422 and early.json["code"] == "window_not_open"
    clock(almaty(START, 10))
    bid = placed(broker, offering, "k", client_bid(1))
    url = f"{offering}/bids/{bid['id']}"
    assert broker.patch(url, json={"price": "1300.0000"}).status_code == 422
    assert broker.patch(url, json={"price": "1150.0000"}).json["price"] == "1150.0000"
    assert broker.delete(url).json["status"] == "withdrawn"
    clock(almaty(END, 18))
    late = post_bid(broker, offering, "late", client_bid(2))
    assert late.status_code == 422 and late.json["code"] == "window_closed"
    assert broker.get(offering).json["status"] == "failed"  # no active bid


def test_the_exchanges_review_of_an_application(api, offering_cast, clock, public_terms):
    seller, staff = api(offering_cast["seller"]), api(offering_cast["staff"])
    url = filed(api, clock, offering_cast["seller"], public_terms)
    no_note = staff.post(f"{url}/refuse", json={})
    assert no_note.status_code == 422 and no_note.json["code"] == "validation_error"
    staff.post(f"{url}/accept")
    changed = staff.put(f"{url}/terms", json=terms_json(replace(public_terms, price_max=Decimal("1250")),
                                                        note="Letter of 1 March"))
    assert changed.status_code == 200, changed.json
    assert (changed.json["price_max"], changed.json["review_note"]) == ("1250.0000", "Letter of 1 March")
    assert seller.get(url).json["review_note"] == "Letter of 1 March"
    refused = staff.post(f"{url}/no-consent", json={"note": "Issue not registered"}).json
    assert (refused["status"], refused["review_note"]) == ("consent_refused", "Issue not registered")
    wrong = staff.post(f"{url}/announce")
    assert wrong.status_code == 409 and wrong.json["code"] == "wrong_status"
    assert staff.post(f"{SUBSCRIPTIONS}/999999/accept").status_code == 404


def test_filing_late_and_paired_applications(api, offering_cast, clock, public_terms):
    seller = api(offering_cast["seller"])
    clock(almaty(START, 9).replace(day=9))
    late = seller.post(SUBSCRIPTIONS, json=terms_json(public_terms))
    assert late.status_code == 422 and late.json["code"] == "filing_late"
    assert list(late.json["details"]["json"]) == ["period_start_at"]
    as_number = seller.post(SUBSCRIPTIONS, json={**terms_json(public_terms), "price_min": 1000})
    assert as_number.status_code == 422 and list(as_number.json["details"]["json"]) == ["price_min"]
    assert seller.get(SUBSCRIPTIONS).json == []
    clock(almaty(FILED_ON, 10))
    first = seller.post(SUBSCRIPTIONS, json=terms_json(public_terms, also_with_ccp=True)).json
    second = seller.get(f"{SUBSCRIPTIONS}/{first['paired_with_id']}").json
    assert (first["with_ccp"], second["with_ccp"], second["paired_with_id"]) == (False, True, first["id"])


@pytest.mark.parametrize("name, method, path", [
    ("issuer", "post", ""),
    ("custodian", "post", ""),
    ("broker", "post", "/accept"),
    ("seller", "post", "/announce"),
    ("seller", "put", "/terms"),
    ("staff", "post", "/bids"),
    ("minfin", "post", "/bids"),
    ("broker", "post", "/bids/1/confirm"),
    ("custodian", "get", "/accepted-bids"),
    ("broker", "post", "/collateral-check"),
    ("issuer", "post", "/satisfied-register"),
    ("staff", "post", "/refuse-all"),
    ("seller", "post", "/deals"),
    ("custodian", "get", "/deals"),
    ("issuer", "post", "/settlement"),
])
def test_wrong_roles_are_refused(api, offering_cast, offering, name, method, path):
    user = offering_cast["brokers"][0] if name == "broker" else offering_cast[name]
    url = SUBSCRIPTIONS if path == "" else f"{offering}{path}"
    response = api(user).open(method.upper(), url, json={})
    assert response.status_code == 403 and response.json["code"] == "forbidden"


def test_confidential_parts_are_not_found_for_other_members(api, offering_cast, clock, offering):
    broker = api(offering_cast["brokers"][0])
    clock(almaty(END, 18))
    for method, path, body in (("GET", "/accepted-bids", None), ("POST", "/satisfied-register", {"rows": []}),
                               ("POST", "/refuse-all", {"reason": "x"})):
        response = broker.open(method, f"{offering}{path}", json=body)
        assert response.status_code == 404 and response.json["code"] == "not_found", path


def test_the_exchanges_note_stays_with_seller_issuer_and_staff(api, offering_cast, clock, public_terms):
    url = filed(api, clock, offering_cast["seller"], public_terms)
    staff = api(offering_cast["staff"])
    staff.post(f"{url}/accept")
    assert staff.post(f"{url}/consent", json={"note": "Consent No. 5"}).json["review_note"] == "Consent No. 5"
    staff.post(f"{url}/announce")
    for name in ("seller", "issuer", "staff"):
        assert api(offering_cast[name]).get(url).json["review_note"] == "Consent No. 5", name
    broker = api(offering_cast["brokers"][0]).get(url).json
    assert broker["status"] == "announced" and broker["review_note"] is None


def test_the_audit_trail_keeps_a_bids_terms_sealed(api, offering_cast, clock, offering, app):
    """Staff read the trail during the period: price, quantity and investor appear only as an
    HMAC, which proves the terms later; the bid's history is its firm's own chain."""
    clock(almaty(START, 11))
    broker = api(offering_cast["brokers"][0])
    bid = placed(broker, offering, "sealed-1", client_bid(7, quantity=13, price="1133.0000"))
    assert broker.patch(f"{offering}/bids/{bid['id']}", json={"quantity": 17}).status_code == 200
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "subscription_bid",
                                                         AuditEvent.object_id == str(bid["id"]))
                                .order_by(AuditEvent.seq)).all()
    assert [event.action for event in events] == ["subscription_bid.submit", "subscription_bid.amend"]
    trail = " ".join(f"{event.before} {event.after}" for event in events)
    for clear in ("1133", iin(7), "Investor 7", '"quantity"', '"amount"'):
        assert clear not in trail
    row = db.session.get(SubscriptionBid, bid["id"])
    assert f'"sealed": "{bidding.sealed_digest(row)}"' in events[-1].after
    assert bidding.sealed_digest(row) not in events[-1].before  # the amendment changed the seal
    stream = f"subscription:{row.subscription_id}:organisation:{row.organisation_id}"
    assert [(event.stream, event.seq) for event in events] == [(stream, 1), (stream, 2)]
