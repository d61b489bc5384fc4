"""Margin monitoring in the worker's round (issue 13, items 3 and 4): only touched clients are
evaluated; NPR1 < 0 and NPR2 < 0 are told once per crossing (the e-mail reaching a real SMTP
server); a margin call has its deadline and is met when collateral arrives.

erzhan (Alpha) bought 90 KZTK at 30,000 on credit: 100 KZTK, −2,200,000 ₸; KZTK long 25 %.
S = 800,000, M0 = 750,000 → NPR1 = 50,000.
"""
from datetime import date, datetime
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import select

from app.auth.roles import Role
from app.brokerage import services as brokerage
from app.brokerage.models import LedgerSource, Venue
from app.calendar.services import business_calendar
from app.clock.services import now
from app.domain import margin
from app.domain.calendar import ALMATY
from app.extensions import db
from app.margin import monitoring
from app.margin import services as margin_services
from app.margin.models import CallStatus, MarginCall, MarginState
from app.messaging import services as messaging
from app.notices.models import CabinetNotice
from app.secondary.engine.commands import PlaceOrder
from app.secondary.trading import services as market
from tests.messaging.conftest import smtp_server  # noqa: F401 — the fixture
from tests.orders.conftest import IIN, OTHER_IIN, as_client, kase, make_client, market_cast  # noqa: F401
from tests.secondary.conftest import DAY, almaty, clock  # noqa: F401


@pytest.fixture
def people(kase, make_user):
    firm = kase["alpha"]
    staff = make_user(Role.BROKER_RISK, login="alpha_risk", organisation=firm)
    office = make_user(Role.BROKER_OFFICE, login="alpha_office", organisation=firm)
    return {**kase, "staff": staff, "office": office}


def set_rate(people, long: str):
    entry = margin_services.RateEntry("standard", Venue.KASE, "KZTK", Decimal(long), Decimal(100), True)
    margin_services.add_rate(db.session, people["alpha"], entry, people["staff"], now())
    db.session.commit()


@pytest.fixture
def on_credit(people):
    set_rate(people, "25")
    client, at = people["client"], now()
    brokerage.post(db.session, client, Venue.KASE, "KZTK", Decimal(90), LedgerSource.DEAL, "T 1", people["office"], at)
    brokerage.post(db.session, client, None, "KZT", Decimal(-2700000), LedgerSource.DEAL, "T 1", people["office"], at)
    db.session.commit()
    return client


def round_(at=None) -> int:
    touched = monitoring.revalue_touched(db.session, at or now())
    db.session.commit()
    return touched


def notices(client) -> list[str]:
    db.session.expire_all()
    return [row.kind for row in db.session.scalars(select(CabinetNotice).where(
        CabinetNotice.user_id == client.user_id).order_by(CabinetNotice.id))]


def trade_at(people, price: str) -> None:
    """Beta sells one KZTK to Alpha's own account: the day's last trade values the share."""
    market.execute(db.session, PlaceOrder(people["beta"].id, people["beta_own"].id, people["share"].id, "T2", "sell",
                                          "limit", 1, Decimal(price)))
    market.execute(db.session, PlaceOrder(people["alpha"].id, people["alpha_own"].id, people["share"].id, "T2", "buy",
                                          "limit", 1, Decimal(price)))
    db.session.commit()


def test_a_falling_price_tells_npr1_then_a_margin_call_once_each(on_credit, people, app, smtp_server):
    mailbox, port = smtp_server
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="broker@alatau.test")
    assert round_() >= 1 and notices(on_credit) == []
    state = db.session.get(MarginState, on_credit.id)
    assert (state.standing, state.npr1) == (margin.Standing.OK, Decimal("50000.00"))

    trade_at(people, "29000")       # S = 700,000; M0 = 725,000; Mx = 362,500
    assert round_() == 1 and notices(on_credit) == ["margin_npr1"]
    round_()
    assert notices(on_credit) == ["margin_npr1"]            # once per crossing
    messaging.deliver_due(db.session)
    db.session.commit()
    [mail] = [item["message"] for item in mailbox.messages if item["rcpt_tos"] == [on_credit.email]]
    body = mail.get_content()
    assert "S 700,000.00" in body and "M0 725,000.00" in body and "Mx 362,500.00" in body, body

    set_rate(people, "60")          # M0 = 1,740,000; Mx = 870,000 → NPR2 = −170,000
    round_()
    assert notices(on_credit) == ["margin_npr1", "margin_call"]
    [call] = db.session.scalars(select(MarginCall).where(MarginCall.client_id == on_credit.id)).all()
    assert call.status == CallStatus.OPEN and call.s == Decimal("700000.00") and call.m0 == Decimal("1740000.00")
    calendar = business_calendar(db.session, DAY.year)
    assert call.deadline == datetime.combine(calendar.next_business_day(DAY), datetime.min.time().replace(hour=17),
                                             tzinfo=ALMATY)


def test_the_call_shows_in_risks_and_a_deposit_meets_it(on_credit, people, as_client):
    set_rate(people, "60")          # S = 800,000; M0 = 1,800,000; Mx = 900,000 → NPR2 < 0
    round_()
    http = as_client()
    page = unescape(http.get("/cabinet/risk").text)
    assert 'data-testid="margin-call"' in page and "Margin call" in page
    brokerage.record_deposit(db.session, on_credit, Decimal("1000000.00"), "KZT", "PP 9", people["office"], now())
    db.session.commit()
    assert round_() == 1
    call = db.session.scalar(select(MarginCall).where(MarginCall.client_id == on_credit.id))
    assert call.status == CallStatus.MET and notices(on_credit)[-1] == "margin_call_met"
    assert 'data-testid="margin-call"' not in http.get("/cabinet/risk").text


def test_only_touched_clients_are_evaluated(on_credit, people, make_client):
    other = make_client(people["alpha"], "aigerim", iin=OTHER_IIN, shares=0)
    assert round_() == 2                       # the first round: everyone with ledger movements
    assert round_() == 0                       # nothing new
    brokerage.record_deposit(db.session, other, Decimal("10.00"), "KZT", "PP 3", people["office"], now())
    db.session.commit()
    assert round_() == 1
    trade_at(people, "29500")                  # only erzhan holds KZTK
    touched_before = db.session.get(MarginState, other.id).evaluated_at
    assert round_() == 1
    db.session.expire_all()
    assert db.session.get(MarginState, other.id).evaluated_at == touched_before


@pytest.mark.parametrize("on, deadline", [(date(2026, 12, 4), date(2026, 12, 7)),      # Friday → Monday
                                          (date(2026, 12, 15), date(2026, 12, 17))])   # Independence Day, 16 December
def test_the_deadline_is_17_00_of_the_next_business_day(app, on, deadline):
    with app.app_context():
        calendar = business_calendar(db.session, on.year)
    at = datetime.combine(on, datetime.min.time().replace(hour=15), tzinfo=ALMATY)
    assert margin.margin_call_deadline(calendar, at) == datetime.combine(deadline, datetime.min.time().replace(
        hour=17), tzinfo=ALMATY)
    assert margin.margin_call_deadline(calendar, at, same_day=True).date() == on
    late = at.replace(hour=18)
    assert margin.margin_call_deadline(calendar, late, same_day=True) == late
