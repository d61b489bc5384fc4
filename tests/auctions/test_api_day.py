"""A whole GKO day, and an issuer's share placement, driven through the JSON API on the sandbox clock."""
import json

from tests.auctions.api_fixtures import AUCTIONS, api, application_json, bid_json, keys_in  # noqa: F401
from tests.auctions.conftest import FILED_ON, TRADE_DATE, almaty


def filed(api, clock, user, terms) -> dict:
    clock(almaty(FILED_ON, 10))
    response = api(user).post(AUCTIONS, json=application_json(terms))
    assert response.status_code == 201, response.json
    return response.json


def announced(api, clock, cast, user, terms) -> dict:
    auction = filed(api, clock, user, terms)
    staff = api(cast["staff"])
    assert staff.post(f"{AUCTIONS}/{auction['id']}/accept").status_code == 200
    response = staff.post(f"{AUCTIONS}/{auction['id']}/announce")
    assert response.status_code == 200, response.json
    return response.json


def placed(caller, url, key, **bid) -> dict:
    response = caller.post(f"{url}/bids", json=bid_json(**bid), headers={"Idempotency-Key": key})
    assert response.status_code == 201, response.json
    return response.json


def test_a_gko_day(api, cast, clock, gko_terms):
    minfin, staff, custodian = api(cast["minfin"]), api(cast["staff"]), api(cast["custodian"])
    d1, d2, d3 = (api(dealer) for dealer in cast["dealers"])
    custodian_id = cast["custodian_org"].id

    application = filed(api, clock, cast["minfin"], gko_terms)
    url = f"{AUCTIONS}/{application['id']}"
    assert (application["status"], application["number"], application["column"]) == ("submitted", None, "gko")
    assert application["face_value"] == "1000.00" and application["market_share_percent"] == "30.00"
    assert application["bids_open_at"] == "2027-03-10T09:00:00+05:00"
    assert application["payment_date"] == "2027-03-10"
    assert d1.get(url).status_code == 404
    assert d1.get(AUCTIONS).json == []

    accepted = staff.post(f"{url}/accept").json
    assert accepted["status"] == "accepted" and accepted["number"] == "GKO-2027-0001"
    assert staff.post(f"{url}/announce").json["status"] == "announced"
    seen = d1.get(url).json
    assert seen["phase"] == "before_open" and seen["decision"] is None
    assert [row["id"] for row in d1.get(AUCTIONS).json] == [application["id"]]

    clock(almaty(TRADE_DATE, 10))
    assert d1.get(url).json["phase"] == "bidding"
    first = placed(d1, url, "d1-1", price="86.5000", quantity=400_000)
    repeat = d1.post(f"{url}/bids", json=bid_json(price="86.5000", quantity=400_000),
                     headers={"Idempotency-Key": "d1-1"})
    assert repeat.status_code == 200 and repeat.json == first
    placed(d1, url, "d1-2", kind="market", quantity=100_000)
    confirmed = placed(d2, url, "d2-1", price="86.4000", quantity=500_000, custodian_id=custodian_id)
    lapsing = placed(d3, url, "d3-1", price="86.3000", quantity=300_000, custodian_id=custodian_id)
    assert confirmed["confirmation"] == "pending" and first["confirmation"] == "not_required"
    assert first["price"] == "86.5000" and first["yield_pct"] is not None
    assert [bid["kind"] for bid in d1.get(f"{url}/bids").json] == ["limit", "market"]
    assert [bid["id"] for bid in d2.get(f"{url}/bids").json] == [confirmed["id"]]
    assert {bid["id"] for bid in custodian.get(f"{url}/bids").json} == {confirmed["id"], lapsing["id"]}

    clock(almaty(TRADE_DATE, 12, 10))
    assert d1.get(url).json["phase"] == "confirming"
    assert custodian.post(f"{url}/bids/{confirmed['id']}/confirm").json["confirmation"] == "confirmed"

    clock(almaty(TRADE_DATE, 12, 30))
    assert minfin.get(url).json["status"] == "closed"
    annulled = d3.get(f"{url}/bids/{lapsing['id']}").json
    assert (annulled["status"], annulled["status_reason"]) == ("annulled", "not_confirmed_in_time")

    register = minfin.get(f"{url}/summary-register").json
    assert register["named"] is True
    assert [level["price"] for level in register["levels"]] == ["86.5000", "86.4000"]
    assert [level["cumulative_quantity"] for level in register["levels"]] == [400_000, 900_000]
    assert (register["market_bid_count"], register["market_quantity"]) == (1, 100_000)
    assert register["figures"]["participants"] == 2 and register["figures"]["bids_all"] == 4
    assert register["figures"]["demand_to_supply"] == "1.0000"
    assert [bid["organisation"]["name"] for bid in register["bids"]] == ["Dealer 1", "Dealer 2", "Dealer 1"]
    assert staff.get(f"{url}/summary-register").json["named"] is True

    explored = minfin.get(f"{url}/scenarios?quantity=1000000&market_fill_percent=100").json
    assert (explored["quantity"], explored["market_fill_percent"]) == (1_000_000, "100.00")
    assert [row["cutoff_price"] for row in explored["scenarios"]] == ["86.5000", "86.4000"]
    assert [row["placed_quantity"] for row in explored["scenarios"]] == [500_000, 1_000_000]
    assert explored["scenarios"][1]["pro_rata_ratio"] == "1.000000"

    clock(almaty(TRADE_DATE, 14))
    decision = {"satisfy": True, "cutoff_price": "86.4000", "quantity": 800_000}
    decided = minfin.post(f"{url}/decision", json=decision).json
    assert decided["status"] == "decided"
    assert decided["decision"] | {"decided_at": None} == {
        "satisfied": True, "cutoff_price": "86.4000", "quantity": 800_000, "market_fill_percent": "100.00",
        "reason": None, "decided_at": None}
    assert d1.get(url).json["decision"] is None  # not public before the results

    clock(almaty(TRADE_DATE, 14, 59))
    early = staff.post(f"{url}/deals")
    assert early.status_code == 422 and early.json["code"] == "refused"
    clock(almaty(TRADE_DATE, 15))
    deals = staff.post(f"{url}/deals")
    assert deals.status_code == 201
    assert sum(deal["quantity"] for deal in deals.json) == 800_000
    assert {deal["organisation"]["name"] for deal in deals.json} == {"Dealer 1", "Dealer 2"}
    assert len(minfin.get(f"{url}/deals").json) == len(deals.json)
    own = d1.get(f"{url}/deals").json
    assert own and {deal["organisation"]["name"] for deal in own} == {"Dealer 1"}
    assert d3.get(f"{url}/deals").json == []

    clock(almaty(TRADE_DATE, 16))
    settled = staff.post(f"{url}/settlement", json={"short_organisation_ids": []})
    assert settled.status_code == 200 and settled.json["status"] == "settled"
    assert {deal["status"] for deal in staff.get(f"{url}/deals").json} == {"settled"}
    assert d1.get(url).json["decision"]["cutoff_price"] == "86.4000"


