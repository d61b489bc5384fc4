"""Only the signer sees or acts on a document; staff may download its files; others get 404."""
import pytest

from app.auth.roles import Role
from app.cabinet.signing import access
from app.cabinet.signing.models import DocumentStatus
from app.extensions import db
from tests.api.conftest import bearer
from tests.conftest import TEST_PASSWORD

ROUTES = [("GET", ""), ("GET", "/document.xml"), ("GET", "/signature.xml"), ("POST", "/code"),
          ("POST", "/confirm"), ("POST", "/eds"), ("POST", "/sandbox")]


def log_in(app, user):
    client = app.test_client()
    assert client.post("/login", data={"login": user.login, "password": TEST_PASSWORD}).status_code == 302
    return client


def test_another_client_gets_404_everywhere(app, document, make_user):
    other = log_in(app, make_user(Role.CLIENT))
    for method, path in ROUTES:
        response = other.open(f"/cabinet/sign/{document.id}{path}", method=method,
                              data={"code": "123456", "signed_xml": "<a/>"})
        assert response.status_code == 404, (method, path)
    db.session.refresh(document)
    assert document.status == DocumentStatus.ISSUED


def test_another_clients_token_gets_404(app, document, make_user, issue_token):
    token = bearer(issue_token(make_user(Role.CLIENT)))
    client = app.test_client()
    for method, path, body in [("GET", "", None), ("POST", "/code", None), ("POST", "/confirm", {"code": "123456"}),
                               ("POST", "/eds", {"signed_xml": "<a/>"})]:
        response = client.open(f"/api/v1/cabinet/documents/{document.id}{path}", method=method, json=body,
                               headers=token)
        assert (response.status_code, response.json["code"]) == (404, "not_found"), (method, path)


@pytest.mark.parametrize("role", [Role.EXCHANGE_STAFF, Role.ADMIN])
def test_staff_download_the_document_but_do_not_sign(app, document, make_user, role):
    staff = log_in(app, make_user(role))
    response = staff.get(f"/cabinet/sign/{document.id}/document.xml")
    assert response.status_code == 200 and response.data == document.document
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert staff.get(f"/cabinet/sign/{document.id}/signature.xml").status_code == 404  # not signed with EDS
    assert staff.get(f"/cabinet/sign/{document.id}").status_code == 403


def test_a_registered_reader_may_download(app, document, make_user, monkeypatch):
    reader = make_user(Role.CLIENT)
    reader_id = reader.id
    monkeypatch.setattr(access, "readers", [lambda user, doc: user.id == reader_id])
    assert log_in(app, reader).get(f"/cabinet/sign/{document.id}/document.xml").status_code == 200
    assert log_in(app, reader).get(f"/cabinet/sign/{document.id}").status_code == 404
