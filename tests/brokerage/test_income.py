"""Coupons and dividends (seed 003): the back office posts a security's income once; holders are
credited, a client short of it has it withheld; a bad entry is refused with nothing posted."""
from decimal import Decimal

from sqlalchemy import select

from app.brokerage.models import LedgerEntry, LedgerSource, Venue
from app.extensions import db
from tests.margin.cast import desk, log_in, make_client, round_  # noqa: F401 — fixtures
from tests.orders.conftest import OTHER_IIN, as_client, kase, market_cast  # noqa: F401
from tests.secondary.conftest import DAY, clock  # noqa: F401

PAGE = "/brokerage/income"


def income_of(client) -> list[LedgerEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(LedgerEntry).where(LedgerEntry.client_id == client.id,
                                                             LedgerEntry.source == LedgerSource.INCOME)))


def form(**changes) -> dict:
    return {"venue": "kase", "code": "kztk", "kind": "dividend", "per_unit": "1250.5", "currency": "KZT",
            "record_day": DAY.isoformat(), "reference": "KZTK AGM 2027", **changes}


def test_holders_are_credited_and_a_short_client_has_it_withheld(desk, client, make_client):
    short = make_client(desk.cast["alpha"], "short_seller", iin=OTHER_IIN, shares=0)
    desk.post(short, "KZTK", -20, Venue.KASE)
    log_in(client, desk.office)
    done = client.post(PAGE, data=form(), follow_redirects=True)
    assert "credited to 1 clients" in done.text and "withheld from 1 clients" in done.text
    [paid] = income_of(desk.client)
    assert (paid.amount, paid.asset, paid.venue, paid.reference) == (Decimal("125050.00"), "KZT", None,
                                                                      "DIVIDEND KZTK KZTK AGM 2027")
    [kept] = income_of(short)
    assert kept.amount == Decimal("-25010.00") and kept.note == "-20 × 1250.5 KZT"
    assert "Coupon or dividend" in client.get(f"/brokerage/clients/{short.id}").text


def test_a_bad_entry_is_refused_and_nothing_is_posted(desk, client):
    log_in(client, desk.office)
    for changes, message in (({"per_unit": "-1"}, "above zero"), ({"code": "NOPE"}, "No client of the firm"),
                             ({"record_day": "2099-01-01"}, "today or earlier"), ({"per_unit": "1.1234567"},
                                                                                   "six decimal places")):
        answer = client.post(PAGE, data=form(**changes))
        assert answer.status_code == 422 and message in answer.text, changes
    assert income_of(desk.client) == []


def test_only_the_back_office_posts_income(desk, client):
    log_in(client, desk.risk)
    assert client.post(PAGE, data=form()).status_code == 403
    assert income_of(desk.client) == []
