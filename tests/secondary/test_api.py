"""The secondary-market JSON API: reference data, books, orders (idempotent, batched, refused by
check code), amendments, trades and positions, each firm sealed from the others."""
import pytest

from app.auth.roles import Role
from app.extensions import db
from tests.auctions.api_fixtures import api  # noqa: F401
from tests.secondary.conftest import DAY, almaty

MARKET = "/api/v1/market"


@pytest.fixture
def cast(market_cast) -> dict:
    """The market cast, every user reading messages in English (the msgid language)."""
    for name in ("dealer", "trader", "staff"):
        market_cast[name].locale = "en"
    db.session.commit()
    return market_cast


@pytest.fixture
def alpha(api, cast):
    return api(cast["dealer"])


@pytest.fixture
def beta(api, cast):
    return api(cast["trader"])


@pytest.fixture
def staff(api, cast):
    return api(cast["staff"])


def order(cast, account="alpha_own", instrument="share", side="buy", lots=1, price="30000.00", **extra) -> dict:
    body = {"account": cast[account].id, "instrument": cast[instrument].id, "settlement_code": "T0",
            "side": side, "type": "limit", "lots": lots, **extra}
    if price is not None:
        body["price"] = price
    return body


def place(caller, body, key=None):
    return caller.post(f"{MARKET}/orders", json=body, headers={"Idempotency-Key": key} if key else {})


# --- reference data and market data ----------------------------------------------------------------

def test_instruments_carry_their_terms_reference_price_and_corridor(api, cast, make_user):
    issuer = make_user(Role.ISSUER)  # any logged-in role reads them
    rows = {row["code"]: row for row in api(issuer).get(f"{MARKET}/instruments").json}
    share, bond = rows["KZTK"], rows["MUM084_0017"]
    assert (share["lot_size"], share["price_step"], share["settlement_codes"]) == (1, "0.0100", ["T0", "T2"])
    assert (share["reference_price"], share["corridor_low"], share["corridor_high"]) == (
        "30000.0000", "27000.0000", "33000.0000")
    assert (bond["price_subject"], bond["face_value"], bond["corridor_low"], bond["corridor_high"]) == (
        "clean", "1000.00", "93.1000", "102.9000")
    assert share["trading_day"] == DAY.isoformat()


def test_the_book_shows_ten_levels_a_side_and_the_last_trades(alpha, beta, staff, cast):
    for lots, price in ((10, "30000.00"), (5, "30000.00"), (3, "29950.00")):
        assert place(alpha, order(cast, lots=lots, price=price)).status_code == 201
    for step in range(12):
        assert place(beta, order(cast, "beta_own", side="sell", price=f"{30100 + step * 10}.00")).status_code == 201
    assert place(beta, order(cast, "beta_own", side="sell", lots=2, price="29000.00")).status_code == 201
    url = f"{MARKET}/books/{cast['share'].id}/T0"
    book = beta.get(url).json
    assert book["bids"] == [{"price": "30000.0000", "lots": 13, "orders": 2},
                            {"price": "29950.0000", "lots": 3, "orders": 1}]
    assert len(book["asks"]) == 10 and book["asks"][0] == {"price": "30100.0000", "lots": 1, "orders": 1}
    assert [(t["price"], t["lots"], t["amount"]) for t in book["trades"]] == [("30000.0000", 2, "60000.00")]
    assert "buyer_account" not in book["trades"][0]
    assert staff.get(url).json == book
    assert beta.get(f"{MARKET}/books/{cast['share'].id}/T5").status_code == 404
    assert beta.get(f"{MARKET}/books/999999/T0").json["code"] == "not_found"


def test_quotes_show_bid_ask_last_change_and_volume(api, alpha, beta, cast, make_user):
    place(alpha, order(cast, lots=10, price="30000.00"))
    place(beta, order(cast, "beta_own", side="sell", lots=4, price="29900.00"))
    place(beta, order(cast, "beta_own", side="sell", lots=1, price="31500.00"))
    quotes = api(make_user(Role.CLIENT)).get(f"{MARKET}/quotes").json
    share = next(q for q in quotes if (q["instrument"], q["settlement_code"]) == ("KZTK", "T0"))
    assert share == {"instrument_id": cast["share"].id, "instrument": "KZTK", "settlement_code": "T0",
                     "bid": "30000.0000", "ask": "31500.0000", "last": "30000.0000", "reference": "30000.0000",
                     "change": "0.00", "lots": 4, "amount": "120000.00", "trades": 1}
    assert len(quotes) == 4


