"""The auctions API: sealed bids, the bid window's edges, roles, visibility, and its JSON errors."""
import pytest

from app.placement import bidding
from app.extensions import db
from tests.auctions.api_fixtures import AUCTIONS, api, application_json, bid_json  # noqa: F401
from tests.auctions.conftest import FILED_ON, TRADE_DATE, almaty


@pytest.fixture
def gko(api, cast, clock, gko_terms) -> str:
    """An announced GKO auction; its URL."""
    clock(almaty(FILED_ON, 10))
    auction = api(cast["minfin"]).post(AUCTIONS, json=application_json(gko_terms)).json
    url = f"{AUCTIONS}/{auction['id']}"
    api(cast["staff"]).post(f"{url}/accept")
    assert api(cast["staff"]).post(f"{url}/announce").json["status"] == "announced"
    return url


def bid(caller, url, key, **fields):
    return caller.post(f"{url}/bids", json=bid_json(**fields), headers={"Idempotency-Key": key})


@pytest.mark.parametrize("instant, status, code", [
    (almaty(TRADE_DATE, 8, 59, 59), 422, "window_not_open"),
    (almaty(TRADE_DATE, 9), 201, None),
    (almaty(TRADE_DATE, 11, 59, 59), 201, None),
    (almaty(TRADE_DATE, 12), 422, "window_closed"),
])
def test_the_bid_window_is_open_from_its_opening_up_to_but_not_at_its_close(api, cast, clock, gko, instant,
                                                                             status, code):
    clock(instant)
    response = bid(api(cast["dealers"][0]), gko, "k1", price="86.5000", quantity=10)
    assert response.status_code == status
    assert response.json.get("code") == code


def test_bids_are_sealed_to_their_firm(api, cast, clock, gko):
    clock(almaty(TRADE_DATE, 10))
    a, b = api(cast["dealers"][0]), api(cast["dealers"][1])
    mine = bid(a, gko, "a-1", price="86.5000", quantity=100).json
    bid(b, gko, "b-1", price="86.4000", quantity=100)
    url = f"{gko}/bids/{mine['id']}"
    assert a.get(url).json == mine
    for response in (b.get(url), b.put(url, json=bid_json(price="80.0000", quantity=1)),
                     b.patch(url, json={"quantity": 1}), b.delete(url)):
        assert response.status_code == 404 and response.json["code"] == "not_found"
    assert [row["organisation"]["name"] for row in b.get(f"{gko}/bids").json] == ["Dealer 2"]
    assert a.get(url).json == mine  # untouched
    assert api(cast["custodian"]).get(f"{gko}/bids").json == []
    assert api(cast["staff"]).get(f"{gko}/bids").status_code == 403
    assert api(cast["minfin"]).get(f"{gko}/bids").status_code == 403
    early = api(cast["minfin"]).get(f"{gko}/summary-register")
    assert early.status_code == 409 and early.json["code"] == "wrong_status"
    assert api(cast["custodian"]).post(f"{url}/confirm").status_code == 404  # not on its accounts


def test_an_idempotency_key_is_required(api, cast, clock, gko):
    clock(almaty(TRADE_DATE, 10))
    dealer = api(cast["dealers"][0])
    for headers in ({}, {"Idempotency-Key": "  "}):
        response = dealer.post(f"{gko}/bids", json=bid_json(price="86.5000", quantity=10), headers=headers)
        assert response.status_code == 400 and response.json["code"] == "idempotency_key_required"
    too_long = bid(dealer, gko, "k" * 65, price="86.5000", quantity=10)
    assert too_long.status_code == 422 and list(too_long.json["details"]["headers"]) == ["Idempotency-Key"]
    assert dealer.get(f"{gko}/bids").json == []


def test_a_repeat_creates_one_bid(api, cast, clock, gko):
    clock(almaty(TRADE_DATE, 10))
    dealer = api(cast["dealers"][0])
    first = bid(dealer, gko, "same", price="86.5000", quantity=10)
    again = bid(dealer, gko, "same", price="86.5000", quantity=10)
    assert (first.status_code, again.status_code) == (201, 200) and first.json == again.json
    assert len(dealer.get(f"{gko}/bids").json) == 1


