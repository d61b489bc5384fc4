"""Issue 13: the firm's discount rates — the 25 floor of marginal instruments, shortable only when
marginal, append-only history where an entry applies from its moment — on the page and in the API."""
from datetime import timedelta
from decimal import Decimal

import re

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from app.audit.models import AuditEvent
# The test's app context keeps its first business "now": the wall clock is read afresh instead.
from app.clock.services import wall_now as now
from app.domain.calendar import ALMATY
from app.extensions import db
from app.margin import reads, services
from app.margin.models import DiscountRate, MarginCategory, RateKey

KZTK = {"category": "standard", "venue": "kase", "code": "kztk", "long_rate": "30", "short_rate": "35",
        "marginal": "y", "shortable": "y"}
KZTK_API = {"category": "standard", "venue": "kase", "code": "KZTK", "long_rate": "30.00", "short_rate": "35.00",
            "marginal": True, "shortable": True}


ERRORED_FIELD = re.compile(r'class="field[^"]*has-error"[^>]*>.*?name="(\w+)"', re.DOTALL)


def errored_fields(html: str) -> list[str]:
    return ERRORED_FIELD.findall(html)


def count() -> int:
    return db.session.scalar(select(func.count(DiscountRate.id)))


def almaty_field(moment) -> str:
    return moment.astimezone(ALMATY).strftime("%Y-%m-%dT%H:%M")


def test_an_entry_is_added_from_the_page_and_shown_in_force(risk, firm):
    answer = risk.post("/brokerage/risk/rates", data=KZTK)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/brokerage/risk/rates?category=standard")
    page = risk.get("/brokerage/risk/rates")
    assert page.status_code == 200 and page.text.count('data-testid="rate-row"') == 1
    assert "KZTK" in page.text and "30.00" in page.text and "35.00" in page.text
    found = reads.rates_in_force(db.session, firm.id, MarginCategory.STANDARD, now())
    rate = found[RateKey("kase", "KZTK")]
    assert (rate.long_rate, rate.short_rate, rate.marginal, rate.shortable) == (Decimal("30.00"), Decimal("35.00"),
                                                                                True, True)
    assert rate.created_by.login == "alatau_risk" and rate.effective_from <= now()
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "margin_rate.added")) is not None


@pytest.mark.parametrize("changes, field, words", [
    ({"long_rate": "20"}, "long_rate", "long rate of a marginal instrument is at least 25"),
    ({"short_rate": "24.99"}, "short_rate", "short rate of a marginal instrument is at least 25"),
    ({"marginal": ""}, "shortable", "Only an entry on the marginal list may be shorted"),
    ({"code": "NOPE"}, "code", "no such instrument"),
    ({"long_rate": "100.5"}, "long_rate", "from 0 to 100"),
    ({"long_rate": "30.123"}, "long_rate", "at most 2 decimal places"),
    ({"venue": "money", "code": "KZT"}, "code", "Tenge is the base currency"),
])
def test_a_refused_entry_names_its_field_and_stores_nothing(risk, changes, field, words):
    data = {key: value for key, value in {**KZTK, **changes}.items() if value != ""}
    answer = risk.post("/brokerage/risk/rates", data=data)
    assert answer.status_code == 422 and words in answer.text
    assert errored_fields(answer.text) == [field]
    assert count() == 0


def test_the_floor_is_told_in_russian_by_default(staff, risk_user):
    page = staff(risk_user, "ru").post("/brokerage/risk/rates", data={**KZTK, "long_rate": "20"})
    assert page.status_code == 422 and "не ниже 25" in page.text


def test_the_floor_in_the_api(risk):
    refused = risk.post("/api/v1/brokerage/risk/rates", json={**KZTK_API, "long_rate": "24.99"})
    body = refused.get_json()
    assert refused.status_code == 422 and body["code"] == "below_minimal_rate"
    assert "at least 25" in body["details"]["json"]["long_rate"][0]
    short = risk.post("/api/v1/brokerage/risk/rates", json={**KZTK_API, "short_rate": "10.00"}).get_json()
    assert short["code"] == "below_minimal_rate" and list(short["details"]["json"]) == ["short_rate"]
    number = risk.post("/api/v1/brokerage/risk/rates", json={**KZTK_API, "long_rate": 30})
    assert number.status_code == 422 and number.get_json()["code"] == "validation_error"
    assert count() == 0


def test_off_the_marginal_list_any_rate_and_money_below_the_floor(risk, firm):
    assert risk.post("/brokerage/risk/rates", data={**KZTK, "long_rate": "10", "marginal": None,
                                                    "shortable": None}).status_code == 302
    usd = risk.post("/api/v1/brokerage/risk/rates", json={**KZTK_API, "venue": "money", "code": "usd",
                                                          "long_rate": "20.00", "short_rate": "20.00",
                                                          "shortable": False})
    assert usd.status_code == 201 and usd.get_json()["venue"] == "money" and usd.get_json()["code"] == "USD"
    found = reads.rates_in_force(db.session, firm.id, "standard", now())
    assert set(found) == {RateKey("kase", "KZTK"), RateKey(None, "USD")}
    assert reads.terms_of(found[RateKey("kase", "KZTK")]) == reads.NOT_MARGINAL
    assert reads.terms_of(None) == reads.RateTerms(Decimal(100), None, False)
    assert reads.terms_of(found[RateKey(None, "USD")]) == reads.RateTerms(Decimal("20.00"), None, True)


