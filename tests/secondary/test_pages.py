"""The member's market pages: quotes, the trading screen (place, amend, cancel, refusals),
own orders and trades, positions, direct deals and failed settlements — each firm sees and
touches only its own."""
from datetime import date
from decimal import Decimal

import lxml.html
import pytest
from sqlalchemy import func, select

from app.auth.roles import OrganisationKind, Role
from app.extensions import db
from app.secondary.engine.commands import PlaceOrder
from app.secondary.engine.day import CloseDay, LoadBalance
from app.secondary.models import MarketOrder, MarketTrade
from app.secondary.trading import services
from tests.conftest import TEST_PASSWORD
from tests.secondary.conftest import DAY, almaty, open_day

THURSDAY, FRIDAY = date(2027, 3, 11), date(2027, 3, 12)


@pytest.fixture
def sign_in(app):
    def sign_in(user):
        client = app.test_client()
        response = client.post("/login", data={"login": user.login, "password": TEST_PASSWORD})
        assert response.status_code == 302
        client.post("/language", data={"lang": "en"})
        return client
    return sign_in


@pytest.fixture
def alpha(market_cast, sign_in):
    return sign_in(market_cast["dealer"])


@pytest.fixture
def beta(market_cast, sign_in):
    return sign_in(market_cast["trader"])


