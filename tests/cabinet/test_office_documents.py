"""The back office downloads the documents its own clients signed; another firm's office, or a
client of another broker, gets 404; nobody in the office may sign them."""
from sqlalchemy import select

from app.auth.models import User
from app.auth.roles import Role
from app.brokerage.documents import office_of_signer
from app.cabinet.signing import access, services
from app.cabinet.signing.models import SignedDocument
from app.clock.services import now
from app.extensions import db
from tests.cabinet.conftest import log_in


def issued(client) -> SignedDocument:
    user = db.session.get(User, client.user_id)
    document = services.issue(db.session, "test_instruction", {"Side": "buy", "Security": "KZTK"}, user, client.iin,
                              "Buy 10 KZTK", "/cabinet/", now())
    db.session.commit()
    return document


def test_the_firms_office_downloads_its_clients_document(app, make_client, office):
    document = issued(make_client())
    browser = log_in(app, office)
    response = browser.get(f"/cabinet/sign/{document.id}/document.xml")
    assert response.status_code == 200 and response.data == document.document
    assert browser.get(f"/cabinet/sign/{document.id}/signature.xml").status_code == 404   # not signed by EDS
    assert browser.get(f"/cabinet/sign/{document.id}").status_code == 403                   # signing is the client's
    assert browser.post(f"/cabinet/sign/{document.id}/sandbox").status_code == 403


def test_another_firms_office_gets_404(app, make_client, make_org, make_user, office):
    document = issued(make_client())
    other_firm = make_org(name="ТОО «Шымкент Трейд»")
    stranger = log_in(app, make_user(Role.BROKER_OFFICE, organisation=other_firm))
    assert stranger.get(f"/cabinet/sign/{document.id}/document.xml").status_code == 404
    theirs = issued(make_client("Клиент Шымкента", broker=other_firm))
    assert log_in(app, office).get(f"/cabinet/sign/{theirs.id}/document.xml").status_code == 404


def test_the_reader_is_registered_once_and_admits_only_the_office(app, make_app, make_client, firm, make_user):
    make_app()
    assert access.readers.count(office_of_signer) == 1
    document = issued(make_client())
    dealer = make_user(Role.PARTICIPANT, organisation=firm)          # same firm, another role
    assert not office_of_signer(dealer, document)
    assert db.session.scalar(select(SignedDocument.id)) == document.id
