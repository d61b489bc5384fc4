"""Forced close-out (issue 13, item 5): at a margin call's deadline by the worker, by the risk
staff from the preview, on the record of the client's death; the minimal whole lots sold at
market on the desk's market, re-evaluated after each fill; an order nobody takes waits for a
later round; a shortfall is a debt. The cast: tests/margin/cast.py (after `crash()`: NPR1 =
−850,000, and 63 shares at 27,000 bring it back to 500)."""
import re
from decimal import Decimal
from html import unescape

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.roles import Role
from app.brokerage.models import LedgerSource, Venue
from app.clock.services import now
from app.domain import margin
from app.extensions import db
from app.margin.models import CloseOut, MarginDebt
from app.margin.risk import client_risk
from app.orders.models import ClientOrder, OrderStatus
from app.secondary.models import JournalEntry, MarketOrder
from app.secondary.reference import services as reference
from app.venues import services as venues
from tests.margin.cast import (THURSDAY, as_client, calls_of, count, desk, kase, log_in, make_client,  # noqa: F401
                               market_cast, notices, round_)
from tests.api.conftest import issue_token  # noqa: F401 — fixture
from tests.orders.conftest import DAY, OTHER_IIN, almaty, last_order, place, sign_by_sms
from tests.secondary.conftest import clock  # noqa: F401 — fixture


def figures_of(client) -> margin.Figures:
    db.session.expire_all()
    return client_risk(db.session, client, now()).figures


def close_out_orders(client) -> list[ClientOrder]:
    db.session.expire_all()
    return list(db.session.scalars(select(ClientOrder).where(ClientOrder.client_id == client.id,
                                                             ClientOrder.close_out.is_(True)).order_by(ClientOrder.id)))


def test_the_worker_closes_out_at_the_deadline_with_the_minimal_whole_lots(desk, round_, clock):
    round_()
    desk.crash()
    round_()
    [call] = calls_of(desk.client)
    assert call.deadline == almaty(THURSDAY, 17)
    desk.next_day(clock)
    desk.resting_buy(100, "27000")
    round_()
    assert count(CloseOut) == 0                    # 10:00 Thursday: the deadline has not passed
    risk = client_risk(db.session, desk.client, now())
    [step] = margin.close_out_plan(risk.portfolio, risk.rates)
    assert (step.instrument, step.side, step.lots) == (("kase", "KZTK"), "sell", 63)

    clock(almaty(THURSDAY, 17, 1))
    round_()
    [order] = close_out_orders(desk.client)
    assert (order.side, order.type, order.lots, order.filled_lots, order.status) == ("sell", "market", 63, 63, "filled")
    assert order.document_id is None and "deadline passed" in order.reason
    assert figures_of(desk.client).npr1 == Decimal("500")
    [close_out] = db.session.scalars(select(CloseOut))
    assert (close_out.ground, close_out.status, close_out.started_by_id) == ("deadline", "done", None)
    assert calls_of(desk.client)[0].status == "closed_out"
    assert len(notices(desk.client, "margin_close_out")) == 1 and len(notices(desk.client, "order_filled")) == 1
    placed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "client_order.close_out_placed"))
    assert '"close_out": true' in placed.after
    # Marked in the matcher's journal too, under the client's code.
    journal = db.session.scalar(select(JournalEntry).where(JournalEntry.idempotency_key == f"close-out-order-{order.id}"))
    assert journal is not None and db.session.get(MarketOrder, order.market_order_id).client_code == desk.client.client_code

    round_()                                       # nothing more to do: no second order
    assert len(close_out_orders(desk.client)) == 1