# --- placing orders --------------------------------------------------------------------------------

def test_a_retry_with_the_same_idempotency_key_returns_the_first_order(alpha, cast):
    first = place(alpha, order(cast, lots=10), key="order-1")
    again = place(alpha, order(cast, lots=10), key="order-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert (first.json["duplicate"], again.json["duplicate"]) == (False, True)
    assert {**first.json, "duplicate": True} == again.json
    assert (first.json["status"], first.json["remaining_lots"], first.json["price"]) == ("active", 10, "30000.0000")
    assert [row["id"] for row in alpha.get(f"{MARKET}/orders").json] == [first.json["id"]]


def test_an_order_that_trades_answers_with_its_fills(alpha, beta, cast):
    resting = place(alpha, order(cast, lots=10)).json
    sell = place(beta, order(cast, "beta_own", side="sell", lots=4, price="29900.00"))
    assert sell.status_code == 201
    assert (sell.json["status"], sell.json["remaining_lots"], sell.json["filled_lots"]) == ("filled", 0, 4)
    [fill] = sell.json["fills"]
    assert (fill["price"], fill["lots"], fill["quantity"], fill["amount"]) == ("30000.0000", 4, 4, "120000.00")
    assert fill["traded_at"].endswith("+05:00")
    mine = alpha.get(f"{MARKET}/orders/{resting['id']}").json
    assert (mine["status"], mine["remaining_lots"], mine["filled_lots"]) == ("partial", 6, 4)
    assert [f["trade_id"] for f in mine["fills"]] == [fill["trade_id"]]


def test_a_market_order_fills_what_it_can_and_is_killed(alpha, beta, cast):
    place(beta, order(cast, "beta_own", instrument="bond", side="sell", lots=5, price="98.5"))
    bought = place(alpha, order(cast, instrument="bond", lots=8, price=None, type="market")).json
    assert (bought["type"], bought["price"], bought["filled_lots"], bought["status"]) == ("market", None, 5, "killed")
    assert bought["fills"][0]["price"] == "98.5000"


@pytest.mark.parametrize("changes, code, field, text", [
    ({"lots": 1000}, "insufficient_cover", "lots", "Not enough cover"),
    ({"price": "40000.00"}, "outside_corridor", "price", "33"),
    ({"price": "30000.00005"}, "validation_error", "price", "at most 4 decimal places"),
    ({"price": "30000.001"}, "price_off_step", "price", "price step"),
    ({"account": "alpha_clients"}, "client_code_required", "client_code", "client's code"),
])
def test_a_refused_order_names_the_failed_check(alpha, cast, changes, code, field, text):
    body = order(cast, **{"lots": 1, **changes})
    response = place(alpha, body)
    assert response.status_code == 422
    assert response.json["code"] == code and text in response.json["message"] + str(response.json["details"])
    assert list(response.json["details"]["json"]) == [field]
    assert alpha.get(f"{MARKET}/orders").json == []


def test_orders_are_taken_only_while_the_session_runs(alpha, cast, clock):
    clock(almaty(DAY, 17))
    response = place(alpha, order(cast))
    assert (response.status_code, response.json["code"]) == (422, "session_closed")
    assert response.json["message"] == "The trading session is not open."


def test_other_firms_accounts_are_refused(beta, cast):
    response = place(beta, order(cast, account="alpha_own", side="sell"))
    assert (response.status_code, response.json["code"]) == (422, "unknown_account")


@pytest.mark.parametrize("body_change, headers, location, field", [
    ({"price": 30000}, {}, "json", "price"),
    ({"type": "market"}, {}, "json", "price"),
    ({"lots": 0}, {}, "json", "lots"),
    ({"side": "hold"}, {}, "json", "side"),
    ({"type": "stop"}, {}, "json", "type"),
    ({}, {"Idempotency-Key": "   "}, "headers", "Idempotency-Key"),
    ({}, {"Idempotency-Key": "k" * 81}, "headers", "Idempotency-Key"),
])
def test_a_malformed_order_names_its_field(alpha, cast, body_change, headers, location, field):
    response = alpha.post(f"{MARKET}/orders", json={**order(cast), **body_change}, headers=headers)
    assert (response.status_code, response.json["code"]) == (422, "validation_error")
    assert list(response.json["details"][location]) == [field]


# --- batches -------------------------------------------------------------------------------------

def test_a_batch_answers_each_order_in_turn_and_a_refusal_undoes_no_other(alpha, cast):
    items = [{**order(cast, lots=2), "idempotency_key": "b-1"},
             order(cast, price="40000.00"),
             order(cast, lots=3, price="29990.00")]
    results = alpha.post(f"{MARKET}/orders/batch", json={"orders": items}).json["results"]
    assert [r["accepted"] for r in results] == [True, False, True]
    assert (results[1]["code"], results[1]["field"], results[1]["order"]) == ("outside_corridor", "price", None)
    assert "corridor" in results[1]["message"]
    assert (results[0]["order"]["lots"], results[2]["order"]["lots"]) == (2, 3)
    assert results[0]["order"]["seq"] < results[2]["order"]["seq"]
    again = alpha.post(f"{MARKET}/orders/batch", json={"orders": items[:1]}).json["results"]
    assert again[0]["order"]["duplicate"] is True and again[0]["order"]["id"] == results[0]["order"]["id"]
    assert len(alpha.get(f"{MARKET}/orders").json) == 2


def test_a_batch_matches_within_itself(alpha, beta, cast):
    place(beta, order(cast, "beta_own", side="sell", lots=3, price="30000.00"))
    results = alpha.post(f"{MARKET}/orders/batch", json={"orders": [order(cast, lots=2), order(cast, lots=2)]})
    assert [r["order"]["status"] for r in results.json["results"]] == ["filled", "partial"]
    assert [len(r["order"]["fills"]) for r in results.json["results"]] == [1, 1]


@pytest.mark.parametrize("count", [0, 501])
def test_a_batch_holds_one_to_five_hundred_orders(alpha, cast, count):
    response = alpha.post(f"{MARKET}/orders/batch", json={"orders": [order(cast)] * count})
    assert (response.status_code, response.json["code"]) == (422, "validation_error")
    assert alpha.get(f"{MARKET}/orders").json == []


# --- own orders ----------------------------------------------------------------------------------

def test_another_firms_order_does_not_exist(alpha, beta, cast):
    mine = place(alpha, order(cast, lots=10)).json
    url = f"{MARKET}/orders/{mine['id']}"
    for response in (beta.get(url), beta.delete(url), beta.patch(url, json={"lots": 1})):
        assert (response.status_code, response.json["code"]) == (404, "not_found")
    assert beta.get(f"{MARKET}/orders").json == []
    assert alpha.get(url).json == {key: value for key, value in mine.items() if key != "duplicate"}


def test_orders_filter_by_status_and_instrument(alpha, cast):
    share = place(alpha, order(cast)).json
    bond = place(alpha, order(cast, instrument="bond", price="98.0")).json
    alpha.delete(f"{MARKET}/orders/{share['id']}")
    listed = lambda **query: [row["id"] for row in alpha.get(f"{MARKET}/orders", query_string=query).json]
    assert listed() == [bond["id"], share["id"]]
    assert listed(status="cancelled") == [share["id"]]
    assert listed(status="live") == [bond["id"]]
    assert listed(instrument=cast["share"].id) == [share["id"]]
    assert alpha.get(f"{MARKET}/orders", query_string={"status": "lost"}).status_code == 422


def test_amend_then_cancel(alpha, cast):
    url = f"{MARKET}/orders/{place(alpha, order(cast, lots=10)).json['id']}"
    smaller = alpha.patch(url, json={"lots": 4}).json
    assert (smaller["remaining_lots"], smaller["price"]) == (4, "30000.0000")
    repriced = alpha.patch(url, json={"price": "30100.00"}).json
    assert (repriced["remaining_lots"], repriced["price"]) == (4, "30100.0000")
    unchanged = alpha.patch(url, json={"price": "30100.00", "lots": 4})
    assert (unchanged.status_code, unchanged.json["code"]) == (422, "nothing_changed")
    outside = alpha.patch(url, json={"price": "35000.00"})
    assert (outside.status_code, outside.json["code"]) == (422, "outside_corridor")
    assert alpha.patch(url, json={}).json["code"] == "validation_error"
    cancelled = alpha.delete(url)
    assert (cancelled.status_code, cancelled.json["status"], cancelled.json["remaining_lots"]) == (200, "cancelled", 0)
    again = alpha.delete(url)
    assert (again.status_code, again.json["code"]) == (422, "order_not_active")


# --- trades and positions ------------------------------------------------------------------------

def test_trades_hide_the_other_side_from_members(api, alpha, beta, staff, cast, make_user):
    buy = place(alpha, order(cast, lots=10)).json
    sell = place(beta, order(cast, "beta_own", side="sell", lots=4, price="29900.00")).json
    [mine] = alpha.get(f"{MARKET}/trades").json
    assert (mine["buyer_account"], mine["buy_order_id"], mine["seller_account"], mine["sell_order_id"]) == (
        "ALPHA_OWN", buy["id"], None, None)
    assert (mine["price"], mine["amount"], mine["status"], mine["trade_day"]) == (
        "30000.0000", "120000.00", "settled", DAY.isoformat())
    [theirs] = beta.get(f"{MARKET}/trades").json
    assert (theirs["buyer_account"], theirs["seller_account"], theirs["sell_order_id"]) == (
        None, "BETA_OWN", sell["id"])
    [seen] = staff.get(f"{MARKET}/trades").json
    assert (seen["buyer_account"], seen["seller_account"]) == ("ALPHA_OWN", "BETA_OWN")
    assert staff.get(f"{MARKET}/trades", query_string={"day": "2027-03-09"}).json == []
    outsider = make_user(Role.PARTICIPANT)
    assert api(outsider).get(f"{MARKET}/trades").json == []


def test_positions_are_the_firms_own_and_staff_see_all_or_one(alpha, beta, staff, cast):
    place(alpha, order(cast, lots=10))
    place(beta, order(cast, "beta_own", side="sell", lots=4, price="29900.00"))
    rows = {(row["account_code"], row["asset"]): row for row in alpha.get(f"{MARKET}/positions").json}
    assert set(rows) == {("ALPHA_OWN", "KZT"), ("ALPHA_OWN", "KZTK"), ("ALPHA_CLIENTS", "KZT")}
    money = rows[("ALPHA_OWN", "KZT")]
    assert (money["incoming"], money["current"], money["planned"]) == ("10000000.00", "9880000.00", "9700000.00")
    assert rows[("ALPHA_OWN", "KZTK")]["current"] == "4"
    beta_id = cast["beta"].id
    assert {row["organisation"] for row in staff.get(f"{MARKET}/positions").json} == {
        "Alpha Securities", "Beta Broker"}
    only_beta = staff.get(f"{MARKET}/positions", query_string={"organisation": beta_id}).json
    assert {row["account_code"] for row in only_beta} == {"BETA_OWN"}
    snooping = alpha.get(f"{MARKET}/positions", query_string={"organisation": beta_id}).json
    assert {row["account_code"] for row in snooping} == {"ALPHA_OWN", "ALPHA_CLIENTS"}


# --- the document ----------------------------------------------------------------------------------

def test_the_openapi_document_lists_the_market_api(client, cast):
    spec = client.get("/api/v1/openapi.json").json
    assert set(spec["paths"]) >= {f"{MARKET}/{path}" for path in (
        "instruments", "quotes", "books/{instrument_id}/{code}", "orders", "orders/batch", "orders/{order_id}",
        "trades", "positions")}
    place_order = spec["paths"][f"{MARKET}/orders"]["post"]
    assert {"200", "201", "422"} <= set(place_order["responses"])
    assert place_order["security"] == [{"bearer": ["participant", "primary_dealer"]}]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in place_order["parameters"])
    assert spec["paths"][f"{MARKET}/instruments"]["get"]["security"] == [{"bearer": []}]