def test_a_repeat_that_loses_the_race_to_insert_gets_the_first_bid(api, cast, clock, gko, monkeypatch):
    clock(almaty(TRADE_DATE, 10))
    dealer = api(cast["dealers"][0])
    first = bid(dealer, gko, "raced", price="86.5000", quantity=10).json
    misses, real = [True], bidding.find_by_key

    def find_by_key(*args):
        """The repeat's first look-up misses, as if the first bid were not committed yet."""
        return None if misses and misses.pop() else real(*args)

    monkeypatch.setattr(bidding, "find_by_key", find_by_key)
    again = bid(dealer, gko, "raced", price="86.5000", quantity=10)
    assert misses == [] and again.status_code == 200 and again.json == first
    assert len(dealer.get(f"{gko}/bids").json) == 1


def test_a_key_belongs_to_one_bid_of_the_firm(api, cast, clock, gko, share_terms):
    clock(almaty(FILED_ON, 10))
    shares = api(cast["issuer"]).post(AUCTIONS, json=application_json(share_terms)).json
    other = f"{AUCTIONS}/{shares['id']}"
    api(cast["staff"]).post(f"{other}/accept")
    api(cast["staff"]).post(f"{other}/announce")
    clock(almaty(TRADE_DATE, 11, 30))
    dealer = api(cast["dealers"][0])
    assert bid(dealer, other, "k", price="1500.0000", quantity=10).status_code == 201
    reused = bid(dealer, gko, "k", price="86.5000", quantity=10)
    assert reused.status_code == 422 and reused.json["code"] == "idempotency_key_reused"
    assert dealer.get(f"{gko}/bids").json == []


def test_a_custodian_refuses_a_bid(api, cast, clock, gko):
    clock(almaty(TRADE_DATE, 10))
    placed = bid(api(cast["dealers"][0]), gko, "k", price="86.5000", quantity=10,
                 custodian_id=cast["custodian_org"].id).json
    refused = api(cast["custodian"]).post(f"{gko}/bids/{placed['id']}/refuse")
    assert refused.status_code == 200
    assert (refused.json["confirmation"], refused.json["status"]) == ("refused", "annulled")
    again = api(cast["custodian"]).post(f"{gko}/bids/{placed['id']}/confirm")
    assert again.status_code == 422 and again.json["code"] == "refused"


def test_change_and_withdraw_a_bid(api, cast, clock, gko):
    clock(almaty(TRADE_DATE, 10))
    dealer = api(cast["dealers"][0])
    url = f"{gko}/bids/{bid(dealer, gko, 'k', price='86.5000', quantity=10).json['id']}"
    patched = dealer.patch(url, json={"quantity": 25})
    assert patched.status_code == 200 and (patched.json["quantity"], patched.json["price"]) == (25, "86.5000")
    replaced = dealer.put(url, json=bid_json(price="86.6000", quantity=30))
    assert (replaced.json["quantity"], replaced.json["price"]) == (30, "86.6000")
    to_market = dealer.patch(url, json={"kind": "market", "price": None})
    assert to_market.status_code == 422 and list(to_market.json["details"]["json"]) == ["kind"]
    assert dealer.delete(url).json["status"] == "withdrawn"
    clock(almaty(TRADE_DATE, 12))
    late = dealer.patch(url, json={"quantity": 5})
    assert late.status_code == 422 and late.json["code"] == "window_closed"


def test_refusals_name_the_rule_and_the_field(api, cast, clock, gko):
    clock(almaty(TRADE_DATE, 10))
    cast["dealers"][0].locale = "en"
    db.session.commit()
    dealer = api(cast["dealers"][0])
    bid(dealer, gko, "l", price="86.5000", quantity=100)
    too_much = bid(dealer, gko, "m", kind="market", quantity=31)
    assert too_much.status_code == 422
    assert too_much.json["code"] == "market_share_exceeded"
    assert too_much.json["details"]["json"]["quantity"] == [too_much.json["message"]]
    assert "30.00 %" in too_much.json["message"]
    as_number = bid(dealer, gko, "n", price=86.5, quantity=1)
    assert as_number.status_code == 422 and list(as_number.json["details"]["json"]) == ["price"]
    too_fine = bid(dealer, gko, "f", price="86.50001", quantity=1)
    assert too_fine.status_code == 422 and list(too_fine.json["details"]["json"]) == ["price"]
    broker = bid(api(cast["broker"]), gko, "x", price="86.5000", quantity=1)
    assert broker.status_code == 422 and broker.json["code"] == "not_primary_dealer"
    assert len(dealer.get(f"{gko}/bids").json) == 1