def test_an_entry_effective_tomorrow_leaves_today_to_the_older_one(risk, firm):
    assert risk.post("/brokerage/risk/rates", data=KZTK).status_code == 302
    tomorrow = now() + timedelta(days=1)
    later = {**KZTK, "long_rate": "45", "effective_from": almaty_field(tomorrow)}
    assert risk.post("/brokerage/risk/rates", data=later).status_code == 302
    key = RateKey("kase", "KZTK")
    assert reads.rates_in_force(db.session, firm.id, "standard", now())[key].long_rate == Decimal("30.00")
    assert reads.rates_in_force(db.session, firm.id, "standard", tomorrow + timedelta(minutes=1))[key].long_rate \
        == Decimal("45.00")
    page = risk.get("/brokerage/risk/rates")
    assert page.text.count('data-testid="rate-row"') == 2 and 'data-testid="scheduled-rates"' in page.text
    history = risk.get("/brokerage/risk/rates/standard/kase/KZTK")
    assert history.status_code == 200
    assert [state for state in ("scheduled", "in_force") if f'data-state="{state}"' in history.text] == \
        ["scheduled", "in_force"]
    at_tomorrow = risk.get("/api/v1/brokerage/risk/rates", query_string={
        "at": (tomorrow + timedelta(minutes=1)).isoformat()}).get_json()
    assert [(row["code"], row["long_rate"]) for row in at_tomorrow] == [("KZTK", "45.00")]
    assert [row["long_rate"] for row in risk.get("/api/v1/brokerage/risk/rates").get_json()] == ["30.00"]
    beyond = risk.get("/api/v1/brokerage/risk/rates", query_string={"at": "0001-01-01T00:00:00+05:00"})
    assert beyond.status_code == 422 and "at" in beyond.get_json()["details"]["query"]


def test_a_newer_entry_supersedes_and_the_history_keeps_both(risk, firm):
    risk.post("/brokerage/risk/rates", data=KZTK)
    risk.post("/brokerage/risk/rates", data={**KZTK, "long_rate": "60", "shortable": None})
    key = RateKey("kase", "KZTK")
    history = reads.rate_history(db.session, firm.id, "standard", key)
    assert [row.long_rate for row in history] == [Decimal("60.00"), Decimal("30.00")]
    assert list(reads.states(history, now()).values()) == ["in_force", "superseded"]
    assert reads.rates_in_force(db.session, firm.id, "standard", now())[key].shortable is False


def test_an_effective_moment_in_the_past_is_refused_a_moment_ago_means_now(risk):
    past = {**KZTK, "effective_from": almaty_field(now() - timedelta(hours=1))}
    answer = risk.post("/brokerage/risk/rates", data=past)
    assert answer.status_code == 422 and "cannot apply in the past" in answer.text
    api = risk.post("/api/v1/brokerage/risk/rates", json={**KZTK_API, "effective_from": (
        now() - timedelta(hours=1)).isoformat()})
    assert api.status_code == 422 and api.get_json()["code"] == "effective_in_past"
    assert count() == 0
    moment_ago = risk.post("/api/v1/brokerage/risk/rates", json={**KZTK_API, "effective_from": (
        now() - timedelta(minutes=2)).isoformat()})
    assert moment_ago.status_code == 201
    assert db.session.scalar(select(DiscountRate.effective_from)) >= now() - timedelta(minutes=1)


def test_the_categories_have_their_own_tables(risk, firm):
    risk.post("/brokerage/risk/rates", data={**KZTK, "category": "special_risk"})
    assert reads.rates_in_force(db.session, firm.id, "standard", now()) == {}
    assert list(reads.rates_in_force(db.session, firm.id, "special_risk", now())) == [RateKey("kase", "KZTK")]
    assert "KZTK" not in risk.get("/brokerage/risk/rates").text
    assert "KZTK" in risk.get("/brokerage/risk/rates?category=special_risk").text
    assert risk.get("/brokerage/risk/rates/standard/kase/KZTK").status_code == 404
    listed = risk.get("/api/v1/brokerage/risk/rates?category=special_risk").get_json()
    assert [row["category"] for row in listed] == ["special_risk"]


def test_the_database_refuses_to_change_or_delete_an_entry(risk_user, firm):
    rate = services.add_rate(db.session, firm, services.RateEntry("standard", "aix", "KZAP", Decimal(50),
                                                                  Decimal(100), True), risk_user, now())
    services.add_fx_rate(db.session, firm, services.FxEntry("USD", Decimal(470)), risk_user, now())
    db.session.commit()
    for statement in ("UPDATE margin_discount_rates SET long_rate = 0", "DELETE FROM margin_discount_rates",
                      "UPDATE margin_fx_rates SET rate = 1", "DELETE FROM margin_fx_rates"):
        with pytest.raises(DatabaseError):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.get(DiscountRate, rate.id).long_rate == Decimal("50.00")