def test_an_issuers_summary_register_names_nobody(api, cast, clock, share_terms):
    issuer, staff = api(cast["issuer"]), api(cast["staff"])
    broker, dealer = api(cast["broker"]), api(cast["dealers"][0])
    auction = announced(api, clock, cast, cast["issuer"], share_terms)
    url = f"{AUCTIONS}/{auction['id']}"
    clock(almaty(TRADE_DATE, 11, 30))
    client = {"client_name": "Aigerim Nurlanova", "client_iin": "900101400123", "investor_type": "individual"}
    broker_bid = placed(broker, url, "b-1", price="1500.0000", quantity=60_000, **client)
    placed(dealer, url, "d-1", price="1450.0000", quantity=50_000)

    clock(almaty(TRADE_DATE, 13, 30))
    response = issuer.get(f"{url}/summary-register")
    assert response.status_code == 200
    register = response.json
    assert register["named"] is False
    assert [level["price"] for level in register["levels"]] == ["1500.0000", "1450.0000"]
    assert register["figures"]["investor_shares"] == {"broker_dealer": "45.45", "individual": "54.55"}
    text = response.get_data(as_text=True)
    for identity in ("Broker Four", "Dealer 1", "Aigerim", "900101400123", "b-1", "d-1"):
        assert identity not in text
    assert not keys_in(register) & {"bids", "organisation", "organisation_id", "bid_id", "id", "client_name",
                                    "client_iin", "idempotency_key"}
    assert json.loads(text) == register
    named = staff.get(f"{url}/summary-register").json
    assert {bid["organisation"]["name"] for bid in named["bids"]} == {"Broker Four", "Dealer 1"}

    clock(almaty(TRADE_DATE, 15))
    decided = issuer.post(f"{url}/decision", json={"satisfy": True, "cutoff_price": "1450.0000", "quantity": 110_000})
    assert decided.status_code == 200, decided.json
    clock(almaty(TRADE_DATE, 16))
    assert staff.post(f"{url}/deals").status_code == 201
    register_of_deals = {deal["bid_id"]: deal for deal in issuer.get(f"{url}/deals").json}
    assert register_of_deals[broker_bid["id"]]["organisation"]["name"] == "Broker Four"
    assert register_of_deals[broker_bid["id"]]["client_iin"] == "900101400123"
    assert [deal["price"] for deal in register_of_deals.values()] == ["1450.0000", "1450.0000"]  # uniform price
    assert broker.get(f"{url}/deals").json == [register_of_deals[broker_bid["id"]]]