def test_the_staff_preview_lists_the_plan_and_execute_cancels_the_picked_orders(desk, round_, client, as_client):
    http = as_client()
    for price, lots in (("33000", "5"), ("32000", "3")):
        assert place(http, side="sell", price=price, lots=lots).status_code == 302
        sign_by_sms(http, last_order())
    first, second = db.session.scalars(select(ClientOrder).order_by(ClientOrder.id)).all()
    desk.crash()
    round_()
    log_in(client, desk.risk)
    page = unescape(client.get(f"/brokerage/risk/clients/{desk.client.id}").text)
    assert "-850,000.00" in page
    assert re.findall(r'data-testid="close-out-order" data-code="(\w+)" data-quantity="(\d+)"', page) == [("KZTK", "63")]
    assert 'data-testid="close-out-execute"' in page
    done = client.post(f"/brokerage/risk/clients/{desk.client.id}/close-out",
                       data={"cancel": [str(first.id)]})
    assert done.status_code == 302
    db.session.expire_all()
    assert (db.session.get(ClientOrder, first.id).status, db.session.get(ClientOrder, second.id).status) == \
        ("cancelled", "active")
    assert "forced close-out" in db.session.get(ClientOrder, first.id).reason
    assert len(notices(desk.client, "order_cancelled_by_broker")) == 1
    # Nobody bids for KZTK: no order is sent to be killed; the close-out waits and says so.
    [close_out] = db.session.scalars(select(CloseOut))
    assert (close_out.status, close_out.waiting, close_out.waiting_code) == ("running", "no_counterparty", "KZTK")
    assert close_out_orders(desk.client) == []
    drill = unescape(client.get(f"/brokerage/risk/clients/{desk.client.id}").text)
    assert "waits for a counterparty in the book" in drill

    desk.resting_buy(100, "27000")
    round_()
    [order] = close_out_orders(desk.client)
    assert (order.lots, order.filled_lots) == (63, 63) and figures_of(desk.client).npr1 >= 0
    db.session.expire_all()
    assert db.session.get(CloseOut, close_out.id).status == "done"
    # The close-out is marked in the client's lists.
    cabinet = as_client()
    assert "forced close-out" in cabinet.get("/cabinet/orders").text
    assert "forced close-out" in cabinet.get("/cabinet/deals").text
    assert "without your signature" in cabinet.get(f"/cabinet/orders/{order.id}").text


def test_a_killed_order_is_shown_and_tried_again_later(desk, round_, client, clock):
    """A bid for 10 only: the market order sells 10 and the rest is killed; the plan goes on next
    round with a fresh buyer."""
    desk.crash()
    round_()
    desk.resting_buy(10, "27000")
    log_in(client, desk.risk)
    client.post(f"/brokerage/risk/clients/{desk.client.id}/close-out")
    [order] = close_out_orders(desk.client)
    assert (order.lots, order.filled_lots, order.status) == (63, 10, "cancelled")
    [close_out] = db.session.scalars(select(CloseOut))
    assert (close_out.status, close_out.waiting) == ("running", "no_counterparty")
    desk.resting_buy(100, "27000")
    round_()
    second = close_out_orders(desk.client)[-1]
    assert (second.lots, second.filled_lots) == (53, 53)        # 13,500 × 53 = 715,500 of the 715,000 left
    assert figures_of(desk.client).npr1 >= 0


def test_a_shortfall_after_selling_everything_is_a_debt_shown_and_told(desk, round_, client, as_client):
    desk.post(desk.client, "KZT", "-800000")       # money −3,000,000: selling all 100 leaves −300,000
    desk.crash()
    round_()
    desk.resting_buy(100, "27000")
    log_in(client, desk.risk)
    client.post(f"/brokerage/risk/clients/{desk.client.id}/close-out")
    [order] = close_out_orders(desk.client)
    assert (order.lots, order.filled_lots) == (100, 100), (order.status, order.reason)
    [debt] = db.session.scalars(select(MarginDebt))
    assert (debt.amount, debt.due_on, debt.status) == (Decimal("300000.00"), THURSDAY, "open")
    assert db.session.scalar(select(CloseOut.status)) == "shortfall"
    [told] = notices(desk.client, "margin_debt")
    assert told.params == {"amount": "300,000.00\u00a0₸", "due": "11.03.2027"}
    page = unescape(as_client().get("/cabinet/risk").text)
    assert "You owe your broker 300,000.00\u00a0₸ after a forced close-out: pay it by the end of 11.03.2027." in page
    desk.post(desk.client, "KZT", "300000", source=LedgerSource.DEPOSIT)
    round_()
    assert db.session.scalar(select(MarginDebt.status)) == "repaid"


