"""The limits of a private placement and of a GKO subscription, over the JSON API."""
from app.auth.roles import Role
from tests.subscriptions.api_fixtures import (SUBSCRIPTIONS, announced, api, client_bid, filed, post_bid,  # noqa: F401
                                              placed, terms_json)
from tests.subscriptions.conftest import FILED_ON, START, almaty


def test_a_private_placement_keeps_to_its_limits(api, offering_cast, clock, private_terms):
    url = announced(api, clock, offering_cast, private_terms)
    one, two = (api(broker) for broker in offering_cast["brokers"])
    clock(almaty(START, 11))

    small = post_bid(one, url, "small", client_bid(1, quantity=99, price="1010.0909"))     # 99,999.00 ₸
    assert small.status_code == 422 and small.json["code"] == "private_minimum"
    unqualified = post_bid(one, url, "unqualified", client_bid(1, quantity=100, price="1000.0000", qualified=False))
    assert unqualified.status_code == 422 and unqualified.json["code"] == "private_qualified_only"
    assert one.get(f"{url}/bids").json == []

    # 50 investors through two members; the 51st is refused, an existing investor is not.
    for n in range(1, 51):
        placed(one if n <= 25 else two, url, f"p-{n}", client_bid(n, quantity=100, price="1000.0000"))
    fifty_first = post_bid(two, url, "p-51", client_bid(51, quantity=100, price="1000.0000"))
    assert fifty_first.status_code == 422 and fifty_first.json["code"] == "private_investor_limit"
    assert list(fifty_first.json["details"]["json"]) == ["investor_iin"]
    again = post_bid(two, url, "p-1-again", client_bid(1, quantity=150, price="1000.0000"))
    assert again.status_code == 201, again.json
    counts = one.get(f"{url}/counts").json
    assert (counts["participants"], counts["investors"], counts["shared_investors"], counts["bids"]) == (2, 50, 1, 51)


def test_a_private_placement_is_seen_by_members_seller_issuer_and_staff_only(api, offering_cast, clock,
                                                                           private_terms, make_user):
    url = announced(api, clock, offering_cast, private_terms)
    subscription_id = int(url.rsplit("/", 1)[1])
    for name in ("seller", "issuer", "staff", "dealer"):
        assert api(offering_cast[name]).get(url).status_code == 200, name
        assert subscription_id in {row["id"] for row in api(offering_cast[name]).get(SUBSCRIPTIONS).json}
    outsiders = [offering_cast["minfin"], offering_cast["custodian"], make_user(Role.ISSUER), make_user(Role.CLIENT)]
    for outsider in outsiders:
        caller = api(outsider)
        assert caller.get(url).status_code == 404, outsider.role
        assert caller.get(f"{url}/counts").status_code == 404
        assert subscription_id not in {row["id"] for row in caller.get(SUBSCRIPTIONS).json}
    assert api(offering_cast["custodian"]).get(f"{url}/bids").status_code == 404


def test_a_custodian_confirms_a_bid_in_a_private_placement_it_cannot_otherwise_see(api, offering_cast, clock,
                                                                                 private_terms):
    url = announced(api, clock, offering_cast, private_terms)
    clock(almaty(START, 11))
    body = client_bid(1, quantity=100, price="1000.0000", custodian_id=offering_cast["custodian_org"].id)
    bid = placed(api(offering_cast["brokers"][0]), url, "c", body)
    custodian = api(offering_cast["custodian"])
    assert [row["id"] for row in custodian.get(f"{url}/bids").json] == [bid["id"]]
    confirmed = custodian.post(f"{url}/bids/{bid['id']}/confirm")
    assert confirmed.status_code == 200 and confirmed.json["confirmation"] == "confirmed"
    assert custodian.get(url).status_code == 404


def test_a_gko_subscription_takes_bids_from_primary_dealers_for_their_own_account(api, offering_cast, clock,
                                                                                gko_terms):
    url = announced(api, clock, offering_cast, gko_terms, seller="minfin")
    staff = api(offering_cast["staff"])
    gko = staff.get(url).json
    assert (gko["column"], gko["is_bond"], gko["issuer"], gko["number"]) == ("gko", True, None, "GKS-2027-0001")
    clock(almaty(START, 11))
    own_account = {"kind": "limit", "quantity": 100, "price": "99.0000"}
    broker = post_bid(api(offering_cast["brokers"][0]), url, "b", own_account)
    assert broker.status_code == 422 and broker.json["code"] == "not_primary_dealer"
    dealer = api(offering_cast["dealer"])
    for_client = post_bid(dealer, url, "c", client_bid(1, quantity=100, price="99.0000"))
    assert for_client.status_code == 422 and list(for_client.json["details"]["json"]) == ["investor_iin"]
    own = placed(dealer, url, "d", {"kind": "limit", "quantity": 1000, "price": "99.5000"})
    assert (own["is_own_account"], own["amount"], own["confirmation"]) == (True, "995000.00", "not_required")
    assert own["investor_name"] == "Dealer One"


def test_gko_is_filed_by_the_ministry_without_the_ccp(api, offering_cast, clock, gko_terms):
    clock(almaty(FILED_ON, 10))
    paired = api(offering_cast["minfin"]).post(SUBSCRIPTIONS, json=terms_json(gko_terms, also_with_ccp=True))
    assert paired.status_code == 422 and list(paired.json["details"]["json"]) == ["with_ccp"]
    assert api(offering_cast["minfin"]).get(SUBSCRIPTIONS).json == []
    url = filed(api, clock, offering_cast["minfin"], gko_terms)
    assert api(offering_cast["minfin"]).get(url).json["column"] == "gko"

