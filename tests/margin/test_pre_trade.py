"""The margin rules in the cabinet's pre-trade and withdrawal checks (issue 13, item 1): an order
or a withdrawal is accepted exactly when NPR1 stays at or above zero with every live order of
the client as if executed, and the refusal says the figure.

Alpha's client `erzhan` holds 500,000 ₸ and 10 KZTK (reference price 30,000 ₸): S = 800,000 ₸.
"""
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import func, select

from app.auth.roles import Role
from app.brokerage import services as brokerage
from app.brokerage.models import LedgerSource, Venue
from app.clock.services import now
from app.extensions import db
from app.margin import services as margin_services
from app.margin.risk import client_risk
from app.orders.models import ClientOrder, OrderStatus
from app.withdrawals.services import add_bank
from tests.orders.conftest import (IIN, as_client, kase, last_order, last_sms_code, make_client,  # noqa: F401
                                   market_cast, place, sent_messages, sign_by_sms)
from tests.secondary.conftest import clock  # noqa: F401


@pytest.fixture
def risk_staff(kase, make_user):
    return make_user(Role.BROKER_RISK, login="alpha_risk", organisation=kase["alpha"])


@pytest.fixture
def set_rate(kase, risk_staff):
    def add(code: str, long: str, short: str = "100", marginal: bool = True, shortable: bool = False,
            venue: str = Venue.KASE, category: str = "standard"):
        entry = margin_services.RateEntry(category, venue, code, Decimal(long), Decimal(short), marginal, shortable)
        margin_services.add_rate(db.session, kase["alpha"], entry, risk_staff, now())
        db.session.commit()
    return add


def figures_of(client):
    db.session.expire_all()
    return client_risk(db.session, client, now()).figures


def test_without_margin_rates_cover_is_full(kase, as_client):
    """Outside the broker's list every instrument counts at 100 %: NPR1 is the client's own money."""
    http = as_client()
    assert figures_of(kase["client"]).npr1 == Decimal("500000.00")
    refused = place(http, lots="17")         # 17 × 30,000 = 510,000 > 500,000
    assert refused.status_code == 422
    assert "NPR1 after this order would be -10,000.00" in unescape(refused.text)
    assert place(http, lots="16").status_code == 302
    assert db.session.scalar(select(func.count(ClientOrder.id))) == 1


def test_a_marginal_share_is_bought_on_credit_up_to_npr1_zero(kase, as_client, set_rate):
    """KZTK long 25 %: S = 800,000, each share bought adds 7,500 to M0 — (10 + n) × 7,500 ≤ 800,000."""
    set_rate("KZTK", "25")
    http = as_client()
    assert (figures_of(kase["client"]).m0, figures_of(kase["client"]).npr1) == (Decimal("75000.00"), Decimal("725000.00"))
    refused = place(http, lots="97")
    assert refused.status_code == 422 and "NPR1 after this order would be -2,500.00" in unescape(refused.text)
    assert place(http, lots="96").status_code == 302


def test_live_orders_count_as_executed(kase, as_client, set_rate):
    """A signed order for 20 KZTK (600,000 ₸, 100,000 of it lent) is in the book; the next order
    is checked as if both had executed."""
    set_rate("KZTK", "25")
    http = as_client()
    place(http, lots="20", price="29000")
    sign_by_sms(http, last_order())
    order = last_order()
    assert order.status == OrderStatus.ACTIVE and order.market_order_id is not None
    # After: 30 + n shares at 30,000 (the order's 20 at 29,000): S = 800,000 + 20,000 = 820,000.
    refused = place(http, lots="80")         # M0 = 110 × 7,500 = 825,000 → NPR1 = −5,000
    assert "NPR1 after this order would be -5,000.00" in unescape(refused.text)
    assert place(http, lots="79").status_code == 302


def test_a_short_only_where_the_broker_lends(kase, as_client, set_rate):
    http = as_client()
    refused = place(http, side="sell", lots="11")
    assert refused.status_code == 422 and "KZTK cannot be sold short" in unescape(refused.text)
    set_rate("KZTK", "25", "30", shortable=True)
    # Selling 25 at 30,000: 15 short (margin 15 × 30,000 × 30 % = 135,000), S still 800,000.
    assert place(http, side="sell", lots="25").status_code == 302


def test_a_withdrawal_may_not_take_npr1_below_zero(kase, as_client, set_rate, make_user):
    """Short 20 KZTK at 30 % with 1,100,000 ₸: S = 500,000, M0 = 180,000 → NPR1 = 320,000; the free
    money (1,100,000) would allow more than the collateral does."""
    set_rate("KZTK", "25", "30", shortable=True)
    client = kase["client"]
    office = make_user(Role.BROKER_OFFICE, login="alpha_office", organisation=kase["alpha"])
    brokerage.post(db.session, client, Venue.KASE, "KZTK", Decimal(-30), LedgerSource.DEAL, "T 9", office, now())
    brokerage.post(db.session, client, None, "KZT", Decimal(600000), LedgerSource.DEAL, "T 9", office, now())
    db.session.commit()
    assert figures_of(client).npr1 == Decimal("320000.00")
    http = as_client()
    bank = _bank()
    refused = http.post("/cabinet/withdrawals/new", data={"currency": "KZT", "amount": "320000.01",
                                                          "iban": "KZ86125KZT5004100100", "bank_id": bank.id})
    assert refused.status_code == 422
    assert "NPR1 after this withdrawal would be -0.01" in unescape(refused.text)
    accepted = http.post("/cabinet/withdrawals/new", data={"currency": "KZT", "amount": "320000.00",
                                                           "iban": "KZ86125KZT5004100100", "bank_id": bank.id})
    assert accepted.status_code == 302


def test_the_check_runs_again_at_signing(kase, as_client, set_rate):
    """KZTK taken off the marginal list between the order and its signature: refused then, with
    the figure (30 shares at 100 % against S = 820,000), and nothing reaches the book."""
    set_rate("KZTK", "25")
    http = as_client()
    assert place(http, lots="20", price="29000").status_code == 302
    order = last_order()
    set_rate("KZTK", "25", marginal=False)
    refused = sign_by_sms(http, order)
    assert refused.headers["Location"].endswith(f"/cabinet/sign/{order.document_id}")
    assert "NPR1 after this order would be -80,000.00" in unescape(http.get(refused.headers["Location"]).text)
    assert last_order().status == OrderStatus.AWAITING_SIGNATURE and last_order().market_order_id is None


def _bank():
    bank = add_bank(db.session, "Halyk Bank", "HSBKKZKX", now())
    db.session.commit()
    return bank


def test_an_instrument_not_held_is_valued_for_its_first_order(kase, as_client):
    """The bond MUM084_0017 at 98 % of its 1,000 ₸ face: 100 of them count 98,000 ₸ at 100 % (not
    on the broker's list): NPR1 500,000 → 402,000 (accrued interest is outside the figure)."""
    http = as_client()
    answer = http.get("/cabinet/orders/check?venue=kase&code=MUM084_0017&side=buy&type=limit&price=98&lots=100").json
    assert answer["accepted"] is True and answer["npr1_after"] == "402,000.00\u00a0₸", answer
    assert place(http, code="MUM084_0017", price="98", lots="100").status_code == 302