def test_the_record_of_the_clients_death_starts_the_close_out(desk, round_, client):
    desk.post(desk.client, "KZT", "-200000")       # NPR1 = 600,000 − 750,000 < 0, NPR2 > 0: no call
    round_()
    assert calls_of(desk.client) == []
    desk.resting_buy(100, "30000")
    log_in(client, desk.risk)
    refused = client.post(f"/brokerage/risk/clients/{desk.client.id}/death", data={"reference": " "})
    assert refused.status_code == 302 and count(CloseOut) == 0
    done = client.post(f"/brokerage/risk/clients/{desk.client.id}/death",
                       data={"reference": "Death certificate № 0042, 09.03.2027, Almaty registry office"})
    assert done.status_code == 302
    [close_out] = db.session.scalars(select(CloseOut))
    assert (close_out.ground, close_out.status, close_out.started_by_id) == ("death", "done", desk.risk.id)
    assert close_out.reference.startswith("Death certificate")
    # 150,000 short at 7,500 a share: 20 shares.
    assert [(o.lots, o.filled_lots) for o in close_out_orders(desk.client)] == [(20, 20)]
    assert count(AuditEvent, AuditEvent.action == "broker_client.death_recorded") == 1


def test_the_staff_demand_the_call_today_and_suspend_the_orders(desk, round_, client, as_client):
    http = as_client()
    assert place(http, side="sell", price="33000", lots="5").status_code == 302
    sign_by_sms(http, last_order())
    desk.crash()
    round_()
    log_in(client, desk.risk)
    assert client.post(f"/brokerage/risk/clients/{desk.client.id}/call/same-day").status_code == 302
    [call] = calls_of(desk.client)
    assert (call.deadline, call.demanded_same_day) == (almaty(DAY, 17), True)
    assert notices(desk.client, "margin_call_today")[0].params["deadline"] == "10.03.2027 17:00"
    again = client.post(f"/brokerage/risk/clients/{desk.client.id}/call/same-day", follow_redirects=True)
    assert "already demanded" in again.text
    assert client.post(f"/brokerage/risk/clients/{desk.client.id}/call/suspend-orders").status_code == 302
    db.session.expire_all()
    assert last_order().status == OrderStatus.CANCELLED and calls_of(desk.client)[0].orders_suspended_at is not None
    assert "until the margin call is met" in notices(desk.client, "order_cancelled_by_broker")[0].params["reason"]


def test_the_broker_does_not_close_out_a_client_at_or_above_m0(desk, round_, client):
    round_()
    log_in(client, desk.risk)
    answer = client.post(f"/brokerage/risk/clients/{desk.client.id}/close-out", follow_redirects=True)
    assert "there is nothing to close out" in answer.text and count(CloseOut) == 0


def test_an_aix_position_is_closed_out_through_the_dealing_queue(desk, round_, client, make_user):
    """KZAP on AIX at 1,000 ₸ and 60 %, bought on credit: NPR1 = −10,000. The plan sells KZAP first
    (the higher rate): 17 of them; the order waits in the firm's dealing queue, marked."""
    venues.add_instrument(db.session, desk.cast["alpha"], venues.InstrumentEntry(
        "aix", "KZAP", "Kazatomprom GDR", "KZT", 1, Decimal("0.01"), 2), desk.office, now())
    venues.push_quotes(db.session, desk.cast["alpha"], [{"venue": "aix", "code": "KZAP", "bid": Decimal("1000"),
                                                        "ask": Decimal("1000"), "last": Decimal("1000"),
                                                        "time": almaty(DAY, 11, 55)}], desk.office, now())
    db.session.commit()
    desk.set_rate("KZAP", "60", venue=Venue.AIX)
    desk.post(desk.client, "KZAP", 100, Venue.AIX)
    desk.post(desk.client, "KZT", "-100000")
    round_()
    assert figures_of(desk.client).npr1 == Decimal("-10000")
    log_in(client, desk.risk)
    client.post(f"/brokerage/risk/clients/{desk.client.id}/close-out")
    [order] = close_out_orders(desk.client)
    assert (order.venue, order.code, order.side, order.lots, order.status) == ("aix", "KZAP", "sell", 17, "active")
    assert db.session.scalar(select(CloseOut.waiting)) == "dealer"

    dealer = log_in(client, make_user(Role.PARTICIPANT, login="alpha_desk", organisation=desk.cast["alpha"]))
    queue = unescape(dealer.get("/brokerage/dealing/").text)
    assert "forced close-out" in queue
    assert "forced close-out, unsigned" in unescape(dealer.get(f"/brokerage/dealing/{order.id}").text)
    assert dealer.post(f"/brokerage/dealing/{order.id}/fill", data={"lots": "17", "price": "1000"}).status_code == 302
    round_()
    assert figures_of(desk.client).npr1 == Decimal("200")
    assert db.session.scalar(select(CloseOut.status)) == "done"


