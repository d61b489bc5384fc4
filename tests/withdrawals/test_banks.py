"""The administrator's list of banks."""
from app.auth.roles import Role
from app.extensions import db
from app.withdrawals.models import Bank


def test_admin_adds_edits_and_deactivates_a_bank(client, login_as):
    login_as(Role.ADMIN)
    assert client.post("/admin/banks/", data={"name": "Kaspi Bank", "bic": "caspkzka"}).status_code == 302
    assert client.post("/admin/banks/", data={"name": "Again", "bic": "CASPKZKA"}).status_code == 400
    assert client.post("/admin/banks/", data={"name": "Bad", "bic": "CASP-KZKA"}).status_code == 400
    bank = db.session.query(Bank).one()
    assert bank.bic == "CASPKZKA" and bank.is_active
    assert "Kaspi Bank" in client.get("/admin/banks/").get_data(as_text=True)
    assert client.post(f"/admin/banks/{bank.id}/deactivate").status_code == 302
    db.session.expire_all()
    assert not db.session.get(Bank, bank.id).is_active
