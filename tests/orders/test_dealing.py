"""An order for an external venue goes to the broker's dealing queue: the firm's dealer records
fills (in parts, at the venue's settlement date) or rejects it with a reason the client reads."""
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import func, select

from app.auth.roles import Role
from app.brokerage import services as brokerage
from app.brokerage.models import LedgerEntry, Venue
from app.clock.services import now
from app.extensions import db
from app.orders.models import ClientFill
from app.margin import services as margin
from app.venues import services as venues
from tests.conftest import TEST_PASSWORD
from tests.orders.conftest import DAY, almaty, last_order, place, sign_by_sms


@pytest.fixture
def aix(kase, make_user):
    """KZAP on AIX in the firm's list with a quote; the client holds 25 of them and USD 10 000."""
    office = make_user(Role.BROKER_OFFICE, login="alpha_office", organisation=kase["alpha"])
    venues.add_instrument(db.session, kase["alpha"], venues.InstrumentEntry(
        "aix", "KZAP", "Kazatomprom GDR", "USD", 1, Decimal("0.01"), 2), office, now())
    venues.push_quotes(db.session, kase["alpha"], [{"venue": "aix", "code": "KZAP", "bid": Decimal("40.10"),
                                                   "ask": Decimal("40.30"), "last": Decimal("40.20"),
                                                   "time": almaty(DAY, 11, 55)}], office, now())
    client = kase["client"]
    # The broker's FX table values the client's dollars for the margin check.
    margin.add_fx_rate(db.session, kase["alpha"], margin.FxEntry("USD", Decimal("470")), office, now())
    brokerage.record_deposit(db.session, client, Decimal("10000.00"), "USD", "PP 2", office, now())
    brokerage.record_deposit(db.session, client, Decimal(25), "KZAP", "T 7", office, now(), venue=Venue.AIX)
    db.session.commit()
    return {**kase, "office": office,
            "desk_dealer": make_user(Role.PARTICIPANT, login="alpha_desk", organisation=kase["alpha"])}


def as_dealer(http, user):
    http.post("/logout")
    assert http.post("/login", data={"login": user.login, "password": TEST_PASSWORD}).status_code == 302
    http.post("/language", data={"lang": "en"})
    return http


def money_of(client, currency: str) -> Decimal:
    return db.session.scalar(select(func.sum(LedgerEntry.amount)).where(
        LedgerEntry.client_id == client.id, LedgerEntry.venue.is_(None), LedgerEntry.asset == currency))


def test_a_dealer_fills_an_aix_sell_in_parts_and_rejects_the_rest(aix, as_client):
    http = as_client()
    assert place(http, venue="aix", code="KZAP", side="sell", price="40.20", lots="20").status_code == 302
    sign_by_sms(http, last_order())
    order = last_order()
    assert order.status == "active" and order.market_order_id is None

    dealer = as_dealer(http, aix["desk_dealer"])
    assert "KZAP" in dealer.get("/brokerage/dealing/").text
    refused = dealer.post(f"/brokerage/dealing/{order.id}/fill", data={"lots": "5", "price": "40.10"},
                          follow_redirects=True)
    assert "worse for the client than the order's limit" in unescape(refused.text)
    dealer.post(f"/brokerage/dealing/{order.id}/fill", data={"lots": "15", "price": "40.25"})
    order = last_order()
    assert (order.status, order.filled_lots) == ("partially_filled", 15)
    fill = db.session.scalar(select(ClientFill).where(ClientFill.order_id == order.id))
    assert fill.amount == Decimal("603.75") and fill.settles_on.isoformat() == "2027-03-12"
    assert money_of(aix["client"], "USD") == Decimal("10603.75")
    too_many = dealer.post(f"/brokerage/dealing/{order.id}/fill", data={"lots": "6", "price": "40.25"},
                           follow_redirects=True)
    assert "1 to 5 lots" in too_many.text
    dealer.post(f"/brokerage/dealing/{order.id}/reject", data={"reason": "No buyers left on AIX today"})
    order = last_order()
    assert order.status == "rejected" and order.reason == "No buyers left on AIX today"

    http = as_client()
    page = http.get(f"/cabinet/orders/{order.id}").text
    assert "No buyers left on AIX today" in page and "fill-row" in page


def test_a_market_buy_blocks_the_offer_raised_for_the_move_and_other_firms_see_nothing(aix, as_client, make_user):
    http = as_client()
    place(http, venue="aix", code="KZAP", type="market", price="", lots="10")
    order = last_order()
    assert order.block_per_lot == Decimal("42.32")          # 40.30 × 1.05, up to the step
    sign_by_sms(http, order)
    stranger = make_user(Role.PARTICIPANT, login="beta_desk", organisation=aix["beta"])
    other = as_dealer(http, stranger)
    assert other.get(f"/brokerage/dealing/{order.id}").status_code == 404
    assert other.post(f"/brokerage/dealing/{order.id}/fill", data={"lots": "1", "price": "40"}).status_code == 404
    assert "KZAP" not in other.get("/brokerage/dealing/").text


def test_an_external_venue_takes_orders_only_in_its_hours(aix, as_client, clock):
    http = as_client()
    clock(almaty(DAY, 18))
    answer = place(http, venue="aix", code="KZAP", side="sell", price="40.20", lots="1")
    assert answer.status_code == 422 and "orders are taken from 11:00 to 17:00" in unescape(answer.text)
