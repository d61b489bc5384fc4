"""Issue 13: the risk staff's pages walked with the test client, no browser — from the top
navigation to an entry, its history and the FX table; the client's margin category."""
from datetime import date

from app.auth.roles import OrganisationKind, Role
from app.auth.services import create_organisation, create_user
from app.brokerage import services as brokerage
from app.clock.services import wall_now as now
from app.extensions import db
from app.margin.models import MarginCategory
from tests.conftest import TEST_PASSWORD


def test_a_walk_through_the_risk_pages(risk):
    home = risk.get("/home")
    assert 'href="/brokerage/risk/rates"' in home.text and 'href="/brokerage/risk/fx"' in home.text
    assert "Broker&#39;s risk staff" in home.text or "Broker's risk staff" in home.text
    assert 'href="/brokerage/clients"' not in home.text
    rates = risk.get("/brokerage/risk/rates")
    assert rates.status_code == 200 and 'data-testid="rate-form"' in rates.text and 'name="csrf_token"' in rates.text
    assert 'name="effective_from"' in rates.text and 'value="20' in rates.text.split('name="effective_from"')[1][:80]
    entered = risk.post("/brokerage/risk/rates", data={"category": "standard", "venue": "aix", "code": "KZAP",
                                                       "long_rate": "50", "short_rate": "100", "marginal": "y"},
                        follow_redirects=True)
    assert entered.status_code == 200 and "The rate is entered" in entered.text
    assert '/brokerage/risk/rates/standard/aix/KZAP' in entered.text
    history = risk.get("/brokerage/risk/rates/standard/aix/KZAP")
    assert history.status_code == 200 and 'data-state="in_force"' in history.text and "alatau_risk" in history.text
    assert risk.get("/brokerage/risk/rates/standard/aix/NOPE").status_code == 404
    assert risk.get("/brokerage/risk/rates/gold/aix/KZAP").status_code == 404
    fx = risk.get("/brokerage/risk/fx")
    assert fx.status_code == 200 and 'data-testid="fx-form"' in fx.text
    done = risk.post("/brokerage/risk/fx", data={"currency": "USD", "rate": "470"}, follow_redirects=True)
    assert "The FX rate is entered" in done.text and "470.0000" in done.text
    assert risk.get("/brokerage/risk/fx/USD").status_code == 200
    assert risk.get("/brokerage/risk/fx/KZT").status_code == 404


def test_a_new_client_is_standard_and_the_back_office_sees_it(firm, staff, office_user):
    at = now()
    person = create_organisation(db.session, "Сатпаев Ержан", OrganisationKind.CLIENT, at, parent=firm)
    user = create_user(db.session, "erzhan", "Сатпаев Ержан", Role.CLIENT, person, TEST_PASSWORD, at)
    entry = brokerage.ClientEntry("850312300121", "Сатпаев Ержан", "+77012345678", "e@example.kz", "АБ-1",
                                  date(2026, 1, 15), "erzhan")
    found = brokerage.attach_client(db.session, firm, person, user, entry, at)
    db.session.commit()
    db.session.expire_all()
    assert found.margin_category == MarginCategory.STANDARD
    page = staff(office_user).get(f"/brokerage/clients/{found.id}")
    assert page.status_code == 200 and "Margin category: Standard" in page.text
