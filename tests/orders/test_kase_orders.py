"""A client's order on the desk's market: checked, signed by SMS, sent on the firm's aggregated
client account with the client's code, filled by another firm's order, posted to the ledger."""
from decimal import Decimal
from html import unescape

from sqlalchemy import func, select

from app.brokerage.models import LedgerEntry
from app.cabinet.portfolio import portfolio
from app.extensions import db
from app.orders import services
from app.orders.models import ClientFill, ClientOrder
from app.secondary import services as market
from app.secondary.commands import PlaceOrder
from app.secondary.models import MarketOrder
from tests.orders.conftest import DAY, almaty, last_order, place, sign_by_sms


def kzt(client) -> tuple[Decimal, Decimal]:
    row = next(row for row in portfolio(db.session, client).money if row.currency == "KZT")
    return row.total, row.blocked


def beta_sells(kase, lots: int, price: str = "30000") -> None:
    market.execute(db.session, PlaceOrder(kase["beta"].id, kase["beta_own"].id, kase["share"].id, "T2", "sell",
                                          "limit", lots, Decimal(price)))


def test_an_order_is_checked_then_waits_for_its_signature_and_blocks_nothing(kase, as_client):
    http = as_client()
    response = place(http)
    order = last_order()
    assert response.status_code == 302 and response.location.endswith(f"/cabinet/sign/{order.document_id}")
    assert order.status == "awaiting_signature" and order.amount == Decimal("60000.00")
    assert "Buy 2 KZTK at 30" in order.document.summary
    assert kzt(kase["client"]) == (Decimal("500000.00"), Decimal("0.00"))
    assert db.session.scalar(select(func.count(MarketOrder.id)).where(MarketOrder.client_code.is_not(None))) == 0
    page = http.get(f"/cabinet/sign/{order.document_id}").text
    assert "Buy 2 KZTK" in page and "<Lots>2</Lots>" in page.replace("&lt;", "<").replace("&gt;", ">")


def test_signed_it_goes_to_the_book_on_the_aggregated_account_and_a_fill_posts_to_the_ledger(kase, as_client):
    http = as_client()
    place(http)
    response = sign_by_sms(http, last_order())
    order = last_order()
    assert response.status_code == 302 and response.location.endswith(f"/cabinet/orders/{order.id}")
    assert order.status == "active" and order.market_order_id
    in_book = db.session.get(MarketOrder, order.market_order_id)
    assert in_book.account_id == kase["alpha_clients"].id and in_book.client_code == kase["client"].client_code
    assert kzt(kase["client"]) == (Decimal("500000.00"), Decimal("60000.00"))

    beta_sells(kase, 1)
    assert services.sync_market_orders(db.session, almaty(DAY, 12, 5)) == 1
    db.session.commit()
    order = last_order()
    assert (order.status, order.filled_lots) == ("partially_filled", 1)
    assert kzt(kase["client"]) == (Decimal("470000.00"), Decimal("30000.00"))
    beta_sells(kase, 1)
    services.sync_market_orders(db.session, almaty(DAY, 12, 6))
    services.sync_market_orders(db.session, almaty(DAY, 12, 7))      # twice: posted once
    db.session.commit()
    order = last_order()
    assert order.status == "filled" and kzt(kase["client"]) == (Decimal("440000.00"), Decimal("0.00"))
    shares = db.session.scalar(select(func.sum(LedgerEntry.amount)).where(
        LedgerEntry.client_id == kase["client"].id, LedgerEntry.asset == "KZTK"))
    assert shares == 12
    fills = db.session.scalars(select(ClientFill).where(ClientFill.order_id == order.id)).all()
    assert [fill.settles_on.isoformat() for fill in fills] == ["2027-03-12", "2027-03-12"]   # T+2
    assert "Deal" in http.get("/cabinet/deals").text and http.get(f"/cabinet/deals/{fills[0].id}").status_code == 200


def test_refusals_say_what_is_wrong_and_store_nothing(kase, as_client):
    http = as_client()
    cases = [({"price": "40000"}, "outside today's corridor"), ({"price": "30000.005"}, "multiple of the price step"),
             ({"lots": "20"}, "Not enough free money"), ({"side": "sell", "lots": "11"}, "Not enough free KZTK"),
             ({"lots": "0"}, "whole number of lots"), ({"type": "limit", "price": ""}, "needs a price")]
    for fields, message in cases:
        response = place(http, **fields)
        assert response.status_code == 422 and message in unescape(response.text), fields
    assert db.session.scalar(select(func.count(ClientOrder.id))) == 0


def test_a_closed_session_refuses_and_a_cancel_releases_the_block(kase, as_client, clock):
    http = as_client()
    place(http)
    sign_by_sms(http, last_order())
    order = last_order()
    assert http.post(f"/cabinet/orders/{order.id}/cancel").status_code == 302
    order = last_order()
    assert order.status == "cancelled" and db.session.get(MarketOrder, order.market_order_id).status == "cancelled"
    assert kzt(kase["client"])[1] == Decimal("0.00")
    clock(almaty(DAY, 17, 30))
    assert "trading session is not open" in place(http).text


def test_the_day_over_an_unfilled_order_expires(kase, as_client, clock):
    http = as_client()
    place(http, lots="1")
    sign_by_sms(http, last_order())
    order = last_order()
    assert services.expire_due(db.session, almaty(DAY, 23, 59)) == 0
    assert services.expire_due(db.session, order.valid_until) == 1
    db.session.commit()
    order = last_order()
    assert order.status == "expired" and db.session.get(MarketOrder, order.market_order_id).status != "active"
    assert kzt(kase["client"])[1] == Decimal("0.00")


def test_a_client_sees_only_its_own_orders(kase, as_client, make_client):
    http = as_client()
    place(http)
    order = last_order()
    other = make_client(kase["alpha"], "aigerim", iin="900101300017")
    http = as_client(other)
    assert http.get(f"/cabinet/orders/{order.id}").status_code == 404
    assert http.post(f"/cabinet/orders/{order.id}/cancel").status_code == 404
    assert http.get(f"/cabinet/sign/{order.document_id}").status_code == 404
    assert "order-row" not in http.get("/cabinet/orders").text
