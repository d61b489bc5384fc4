"""Issue 13: the firm's FX table — tenge for one unit of a foreign currency, above zero, KZT has
none — applies from each entry's moment, the older entry until then."""
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.clock.services import wall_now as now
from app.domain.calendar import ALMATY
from app.extensions import db
from app.margin import reads
from app.margin.models import FxRate


def test_fx_in_force_now_and_tomorrow(risk, firm):
    assert risk.post("/brokerage/risk/fx", data={"currency": "USD", "rate": "470"}).status_code == 302
    assert risk.post("/brokerage/risk/fx", data={"currency": "EUR", "rate": "510.25"}).status_code == 302
    tomorrow = now() + timedelta(days=1)
    later = {"currency": "USD", "rate": "480", "effective_from": tomorrow.astimezone(ALMATY).strftime("%Y-%m-%dT%H:%M")}
    assert risk.post("/brokerage/risk/fx", data=later).status_code == 302
    today = reads.fx_in_force(db.session, firm.id, now())
    assert {currency: row.rate for currency, row in today.items()} == {"EUR": Decimal("510.2500"),
                                                                        "USD": Decimal("470.0000")}
    assert reads.fx_in_force(db.session, firm.id, tomorrow + timedelta(minutes=1))["USD"].rate == Decimal("480.0000")
    page = risk.get("/brokerage/risk/fx")
    assert page.text.count('data-testid="fx-row"') == 3 and 'data-testid="scheduled-fx"' in page.text
    assert "470.0000" in page.text and "510.2500" in page.text
    history = risk.get("/brokerage/risk/fx/usd")
    assert history.status_code == 200 and history.text.count('data-testid="history-row"') == 2
    listed = risk.get("/api/v1/brokerage/risk/fx").get_json()
    assert [(row["currency"], row["rate"]) for row in listed] == [("EUR", "510.2500"), ("USD", "470.0000")]
    at = risk.get("/api/v1/brokerage/risk/fx", query_string={"at": (tomorrow + timedelta(hours=1)).isoformat()})
    assert [row["rate"] for row in at.get_json()] == ["510.2500", "480.0000"]
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "margin_fx_rate.added")) == 3


def test_a_bad_fx_entry_is_refused_on_its_field(risk):
    zero = risk.post("/brokerage/risk/fx", data={"currency": "USD", "rate": "0"})
    assert zero.status_code == 422 and "above zero" in zero.text
    tenge = risk.post("/brokerage/risk/fx", data={"currency": "KZT", "rate": "1"})
    assert tenge.status_code == 422
    api = risk.post("/api/v1/brokerage/risk/fx", json={"currency": "USD", "rate": "470.12345"})
    assert api.status_code == 422 and "rate" in api.get_json()["details"]["json"]
    kzt = risk.post("/api/v1/brokerage/risk/fx", json={"currency": "KZT", "rate": "1.0000"})
    assert kzt.status_code == 422 and "currency" in kzt.get_json()["details"]["json"]
    past = risk.post("/api/v1/brokerage/risk/fx", json={"currency": "USD", "rate": "470.0000",
                                                        "effective_from": (now() - timedelta(days=1)).isoformat()})
    assert past.status_code == 422 and past.get_json()["code"] == "effective_in_past"
    assert db.session.scalar(select(func.count(FxRate.id))) == 0
    created = risk.post("/api/v1/brokerage/risk/fx", json={"currency": "USD", "rate": "470.5000"})
    assert created.status_code == 201 and created.get_json()["rate"] == "470.5000"
    assert created.get_json()["created_by"] == "alatau_risk"
