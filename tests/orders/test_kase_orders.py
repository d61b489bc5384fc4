"""A client's order on the desk's market: checked, signed by SMS, sent on the firm's aggregated
client account with the client's code, filled by another firm's order, posted to the ledger."""
from decimal import Decimal
from html import unescape
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.brokerage.models import LedgerEntry
from app.cabinet.portfolio import portfolio
from app.extensions import db
from app.orders import reads, services
from app.orders.models import ClientFill, ClientOrder
from app.secondary.engine.commands import PlaceOrder
from app.secondary.models import MarketOrder
from app.secondary.trading import services as market
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
    sheet = load_workbook(BytesIO(http.get("/cabinet/deals.xlsx?date_from=2027-03-01").data)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(row[4], row[7], row[8]) for row in rows] == [("KZTK", 1, 30000), ("KZTK", 1, 30000)]
    orders_sheet = load_workbook(BytesIO(http.get("/cabinet/orders.xlsx?date_from=2027-03-01").data)).active
    assert orders_sheet.cell(2, 1).value == order.id and orders_sheet.cell(2, 10).value == 2


def test_refusals_say_what_is_wrong_and_store_nothing(kase, as_client):
    http = as_client()
    cases = [({"price": "40000"}, "outside today's corridor"), ({"price": "30000.005"}, "multiple of the price step"),
             ({"lots": "20"}, "NPR1 after this order would be -100,000.00"),
             ({"side": "sell", "lots": "11"}, "KZTK cannot be sold short"),
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


def test_a_long_period_is_read_a_page_at_a_time(kase, as_client):
    at = almaty(DAY, 12)
    for number in range(reads.PAGE + 1):
        db.session.add(ClientOrder(client_id=kase["client"].id, firm_id=kase["alpha"].id, venue="kase", code="KZTK",
                                   currency="KZT", side="buy", type="limit", price=Decimal("30000"), lots=1, lot_size=1,
                                   filled_lots=0, block_per_lot=Decimal("30000"), amount=Decimal("30000"),
                                   status="expired", valid_until=at, created_at=at))
    db.session.commit()
    http = as_client()
    first = http.get("/cabinet/orders").text
    assert first.count('data-testid="order-row"') == reads.PAGE and 'data-testid="earlier"' in first
    earlier = unescape(first.split('data-testid="earlier"')[0].rsplit('href="', 1)[1].split('"')[0])
    second = http.get(earlier).text
    assert second.count('data-testid="order-row"') == 1 and 'data-testid="earlier"' not in second
    api = http.get("/api/v1/cabinet/orders").json["orders"]
    assert len(api) == reads.PAGE
    assert len(http.get(f"/api/v1/cabinet/orders?before={api[-1]['id']}").json["orders"]) == 1


def test_a_bad_period_is_refused_with_the_reason(kase, as_client):
    http = as_client()
    for path in ("/cabinet/orders", "/cabinet/deals", "/cabinet/withdrawals/", "/cabinet/orders.xlsx"):
        answer = http.get(f"{path}?date_from=2027-03-10&date_to=2027-03-01")
        assert answer.status_code == 422 and "The start of the period is after its end" in answer.text, path
    api = http.get("/api/v1/cabinet/deals?date_from=2020-01-01&date_to=2027-03-01")
    assert api.status_code == 422 and api.json["code"] == "bad_period"


def test_a_price_beyond_any_instrument_is_refused_not_a_server_error(kase, as_client):
    response = place(as_client(), price="1e30")
    assert response.status_code == 422 and "multiple of the price step" in unescape(response.text)