def test_status_and_rule_refusals(api, cast, clock, gko, gko_terms):
    staff, minfin = api(cast["staff"]), api(cast["minfin"])
    again = staff.post(f"{gko}/accept")
    assert again.status_code == 409 and again.json["code"] == "wrong_status"
    clock(almaty(TRADE_DATE.replace(day=9), 10))
    late = minfin.post(AUCTIONS, json=application_json(gko_terms))
    assert late.status_code == 422 and late.json["code"] == "minfin_filing_late"
    assert list(late.json["details"]["json"]) == ["trade_date"]
    assert staff.post(f"{AUCTIONS}/999999/accept").status_code == 404


@pytest.mark.parametrize("role, method, path", [
    ("dealer", "post", ""),
    ("broker", "post", "/accept"),
    ("minfin", "post", "/announce"),
    ("minfin", "post", "/bids"),
    ("staff", "post", "/bids"),
    ("dealer", "post", "/bids/1/confirm"),
    ("custodian", "post", "/decision"),
    ("dealer", "get", "/summary-register"),
    ("dealer", "get", "/scenarios"),
    ("broker", "post", "/deals"),
    ("issuer", "post", "/settlement"),
    ("staff", "post", "/cancel"),
    ("custodian", "get", "/deals"),
])
def test_wrong_roles_are_refused(api, cast, gko, role, method, path):
    user = cast["dealers"][0] if role == "dealer" else cast[role]
    url = AUCTIONS if path == "" else f"{gko}{path}"
    response = api(user).open(method.upper(), url, json={})
    assert response.status_code == 403 and response.json["code"] == "forbidden"


def test_an_application_is_its_initiators_until_announced(api, cast, clock, gko_terms, share_terms):
    clock(almaty(FILED_ON, 10))
    minfin, issuer, dealer = api(cast["minfin"]), api(cast["issuer"]), api(cast["dealers"][0])
    url = f"{AUCTIONS}/{minfin.post(AUCTIONS, json=application_json(gko_terms)).json['id']}"
    issuers = issuer.post(AUCTIONS, json=application_json(share_terms)).json
    for outsider in (issuer, dealer, api(cast["custodian"])):
        assert outsider.get(url).status_code == 404
    assert issuer.post(f"{url}/cancel", json={}).status_code == 404
    assert [row["id"] for row in issuer.get(AUCTIONS).json] == [issuers["id"]]
    assert {row["id"] for row in api(cast["staff"]).get(AUCTIONS).json} == {issuers["id"], int(url.split("/")[-1])}
    assert minfin.get(url).json["status"] == "submitted"


def test_review_notes_go_to_the_initiator(api, cast, clock, share_terms, gko_terms):
    clock(almaty(FILED_ON, 10))
    staff, issuer = api(cast["staff"]), api(cast["issuer"])
    url = f"{AUCTIONS}/{issuer.post(AUCTIONS, json=application_json(share_terms)).json['id']}"
    blank = staff.post(f"{url}/request-terms", json={"note": "  "})
    assert blank.status_code == 422 and list(blank.json["details"]["json"]) == ["note"]
    asked = staff.post(f"{url}/request-terms", json={"note": "Attach the prospectus."})
    assert asked.json["status"] == "terms_requested" and asked.json["review_note"] == "Attach the prospectus."
    assert issuer.get(url).json["review_note"] == "Attach the prospectus."
    amended = issuer.put(f"{url}/terms", json=application_json(share_terms) | {"declared_quantity": 90_000})
    assert amended.status_code == 200 and amended.json["status"] == "submitted"
    assert amended.json["declared_quantity"] == 90_000
    assert staff.post(f"{url}/refuse", json={"note": "Not eligible."}).json["status"] == "refused"
    gko = api(cast["minfin"]).post(AUCTIONS, json=application_json(gko_terms)).json
    no_terms_step = staff.post(f"{AUCTIONS}/{gko['id']}/request-terms", json={"note": "More."})
    assert no_terms_step.status_code == 422


