"""The signing API with a client's token: read, ask for a code, confirm, or sign with EDS."""
import pytest

from app.cabinet.signing import sandbox_pki
from app.cabinet.signing.models import OneTimeCode
from app.extensions import db
from tests.api.conftest import bearer
from tests.cabinet_signing.conftest import IIN, SUMMARY, last_sms_code


@pytest.fixture
def api(app, signer, issue_token):
    headers = bearer(issue_token(signer))
    client = app.test_client()

    def call(method: str, path: str, body=None):
        return client.open(f"/api/v1/cabinet/documents{path}", method=method, json=body, headers=headers)

    return call


def test_sms_signing_end_to_end(api, document, handled):
    shown = api("GET", f"/{document.id}")
    assert shown.status_code == 200
    assert (shown.json["status"], shown.json["summary"], shown.json["sha256"]) == ("issued", SUMMARY, document.document_sha256)
    assert shown.json["document"].encode() == document.document and shown.json["verification"] is None
    sent = api("POST", f"/{document.id}/code")
    assert sent.status_code == 200 and sent.json["expires_at"].endswith("+05:00")
    code = last_sms_code()
    refused = api("POST", f"/{document.id}/confirm", {"code": f"{(int(code) + 1) % 1_000_000:06d}"})
    assert (refused.status_code, refused.json["code"]) == (422, "wrong_code")
    assert refused.json["message"] == "Wrong code, 2 tries left"
    db.session.expire_all()
    assert db.session.get(OneTimeCode, 1).attempts == 1  # the wrong try is kept, though the answer is an error
    signed = api("POST", f"/{document.id}/confirm", {"code": code})
    assert signed.status_code == 200 and (signed.json["status"], signed.json["method"]) == ("signed", "sms")
    assert handled == [document.id]
    again = api("POST", f"/{document.id}/confirm", {"code": code})
    assert (again.status_code, again.json["code"]) == (409, "already_signed")


def test_resend_too_soon_is_a_422_with_its_code(api, document):
    api("POST", f"/{document.id}/code")
    response = api("POST", f"/{document.id}/code")
    assert (response.status_code, response.json["code"]) == (422, "resend_too_soon")


def test_eds_signing_end_to_end(api, document, app, handled):
    from app.cabinet.signing.services import sandbox_folder

    folder = sandbox_folder()
    sandbox_pki.make_sandbox_identity(folder, IIN, "Test Client")
    signed_xml = sandbox_pki.sandbox_sign(api("GET", f"/{document.id}").json["document"].encode(), folder, IIN)
    response = api("POST", f"/{document.id}/eds", {"signed_xml": signed_xml.decode()})
    assert response.status_code == 200, response.json
    assert response.json["status"] == "signed" and response.json["verification"]["iin"] == IIN
    assert handled == [document.id]


def test_a_refused_signature_is_kept(api, document):
    response = api("POST", f"/{document.id}/eds", {"signed_xml": "<not-signed/>"})
    assert response.status_code == 422 and response.json["code"] in ("malformed", "bad_signature")
    shown = api("GET", f"/{document.id}").json
    assert shown["status"] == "refused" and shown["verification"]["code"] == response.json["code"]


@pytest.mark.parametrize("body", [{"code": "9" * 60}, {"code": 123456}, {"code": "12345\n"}, {},
                                  {"code": "\ud800" * 6}, {"code": None}])
def test_bad_codes_are_a_validation_error(api, document, body):
    response = api("POST", f"/{document.id}/confirm", body)
    assert (response.status_code, response.json["code"]) == (422, "validation_error")


def test_an_unknown_document_is_404(api):
    assert api("GET", "/999999").status_code == 404