def test_the_client_reads_a_close_out_order_in_the_api(desk, round_, client, as_client):
    desk.crash()
    round_()
    desk.resting_buy(100, "27000")
    log_in(client, desk.risk)
    client.post(f"/brokerage/risk/clients/{desk.client.id}/close-out")
    http = as_client()
    [order] = [row for row in http.get("/api/v1/cabinet/orders").json["orders"] if row["close_out"]]
    assert order["summary"] == "Sell 63 KZTK at the market" and order["document_id"] is None
    assert "deadline" not in order["reason"] and "risk staff" in order["reason"]


def test_the_risk_staff_act_through_the_api_too(desk, round_, app, as_client, issue_token, make_client):
    http = as_client()
    assert place(http, side="sell", price="33000", lots="5").status_code == 302
    sign_by_sms(http, last_order())
    desk.crash()
    round_()
    staff = {"Authorization": f"Bearer {issue_token(desk.risk)}"}
    office = {"Authorization": f"Bearer {issue_token(desk.office)}"}
    client = app.test_client()          # no session: the tokens speak
    base = f"/api/v1/brokerage/risk/clients/{desk.client.id}"
    assert client.post(f"{base}/call/same-day", headers=office).status_code == 403
    demanded = client.post(f"{base}/call/same-day", headers=staff)
    assert demanded.status_code == 200, demanded.json
    assert demanded.json["demanded_same_day"] is True
    assert demanded.json["deadline"] == "2027-03-10T17:00:00+05:00"
    assert client.post(f"{base}/call/same-day", headers=staff).json["code"] == "already_demanded"
    assert client.post(f"{base}/call/suspend-orders", headers=staff).json == {"cancelled": 1}
    desk.resting_buy(100, "27000")
    started = client.post(f"{base}/close-out", json={}, headers=staff)
    assert started.status_code == 201, started.json
    assert (started.json["ground"], started.json["status"], len(started.json["order_ids"])) == ("broker", "done", 1)
    assert client.post(f"{base}/close-out", json={}, headers=staff).json["code"] == "nothing_to_close_out"
    detail = client.get(base, headers=office).json
    assert detail["margin_call"] is None and detail["close_outs"][0]["status"] == "done"
    assert client.post(f"{base}/death", json={"reference": ""}, headers=staff).status_code == 422
    other = make_client(desk.cast["beta"], "beta_client", iin=OTHER_IIN)
    for action, body in (("close-out", {}), ("death", {"reference": "x"}), ("call/same-day", None)):
        # another firm's client does not exist for Alpha's staff
        answer = client.post(f"/api/v1/brokerage/risk/clients/{other.id}/{action}", json=body, headers=staff)
        assert answer.status_code == 404, action


def test_a_reference_price_set_for_a_later_day_does_not_value_today(desk, round_):
    """The exchange may publish the coming days' reference prices ahead: today counts with today's."""
    before = figures_of(desk.client)
    reference.set_reference_price(db.session, desk.cast["share"], THURSDAY, Decimal("1000"))
    db.session.commit()
    assert figures_of(desk.client) == before