def test_the_initiator_moves_or_cancels_before_the_start(api, cast, clock, gko):
    minfin = api(cast["minfin"])
    moved = minfin.post(f"{gko}/postpone", json={"new_date": "2027-03-11", "new_open": "10:00"})
    assert moved.status_code == 200, moved.json
    assert (moved.json["trade_date"], moved.json["bids_open_at"]) == ("2027-03-11", "2027-03-11T10:00:00+05:00")
    assert moved.json["bids_close_at"] == "2027-03-11T13:00:00+05:00" and moved.json["postpone_count"] == 1
    earlier = minfin.post(f"{gko}/postpone", json={"new_date": "2027-03-10", "new_open": "09:00"})
    assert earlier.status_code == 422 and earlier.json["code"] == "postpone_only_later"
    clock(almaty(TRADE_DATE.replace(day=11), 10))
    started = minfin.post(f"{gko}/cancel", json={"reason": "Market conditions."})
    assert started.status_code == 422 and started.json["code"] == "already_started"
    clock(almaty(TRADE_DATE, 10))
    cancelled = minfin.post(f"{gko}/cancel", json={"reason": "Market conditions."})
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert api(cast["dealers"][0]).get(gko).json["review_note"] is None


def test_a_refusal_and_a_short_participant(api, cast, clock, gko):
    clock(almaty(TRADE_DATE, 10))
    dealers = [api(dealer) for dealer in cast["dealers"][:2]]
    for n, dealer in enumerate(dealers):
        bid(dealer, gko, f"k{n}", price="86.5000", quantity=600_000)
    clock(almaty(TRADE_DATE, 14))
    minfin = api(cast["minfin"])
    no_reason = minfin.post(f"{gko}/decision", json={"satisfy": False})
    assert no_reason.status_code == 422 and list(no_reason.json["details"]["json"]) == ["reason"]
    assert minfin.post(f"{gko}/decision", json={"satisfy": True, "cutoff_price": "86.5000",
                                                "quantity": 1_000_000}).status_code == 200
    clock(almaty(TRADE_DATE, 15))
    staff = api(cast["staff"])
    deals = staff.post(f"{gko}/deals").json
    assert sorted(deal["quantity"] for deal in deals) == [500_000, 500_000]
    clock(almaty(TRADE_DATE, 16))
    stranger = staff.post(f"{gko}/settlement", json={"short_organisation_ids": [cast["custodian_org"].id]})
    assert stranger.status_code == 422 and list(stranger.json["details"]["json"]) == ["short_organisation_ids"]
    short = cast["dealers"][1].organisation_id
    assert staff.post(f"{gko}/settlement", json={"short_organisation_ids": [short]}).status_code == 200
    statuses = {deal["organisation"]["id"]: deal["status"] for deal in staff.get(f"{gko}/deals").json}
    assert statuses == {cast["dealers"][0].organisation_id: "settled", short: "rejected"}


def test_a_declined_auction(api, cast, clock, gko):
    clock(almaty(TRADE_DATE, 10))
    bid(api(cast["dealers"][0]), gko, "k", price="80.0000", quantity=10)
    clock(almaty(TRADE_DATE, 13))
    minfin = api(cast["minfin"])
    declined = minfin.post(f"{gko}/decision", json={"satisfy": False, "reason": "Prices too low."})
    assert declined.status_code == 200
    assert (declined.json["status"], declined.json["decision"]["reason"]) == ("failed", "Prices too low.")
    assert minfin.get(f"{gko}/scenarios").json["scenarios"] == []


@pytest.mark.parametrize("fields, field", [
    ({"quantity": 2**63}, "quantity"),
    ({"quantity": 10, "custodian_id": 2**31}, "custodian_id"),
    ({"quantity": 10, "custodian_id": -2**31 - 1}, "custodian_id"),
])
def test_a_number_beyond_its_column_is_a_422_naming_the_field(api, cast, clock, gko, fields, field):
    clock(almaty(TRADE_DATE, 10))
    dealer = api(cast["dealers"][0])
    response = dealer.post(f"{gko}/bids", json={"kind": "limit", "price": "86.5000", **fields},
                           headers={"Idempotency-Key": "big"})
    assert response.status_code == 422
    assert field in str(response.json)
    assert dealer.get(f"{gko}/bids").json == []  # nothing half-written


@pytest.mark.parametrize("tail", ["/bids/9223372036854775808", "/bids/2147483648", "/bids/" + "9" * 40])
def test_an_id_beyond_the_id_range_is_not_found_not_a_server_error(api, cast, clock, gko, tail):
    clock(almaty(TRADE_DATE, 10))
    assert api(cast["dealers"][0]).get(gko + tail).status_code == 404
    assert api(cast["staff"]).get(AUCTIONS + "/" + "9" * 30).status_code == 404
