"""The margin fee (issue 13, item 7): the firm's tariff on its page and in the API, and the
worker's accrual — once per client and Almaty business day, after the market's close, into the
ledger as a fee the client's statement shows.

Alpha's client `erzhan` holds 500,000 ₸ and 10 KZTK; here it also bought for 900,000 ₸ (KZT
−400,000), owes 100 USD (at 470: 47,000 ₸) and is short 5 bonds MUM084_0017 (98 % of 1,000:
4,900 ₸ lent). At 0.05 % a day on money and 0.10 % on securities: 447,000 × 0.0005 = 223.50 and
4,900 × 0.001 = 4.90, a fee of 228.40 ₸ a day."""
import logging
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DatabaseError

from app.audit.models import AuditEvent
from app.auth.roles import Role
from app.brokerage import services as brokerage
from app.brokerage.models import LedgerEntry, LedgerSource, Venue
from app.clock.services import now
from app.extensions import db
from app.jobs.worker import run_timed_steps
from app.margin import services as margin_services
from app.margin.fees import services
from app.margin.fees.models import FeeAccrual, FeeRun, MarginTariff
from tests.orders.conftest import IIN, OTHER_IIN, as_client, kase, make_client, market_cast  # noqa: F401
from tests.secondary.conftest import DAY, almaty, clock  # noqa: F401

CONSTITUTION_DAY = date(2027, 3, 15)        # a Monday, a public holiday
TUESDAY = date(2027, 3, 16)
FEE = Decimal("228.40")


@pytest.fixture
def alpha_risk(kase, make_user):
    return make_user(Role.BROKER_RISK, login="alpha_risk", organisation=kase["alpha"])


@pytest.fixture
def owing(kase, alpha_risk, make_user):
    """erzhan's debts and short, Alpha's USD rate and its tariff."""
    client = kase["client"]
    office = make_user(Role.BROKER_OFFICE, login="alpha_office", organisation=kase["alpha"])
    margin_services.add_fx_rate(db.session, kase["alpha"], margin_services.FxEntry("USD", Decimal(470)), alpha_risk,
                                now())
    for venue, asset, amount in ((None, "KZT", -900_000), (None, "USD", -100), (Venue.KASE, "MUM084_0017", -5)):
        brokerage.post(db.session, client, venue, asset, Decimal(amount), LedgerSource.DEAL, "T 1", office, now())
    services.add_tariff(db.session, kase["alpha"], services.TariffEntry(Decimal("0.05"), Decimal("0.1")), alpha_risk,
                        now())
    db.session.commit()
    return client


def fees(client=None) -> list[LedgerEntry]:
    db.session.expire_all()
    query = select(LedgerEntry).where(LedgerEntry.source == LedgerSource.FEE).order_by(LedgerEntry.id)
    return list(db.session.scalars(query if client is None else query.where(LedgerEntry.client_id == client.id)))


def accrue(clock, day: date, hour: int = 17, minute: int = 30) -> int:
    clock(almaty(day, hour, minute))
    charged = services.accrue_due(db.session, now())
    db.session.commit()
    return charged


# --- the accrual ---------------------------------------------------------------------------------

def test_the_day_is_charged_once_after_the_close(owing, clock, alpha_risk):
    assert accrue(clock, DAY, 16, 59) == 0 and fees() == []
    assert accrue(clock, DAY, 17, 0) == 1
    [entry] = fees()
    assert (entry.amount, entry.venue, entry.asset) == (-FEE, None, "KZT")
    assert entry.reference == "MARGIN FEE 2027-03-10" and entry.created_by_id == alpha_risk.id
    accrual = db.session.scalar(select(FeeAccrual))
    assert (accrual.day, accrual.money_debt, accrual.lent_value, accrual.amount) == (
        DAY, Decimal("447000.00"), Decimal("4900.00"), FEE)
    assert accrual.ledger_entry_id == entry.id
    assert accrue(clock, DAY, 23, 59) == 0 and len(fees()) == 1
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "margin_fee.accrued"))


def test_the_worker_step_run_twice_charges_once(owing, clock):
    clock(almaty(DAY, 18))
    run_timed_steps()
    run_timed_steps()
    assert [entry.amount for entry in fees()] == [-FEE]
    assert db.session.scalar(select(func.count(FeeRun.id))) == 1


def test_a_holiday_is_not_charged_and_the_next_business_day_is(owing, clock):
    assert accrue(clock, CONSTITUTION_DAY) == 0
    assert accrue(clock, date(2027, 3, 13)) == 0           # a Saturday
    assert accrue(clock, TUESDAY) == 1
    assert [entry.reference for entry in fees()] == ["MARGIN FEE 2027-03-16"]


def test_the_unique_key_refuses_a_second_accrual_of_the_day(owing, clock):
    accrue(clock, DAY)
    accrual = db.session.scalar(select(FeeAccrual))
    db.session.add(FeeAccrual(client_id=accrual.client_id, day=DAY, tariff_id=accrual.tariff_id,
                              money_debt=Decimal(1), lent_value=Decimal(0), money_rate=Decimal(1),
                              securities_rate=Decimal(1), amount=Decimal(1), ledger_entry_id=accrual.ledger_entry_id,
                              accrued_at=now()))
    with pytest.raises(DatabaseError):
        db.session.flush()
    db.session.rollback()


