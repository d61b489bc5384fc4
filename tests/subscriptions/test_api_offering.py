"""A public offering driven through the JSON API on the sandbox clock: filing to settlement."""
from tests.subscriptions.api_fixtures import (SUBSCRIPTIONS, announced, api, client_bid, iin,  # noqa: F401
                                              placed, terms_json)
from tests.subscriptions.conftest import END, FILED_ON, START, almaty


def test_a_public_offering_over_the_api(api, offering_cast, clock, public_terms):
    cast = offering_cast
    seller, staff, issuer, custodian = (api(cast[name]) for name in ("seller", "staff", "issuer", "custodian"))
    one, two = (api(broker) for broker in cast["brokers"])

    clock(almaty(FILED_ON, 10))
    filed = seller.post(SUBSCRIPTIONS, json=terms_json(public_terms))
    assert filed.status_code == 201, filed.json
    offering = filed.json
    url = f"{SUBSCRIPTIONS}/{offering['id']}"
    assert (offering["status"], offering["number"], offering["column"], offering["phase"]) == (
        "submitted", None, "securities", None)
    assert offering["period_start_at"] == "2027-03-10T10:00:00+05:00"
    assert (offering["price_max"], offering["minimum_bid_amount"]) == ("1200.0000", "10000.00")
    assert offering["seller"]["name"] == "Seller Capital" and offering["issuer"]["name"] == "KazEnergo JSC"
    assert one.get(url).status_code == 404 and one.get(SUBSCRIPTIONS).json == []
    assert issuer.get(url).json["status"] == "submitted"

    assert staff.post(f"{url}/accept").json["number"] == "SUB-2027-0001"
    assert staff.post(f"{url}/consent", json={}).json["status"] == "consented"
    published = staff.post(f"{url}/announce").json
    assert (published["status"], published["phase"]) == ("announced", "before")
    assert [row["id"] for row in one.get(SUBSCRIPTIONS).json] == [offering["id"]]

    # Two brokers bid for 60 investors; investor 58 bids through both.
    clock(almaty(START, 11))
    assert one.get(url).json["phase"] == "open"
    mine = [placed(one, url, f"one-{n}", client_bid(n)) for n in range(1, 59)]
    theirs = [placed(two, url, f"two-{n}", client_bid(n)) for n in (58, 59, 60)]
    assert (mine[0]["amount"], mine[0]["investor_iin"], mine[0]["is_own_account"]) == ("11000.00", iin(1), False)
    changed = one.patch(f"{url}/bids/{mine[0]['id']}", json={"quantity": 20})
    assert changed.status_code == 200, changed.json
    assert (changed.json["quantity"], changed.json["amount"], changed.json["investor_iin"]) == (20, "22000.00", iin(1))
    assert len(one.get(f"{url}/bids").json) == 58 and len(two.get(f"{url}/bids").json) == 3

    # A custodian refuses a bid on an account it controls: it leaves the register.
    controlled = placed(two, url, "two-61", client_bid(61, custodian_id=cast["custodian_org"].id))
    assert controlled["confirmation"] == "pending"
    assert [bid["id"] for bid in custodian.get(f"{url}/bids").json] == [controlled["id"]]
    refused = custodian.post(f"{url}/bids/{controlled['id']}/refuse").json
    assert (refused["status"], refused["confirmation"]) == ("refused", "refused")

    counts = issuer.get(f"{url}/counts").json
    assert counts == {"participants": 2, "investors": 60, "shared_investors": 1, "bids": 61,
                      "quantity": 620, "amount": "682000.00"}
    early = seller.get(f"{url}/accepted-bids")
    assert early.status_code == 409 and early.json["code"] == "wrong_status"

    # T0: at the check time the depository found bid 60 without cover.
    clock(almaty(END, 17))
    stray = staff.post(f"{url}/collateral-check", json={"unsecured_bid_ids": [controlled["id"]]})
    assert stray.status_code == 422 and list(stray.json["details"]["json"]) == ["unsecured_bid_ids"]
    checked = staff.post(f"{url}/collateral-check", json={"unsecured_bid_ids": [theirs[2]["id"]]})
    assert checked.status_code == 200 and checked.json["refused"] == 1
    assert two.get(f"{url}/bids/{theirs[2]['id']}").json["status_reason"] == "not_secured"

    clock(almaty(END, 18))
    assert seller.get(url).json["status"] == "closed"
    details = {"address": "Almaty, Abai 1", "document": "ID 012345678, 2020-01-01", "account": "KZ-ACC-1"}
    assert one.put(f"{url}/bids/{mine[1]['id']}/investor-details", json=details).json["investor_details"] == details
    assert two.put(f"{url}/bids/{mine[1]['id']}/investor-details", json=details).status_code == 404
    assert one.get(f"{url}/accepted-bids").status_code == 404

    first_page = seller.get(f"{url}/accepted-bids?limit=50").json
    rest = seller.get(f"{url}/accepted-bids?after_id={first_page[-1]['id']}").json
    register = first_page + rest
    assert len(first_page) == 50 and len(register) == 60
    # The seller reads the bids, not the keys the bidders used to send them.
    assert mine[1]["idempotency_key"] == "one-2"
    assert not [bid for bid in register if "idempotency_key" in bid]
    assert theirs[2]["id"] not in {bid["id"] for bid in register}
    assert next(bid for bid in register if bid["id"] == mine[1]["id"])["investor_details"] == details
    assert len(staff.get(f"{url}/accepted-bids?limit=5000").json) == 60

    # The seller's satisfied register: every problem with its row, nothing stored; then a clean one.
    rows = [{"bid_number": bid["id"], "price": "1100.0000", "quantity": bid["quantity"]} for bid in register]
    wrong = [rows[0], {**rows[1], "quantity": rows[1]["quantity"] + 1}, {**rows[2], "bid_number": 999_999}]
    answer = seller.post(f"{url}/satisfied-register", json={"rows": wrong})
    assert answer.status_code == 422 and answer.json["code"] == "register_invalid"
    assert [problem["row"] for problem in answer.json["details"]["rows"]] == [2, 3]
    assert all(problem["message"] for problem in answer.json["details"]["rows"])
    twice = seller.post(f"{url}/satisfied-register", json={"rows": [rows[0], rows[1], rows[0]]})
    assert twice.status_code == 422 and twice.json["details"]["rows"][0]["row"] == 3
    assert seller.get(url).json["status"] == "closed"
    assert two.post(f"{url}/satisfied-register", json={"rows": rows}).status_code == 404
    accepted = seller.post(f"{url}/satisfied-register", json={"rows": rows})
    assert accepted.status_code == 200 and accepted.json["status"] == "allocated"

    clock(almaty(END, 19))
    assert seller.get(f"{url}/deals").json == []
    deals = staff.post(f"{url}/deals")
    assert deals.status_code == 201 and len(deals.json) == 60
    assert deals.json[0]["amount"] == "22000.00" and deals.json[0]["investor_iin"] == iin(1)
    assert len(seller.get(f"{url}/deals").json) == 60 and len(issuer.get(f"{url}/deals").json) == 60
    assert len(one.get(f"{url}/deals").json) == 58
    assert {deal["organisation"]["name"] for deal in two.get(f"{url}/deals").json} == {"Broker 2"}
    assert api(cast["minfin"]).get(f"{url}/deals").status_code == 404

    settled = staff.post(f"{url}/settlement")
    assert settled.status_code == 200 and settled.json["status"] == "settled"
    assert {deal["status"] for deal in one.get(f"{url}/deals").json} == {"settled"}
    again = staff.post(f"{url}/settlement")
    assert again.status_code == 409 and again.json["code"] == "wrong_status"


def test_the_seller_may_refuse_all_bids_with_a_reason(api, offering_cast, clock, public_terms):
    url = announced(api, clock, offering_cast, public_terms)
    one, two = (api(broker) for broker in offering_cast["brokers"])
    clock(almaty(START, 11))
    placed(one, url, "a", client_bid(1))
    placed(two, url, "b", client_bid(2))
    seller = api(offering_cast["seller"])
    early = seller.post(f"{url}/refuse-all", json={"reason": "Market conditions"})
    assert early.status_code == 409 and early.json["code"] == "wrong_status"
    clock(almaty(END, 18))
    assert one.post(f"{url}/refuse-all", json={"reason": "x"}).status_code == 404
    blank = seller.post(f"{url}/refuse-all", json={"reason": "  "})
    assert blank.status_code == 422 and list(blank.json["details"]["json"]) == ["reason"]
    failed = seller.post(f"{url}/refuse-all", json={"reason": "Market conditions"}).json
    assert (failed["status"], failed["failure_reason"], failed["refusal_reason"]) == (
        "failed", "all_refused", "Market conditions")