def page(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def texts(tree, xpath: str) -> list[str]:
    return [" ".join(node.text_content().split()) for node in tree.xpath(xpath)]


def trade_url(instrument, code: str = "T0") -> str:
    return f"/market/trade/{instrument.id}/{code}"


def order_data(cast, **changes) -> dict:
    data = {"account_id": cast["alpha_own"].id, "side": "buy", "type": "limit", "price": "30000",
            "lots": "10", "client_code": "", "expires_on": "", "idempotency_key": "k-1"}
    return {**data, **changes}


def orders_of(organisation) -> list[MarketOrder]:
    return list(db.session.scalars(select(MarketOrder).where(MarketOrder.organisation_id == organisation.id)
                                   .order_by(MarketOrder.id)))


def field_errors(tree, name: str) -> list[str]:
    return texts(tree, f'//*[@name="{name}"]/ancestor::div[contains(@class, "field")][1]'
                       '//div[@class="field-error"]')


def beta_sells(cast, lots: int, price: str, instrument=None, code: str = "T0"):
    instrument = instrument or cast["share"]
    return services.execute(db.session, PlaceOrder(cast["beta"].id, cast["beta_own"].id, instrument.id, code,
                                                    "sell", "limit", lots, Decimal(price)))


# --- the market page -------------------------------------------------------------------------

def test_the_market_page_shows_quotes_and_the_session_to_any_user(market_cast, alpha, sign_in, make_user):
    beta_sells(market_cast, 4, "29900")
    beta_sells(market_cast, 6, "30300")
    alpha.post(trade_url(market_cast["share"]), data=order_data(market_cast, price="30000", lots="4"))
    issuer = sign_in(make_user(Role.ISSUER))
    tree = page(issuer.get("/market/"))
    assert "Session open" in texts(tree, '//*[@data-testid="session-banner"]')[0]
    assert "11:00–17:00" in texts(tree, '//*[@data-testid="session-banner"]')[0]
    [row] = tree.xpath('//tr[@data-book="KZTK/T0"]')
    cells = texts(row, "./td")
    # bid (none left), ask 30 300, last 29 900: −0.33 % on 30 000; 4 lots, 119 600 ₸, one trade
    assert cells[2:6] == ["—", "30,300.0000", "29,900.0000", "-0.33 %"]
    assert cells[7:10] == ["4", "119,600.00 ₸", "1"]
    assert not row.xpath('.//a[contains(@href, "/market/trade/")]')     # an issuer does not trade
    assert alpha.get("/market/").get_data(as_text=True).count("/market/trade/") == 4


# --- the trading screen ----------------------------------------------------------------------

def test_an_order_placed_on_the_screen_rests_in_the_book_marked_as_ours(market_cast, alpha):
    screen = page(alpha.get(trade_url(market_cast["share"])))
    key = screen.xpath('//input[@name="idempotency_key"]/@value')[0]
    assert len(key) >= 16
    response = alpha.post(trade_url(market_cast["share"]), data=order_data(market_cast, idempotency_key=key))
    assert response.status_code == 302
    again = alpha.post(trade_url(market_cast["share"]), data=order_data(market_cast, idempotency_key=key),
                       follow_redirects=True)
    assert "already placed" in again.get_data(as_text=True)
    [order] = orders_of(market_cast["alpha"])
    assert (order.side, order.price, order.lots, order.status) == ("buy", Decimal("30000"), 10, "active")
    tree = page(alpha.get(trade_url(market_cast["share"])))
    assert len(tree.xpath('//*[@data-testid="own-order"]')) == 1
    assert texts(tree, '//*[@data-testid="own-level"]') == ["● 30,000.0000"]
    assert tree.xpath('//input[@name="idempotency_key"]/@value')[0] != key     # a fresh key for the next one


def test_refusals_for_cover_and_corridor_stand_next_to_their_fields_and_keep_the_input(market_cast, alpha):
    url = trade_url(market_cast["share"])
    response = alpha.post(url, data=order_data(market_cast, lots="1000", client_code="X1"))
    assert response.status_code == 422
    tree = page(response)
    [error] = field_errors(tree, "lots")
    assert error.startswith("Not enough cover: the order needs 30,000,000.00 ₸")
    assert tree.xpath('//input[@name="lots"]/@value') == ["1000"]
    assert tree.xpath('//input[@name="client_code"]/@value') == ["X1"]

    response = alpha.post(url, data=order_data(market_cast, price="40000"))
    assert response.status_code == 422
    [error] = field_errors(page(response), "price")
    assert "outside today's corridor 27,000.0000 – 33,000.0000" in error
    assert page(response).xpath('//input[@name="price"]/@value') == ["40000"]
    assert orders_of(market_cast["alpha"]) == []


def test_an_aggregated_account_needs_a_client_code(market_cast, alpha):
    url = trade_url(market_cast["share"])
    tree = page(alpha.get(url))
    assert "ALPHA_CLIENTS" in " ".join(texts(tree, '//*[@name="client_code"]/following-sibling::div[@class="hint"]'))
    data = order_data(market_cast, account_id=market_cast["alpha_clients"].id, lots="1")
    response = alpha.post(url, data=data)
    assert response.status_code == 422
    assert field_errors(page(response), "client_code") == [
        "An order on an aggregated client account must carry the client's code."]
    assert alpha.post(url, data={**data, "client_code": "C-042"}).status_code == 302
    [order] = orders_of(market_cast["alpha"])
    assert (order.account_id, order.client_code) == (market_cast["alpha_clients"].id, "C-042")


def test_shape_errors_and_unknown_books(market_cast, alpha):
    response = alpha.post(trade_url(market_cast["share"]), data=order_data(market_cast, lots="two"))
    assert response.status_code == 422 and field_errors(page(response), "lots")
    assert alpha.get(trade_url(market_cast["share"], "T9")).status_code == 404
    assert alpha.get("/market/trade/999999/T0").status_code == 404


def test_amend_and_cancel_through_the_screen(market_cast, alpha):
    url = trade_url(market_cast["share"])
    alpha.post(url, data=order_data(market_cast))
    [order] = orders_of(market_cast["alpha"])
    tree = page(alpha.get(url))
    assert "a smaller quantity keeps it" in " ".join(texts(tree, '//*[@data-testid="own-orders"]//p'))

    assert alpha.post(f"/market/orders/{order.id}/amend", data={"price": "30100", "lots": "6"}).status_code == 302
    db.session.refresh(order)
    assert (order.price, order.remaining_lots, order.status) == (Decimal("30100"), 6, "active")

    refused = alpha.post(f"/market/orders/{order.id}/amend", data={"price": "45000", "lots": "6"})
    assert refused.status_code == 422
    tree = page(refused)
    form = tree.xpath('//*[@data-testid="amend-form"]')[0]
    assert "outside today's corridor" in " ".join(texts(form, './/div[@class="field-error"]'))
    assert form.xpath('.//input[@name="price"]/@value') == ["45000"]
    entry = tree.xpath('//*[@data-testid="order-form"]')[0]          # the new-order form stays empty
    assert entry.xpath('.//input[@name="lots"]/@value') in ([], [""])
    assert len(entry.xpath('.//input[@name="idempotency_key"]/@value')[0]) >= 16
    unchanged = page(alpha.post(f"/market/orders/{order.id}/amend", data={"price": "30100", "lots": "6"}))
    assert "neither the price nor the quantity" in unchanged.text_content()

    response = alpha.post(f"/market/orders/{order.id}/cancel", follow_redirects=True)
    assert f"Order {order.id} cancelled." in response.get_data(as_text=True)
    db.session.refresh(order)
    assert order.status == "cancelled"
    again = alpha.post(f"/market/orders/{order.id}/cancel", follow_redirects=True)
    assert "The order is no longer active." in again.get_data(as_text=True)
    late = alpha.post(f"/market/orders/{order.id}/amend", data={"price": "30000", "lots": "6"})
    assert late.status_code == 422
    assert f"Order {order.id}: The order is no longer active." in texts(page(late), '//*[@role="alert"]')


def test_a_firm_neither_sees_nor_touches_another_firms_orders(market_cast, alpha, beta):
    alpha.post(trade_url(market_cast["share"]), data=order_data(market_cast, price="29000"))
    [order] = orders_of(market_cast["alpha"])
    assert beta.post(f"/market/orders/{order.id}/cancel").status_code == 404
    assert beta.post(f"/market/orders/{order.id}/amend", data={"price": "29500", "lots": "1"}).status_code == 404
    screen = page(beta.get(trade_url(market_cast["share"])))
    assert screen.xpath('//*[@data-testid="own-order"]') == [] and screen.xpath('//*[@data-testid="own-level"]') == []
    assert texts(screen, '//*[@data-testid="book"]//td[contains(@class, "bid")]') == ["29,000.0000"]
    assert page(beta.get("/market/orders")).xpath('//*[@data-testid="order"]') == []
    db.session.refresh(order)
    assert order.status == "active"


# --- own orders and trades -------------------------------------------------------------------

def test_the_orders_page_lists_own_orders_with_filters_and_the_days_trades(market_cast, alpha, beta):
    beta_sells(market_cast, 4, "29900")
    url = trade_url(market_cast["share"])
    alpha.post(url, data=order_data(market_cast, lots="10", idempotency_key="a"))
    alpha.post(url, data=order_data(market_cast, price="29000", lots="1", idempotency_key="b"))
    tree = page(alpha.get("/market/orders"))
    assert len(tree.xpath('//*[@data-testid="order"]')) == 2
    [trade] = tree.xpath('//*[@data-testid="trade"]')
    cells = texts(trade, "./td")
    assert cells[4] == "Buy" and cells[5] == "ALPHA_OWN" and cells[-1] == "settled"
    partial = page(alpha.get("/market/orders?status=partial"))
    assert len(partial.xpath('//*[@data-testid="order"]')) == 1
    assert page(alpha.get(f"/market/orders?day={DAY.isoformat()}")).xpath('//*[@data-testid="order"]')
    assert page(alpha.get("/market/orders?day=2027-03-09")).xpath('//*[@data-testid="order"]') == []
    [beta_trade] = page(beta.get("/market/orders")).xpath('//*[@data-testid="trade"]')
    assert texts(beta_trade, "./td")[4:6] == ["Sell", "BETA_OWN"]


def test_positions_page_shows_the_five_positions(market_cast, alpha):
    beta_sells(market_cast, 4, "29900")
    share = trade_url(market_cast["share"])
    alpha.post(share, data=order_data(market_cast, price="29900", lots="4", idempotency_key="a"))
    alpha.post(share, data=order_data(market_cast, price="29000", lots="10", idempotency_key="b"))
    beta_sells(market_cast, 20, "98.5", market_cast["bond"], "T2")
    alpha.post(trade_url(market_cast["bond"], "T2"),
               data=order_data(market_cast, type="market", price="", lots="20", idempotency_key="c"))
    tree = page(alpha.get("/market/positions"))

    def row(account: str, asset: str) -> dict:
        [node] = tree.xpath(f'//tr[@data-account="{account}" and @data-asset="{asset}"]')
        return {cell.get("data-col"): " ".join(cell.text_content().split()) for cell in node.xpath("./td[@data-col]")}

    money = row("ALPHA_OWN", "KZT")
    # 10 000 000 − 4 × 29 900 moved; 10 × 29 000 blocked; the bond due on Friday 12 March
    assert money["incoming"] == "10,000,000.00 ₸" and money["current"] == "9,880,400.00 ₸"
    assert money["planned"] == "9,590,400.00 ₸" and money["settlement"] == "9,590,400.00 ₸"
    bond = services.trades_of(db.session, market_cast["alpha"].id)[-1]
    assert (bond.lots, bond.settles_on) == (20, FRIDAY)
    assert money[FRIDAY.isoformat()] == f"{Decimal('9590400') - bond.amount:,.2f} ₸"
    assert row("ALPHA_OWN", "KZTK") == {"incoming": "0", "current": "4", "planned": "4", "settlement": "4",
                                        FRIDAY.isoformat(): "—"}
    assert row("ALPHA_OWN", "MUM084_0017")[FRIDAY.isoformat()] == "20"
    assert not tree.xpath('//tr[@data-account="BETA_OWN"]')


# --- direct deals ----------------------------------------------------------------------------

def test_a_direct_offer_accepted_by_the_counterparty_makes_a_trade(market_cast, alpha, beta):
    offer = {"counterparty_id": market_cast["beta"].id, "instrument_id": market_cast["share"].id,
             "settlement_code": "T0", "side": "buy", "price": "30100", "lots": "5",
             "account_id": market_cast["alpha_own"].id, "client_code": ""}
    refused = alpha.post("/market/direct", data={**offer, "counterparty_id": ""})
    assert refused.status_code == 422
    assert field_errors(page(refused), "counterparty_id") == [
        "Choose the counterparty the direct deal is addressed to."]
    assert alpha.post("/market/direct", data=offer).status_code == 302
    [sent] = orders_of(market_cast["alpha"])
    assert (sent.board, sent.status, sent.counterparty_id) == ("direct", "offered", market_cast["beta"].id)
    assert texts(page(alpha.get("/market/direct")), '//*[@data-testid="offer-sent"]/td[2]') == ["Beta Broker"]
    assert alpha.post(f"/market/direct/{sent.id}/answer", data={"answer": "accept"}).status_code == 404

    received = page(beta.get("/market/direct")).xpath('//*[@data-testid="offer-received"]')
    assert [node.get("data-order") for node in received] == [str(sent.id)]
    response = beta.post(f"/market/direct/{sent.id}/answer",
                         data={"answer": "accept", "account_id": market_cast["beta_own"].id}, follow_redirects=True)
    assert "a trade is made" in response.get_data(as_text=True)
    [trade] = db.session.scalars(select(MarketTrade)).all()
    assert (trade.kind, trade.price, trade.lots, trade.status) == ("direct", Decimal("30100"), 5, "settled")
    assert (trade.buyer_account_id, trade.seller_account_id) == (market_cast["alpha_own"].id,
                                                                 market_cast["beta_own"].id)
    assert len(page(alpha.get("/market/orders")).xpath('//*[@data-testid="trade"]')) == 1


def test_a_refused_acceptance_keeps_the_answer_form_and_a_rejection_ends_the_offer(market_cast, alpha, beta):
    offer = {"counterparty_id": market_cast["beta"].id, "instrument_id": market_cast["share"].id,
             "settlement_code": "T0", "side": "buy", "price": "30000", "lots": "200",
             "account_id": market_cast["alpha_own"].id, "client_code": ""}
    assert alpha.post("/market/direct", data=offer).status_code == 302
    [sent] = orders_of(market_cast["alpha"])
    no_client = alpha.post("/market/direct", data={**offer, "account_id": market_cast["alpha_clients"].id})
    assert field_errors(page(no_client), "client_code") == [
        "An order on an aggregated client account must carry the client's code."]
    refused = beta.post(f"/market/direct/{sent.id}/answer",
                        data={"answer": "accept", "account_id": market_cast["beta_own"].id})
    assert refused.status_code == 422
    [form] = page(refused).xpath('//*[@data-testid="answer-form"]')
    assert texts(form, './/div[@class="field-error"]') == [
        "Not enough cover: the order needs 200 KZTK and the planned position leaves 100 KZTK (App.6 §1, full cover)."]
    assert form.xpath('.//select[@name="account_id"]/option[@selected]/@value') == [str(market_cast["beta_own"].id)]
    response = beta.post(f"/market/direct/{sent.id}/answer", data={"answer": "reject"}, follow_redirects=True)
    assert "The direct deal is rejected." in response.get_data(as_text=True)
    db.session.refresh(sent)
    assert sent.status == "rejected"
    assert db.session.scalar(select(func.count()).select_from(MarketTrade)) == 0


def test_an_offer_withdrawn_by_its_sender_can_no_longer_be_accepted(market_cast, alpha, beta):
    offer = {"counterparty_id": market_cast["beta"].id, "instrument_id": market_cast["bond"].id,
             "settlement_code": "T2", "side": "buy", "price": "98", "lots": "10",
             "account_id": market_cast["alpha_own"].id, "client_code": ""}
    alpha.post("/market/direct", data=offer)
    [sent] = orders_of(market_cast["alpha"])
    assert beta.post(f"/market/orders/{sent.id}/cancel").status_code == 404
    response = alpha.post(f"/market/orders/{sent.id}/cancel", follow_redirects=True)
    assert response.request.path == "/market/direct" and f"Order {sent.id} cancelled." in response.text
    db.session.refresh(sent)
    assert sent.status == "cancelled"
    late = beta.post(f"/market/direct/{sent.id}/answer",
                     data={"answer": "accept", "account_id": market_cast["beta_own"].id})
    assert late.status_code == 422
    assert f"Offer {sent.id}: The order is no longer active." in texts(page(late), '//*[@role="alert"]')
    [money] = [row for row in services.positions(db.session, market_cast["alpha"].id, DAY)
               if row.account.code == "ALPHA_OWN" and row.asset == "KZT"]
    assert money.planned == money.current and money.ahead == []       # the withdrawn offer's block is released


# --- failed settlements ----------------------------------------------------------------------

def test_a_failed_settlement_is_retried_or_cancelled_from_the_orders_page(market_cast, alpha, beta, clock, sign_in):
    beta_sells(market_cast, 20, "98.5", market_cast["bond"], "T2")
    alpha.post(trade_url(market_cast["bond"], "T2"), data=order_data(market_cast, price="98.5", lots="20"))
    services.execute(db.session, CloseDay())
    for day in (THURSDAY, FRIDAY):
        clock(almaty(day, 10))
        open_day(day)
        if day == FRIDAY:   # the depository reports that Beta no longer holds the bonds
            services.execute(db.session, LoadBalance("BETA_OWN", "MUM084_0017", "0"))
        services.execute(db.session, CloseDay())
    [trade] = db.session.scalars(select(MarketTrade)).all()
    assert trade.status == "failed"

    tree = page(alpha.get("/market/orders"))
    assert [node.get("data-trade") for node in tree.xpath('//*[@data-testid="failed-trade"]')] == [str(trade.id)]
    assert "only the side that could deliver may cancel" in " ".join(
        texts(tree, '//*[@data-testid="failed-settlements"]//p'))
    staff = sign_in(market_cast["staff"])
    assert staff.post(f"/market/trades/{trade.id}/settlement", data={"action": "cancel"}).status_code == 403

    refused = beta.post(f"/market/trades/{trade.id}/settlement", data={"action": "cancel"}, follow_redirects=True)
    assert "Only the side that did not fail may cancel the deal." in refused.get_data(as_text=True)
    retry = beta.post(f"/market/trades/{trade.id}/settlement", data={"action": "retry"}, follow_redirects=True)
    assert "Your agreement to retry is recorded" in retry.get_data(as_text=True)
    done = alpha.post(f"/market/trades/{trade.id}/settlement", data={"action": "cancel"}, follow_redirects=True)
    assert "The deal is cancelled" in done.get_data(as_text=True)
    db.session.refresh(trade)
    assert trade.status == "cancelled"
    assert page(alpha.get("/market/orders")).xpath('//*[@data-testid="failed-trade"]') == []


def test_another_firm_cannot_answer_for_a_settlement_it_is_not_party_to(market_cast, alpha, make_org, make_user,
                                                                          sign_in):
    beta_sells(market_cast, 1, "30000")
    alpha.post(trade_url(market_cast["share"]), data=order_data(market_cast, lots="1"))
    [trade] = db.session.scalars(select(MarketTrade)).all()
    gamma = sign_in(make_user(Role.PARTICIPANT, organisation=make_org(OrganisationKind.MEMBER_FIRM, name="Gamma")))
    assert gamma.post(f"/market/trades/{trade.id}/settlement", data={"action": "retry"}).status_code == 404
    assert page(gamma.get("/market/orders")).xpath('//*[@data-testid="trade"]') == []
    assert page(gamma.get("/market/positions")).xpath('//*[@data-testid="position"]') == []