def test_who_owes_nothing_or_has_no_tariff_is_not_charged(owing, clock, kase, make_client, make_user):
    saver = make_client(kase["alpha"], "aigul", iin=OTHER_IIN)          # money and KZTK only
    beta_client = make_client(kase["beta"], "bolat", iin=IIN)          # Beta has no tariff
    office = make_user(Role.BROKER_OFFICE, login="beta_office", organisation=kase["beta"])
    brokerage.post(db.session, beta_client, None, "KZT", Decimal(-600_000), LedgerSource.DEAL, "T 9", office, now())
    db.session.commit()
    assert accrue(clock, DAY) == 1
    assert fees(saver) == [] and fees(beta_client) == [] and len(fees(owing)) == 1


def test_a_client_whose_portfolio_cannot_be_valued_is_skipped_and_logged(owing, clock, kase, make_client, make_user,
                                                                         caplog):
    other = make_client(kase["alpha"], "aigul", iin=OTHER_IIN)
    office = make_user(Role.BROKER_OFFICE, login="alpha_office_2", organisation=kase["alpha"])
    brokerage.post(db.session, other, None, "EUR", Decimal(-10), LedgerSource.DEAL, "T 5", office, now())
    db.session.commit()
    with caplog.at_level(logging.WARNING, logger="desk.margin_fee"):
        assert accrue(clock, DAY) == 1
    assert fees(other) == [] and "no EUR FX rate" in caplog.text
    run = db.session.scalar(select(FeeRun))
    assert (run.charged, run.skipped) == (1, 1)


def test_the_tariff_in_force_at_the_close_applies(owing, clock, kase, alpha_risk):
    """A new tariff from 18:00 does not change the day that closed at 17:00."""
    clock(almaty(DAY, 12))
    services.add_tariff(db.session, kase["alpha"], services.TariffEntry(Decimal("1"), Decimal("1"),
                                                                        almaty(DAY, 18)), alpha_risk, now())
    db.session.commit()
    accrue(clock, DAY, 18, 30)
    assert [entry.amount for entry in fees()] == [-FEE]


# --- the statement -------------------------------------------------------------------------------

def test_the_fee_shows_in_the_clients_statement(owing, clock, as_client):
    accrue(clock, DAY)
    page = as_client().get("/cabinet/statement")
    assert page.status_code == 200
    rows = [row for row in unescape(page.text).split('data-testid="movement"') if "MARGIN FEE 2027-03-10" in row]
    assert len(rows) == 1 and ">Fee<" in rows[0] and "-228.40" in rows[0].replace("\u2212", "-")


# --- the tariff ----------------------------------------------------------------------------------

@pytest.fixture
def risk(staff, alpha_risk):
    return staff(alpha_risk)


def test_the_tariff_is_entered_from_the_page_and_kept_as_history(kase, risk):
    assert risk.post("/brokerage/risk/tariff", data={"money_rate": "0.05", "securities_rate": "0.07"}).status_code == 302
    assert risk.post("/brokerage/risk/tariff", data={"money_rate": "0.06", "securities_rate": "0.07"}).status_code == 302
    page = risk.get("/brokerage/risk/tariff")
    assert page.status_code == 200 and page.text.count('data-testid="tariff-row"') == 2
    assert "0.0600" in page.text and "superseded" in page.text
    body = risk.get("/api/v1/brokerage/risk/tariff").json
    assert body["in_force"]["money_rate"] == "0.0600" and len(body["history"]) == 2
    with pytest.raises(DatabaseError):
        db.session.execute(MarginTariff.__table__.update().values(money_rate=1))
    db.session.rollback()


@pytest.mark.parametrize("data, field", [({"money_rate": "1.5", "securities_rate": "0"}, "money_rate"),
                                         ({"money_rate": "0.05", "securities_rate": "0.00001"}, "securities_rate"),
                                         ({"money_rate": "-0.01", "securities_rate": "0"}, "money_rate")])
def test_a_refused_rate_names_its_field(kase, risk, data, field):
    page = risk.post("/brokerage/risk/tariff", data=data)
    assert page.status_code == 422 and "from 0 to 1 per cent a day" in page.text
    api = risk.post("/api/v1/brokerage/risk/tariff", json={"money_rate": data["money_rate"],
                                                           "securities_rate": data["securities_rate"]})
    assert api.status_code == 422 and field in api.json["details"]["json"]
    assert db.session.scalar(select(func.count(MarginTariff.id))) == 0


def test_the_tariff_in_the_api(kase, risk):
    made = risk.post("/api/v1/brokerage/risk/tariff", json={"money_rate": "0.0500", "securities_rate": "0.0700"})
    assert made.status_code == 201 and made.json["created_by"] == "alpha_risk"
    assert risk.get("/api/v1/brokerage/risk/tariff").json["in_force"]["id"] == made.json["id"]


def test_access_to_the_tariff(kase, staff, make_user, client, owing):
    office = staff(make_user(Role.BROKER_OFFICE, login="alpha_office_3", organisation=kase["alpha"]))
    page = office.get("/brokerage/risk/tariff")
    assert page.status_code == 200 and 'data-testid="tariff-form"' not in page.text and "0.1000" in page.text
    assert office.post("/brokerage/risk/tariff", data={"money_rate": "1", "securities_rate": "1"}).status_code == 403
    assert office.post("/api/v1/brokerage/risk/tariff", json={"money_rate": "1", "securities_rate": "1"}).status_code == 403
    stranger = staff(make_user(Role.BROKER_RISK, login="beta_risk", organisation=kase["beta"]))
    assert 'data-testid="tariff-row"' not in stranger.get("/brokerage/risk/tariff").text
    assert stranger.get("/api/v1/brokerage/risk/tariff").json == {"in_force": None, "history": []}
    client.post("/logout")
    assert client.get("/brokerage/risk/tariff").headers["Location"].startswith("/login")
    assert client.get("/api/v1/brokerage/risk/tariff").status_code == 401
    assert db.session.scalar(select(func.count(MarginTariff.id))) == 1
