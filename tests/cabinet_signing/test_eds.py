"""Signing with EDS: the sandbox signer's signature is accepted; anything tampered is refused,
kept as refused, and the document is never signed again."""
import pytest

from app.cabinet.signing import sandbox_pki
from app.cabinet.signing.models import DocumentStatus
from app.extensions import db
from tests.cabinet_signing.conftest import IIN, OTHER_IIN


@pytest.fixture
def folder(app):
    from app.cabinet.signing.services import sandbox_folder

    return sandbox_folder()


def signed_by(folder, document, iin: str = IIN, name: str = "Test Client") -> bytes:
    sandbox_pki.make_sandbox_identity(folder, iin, name)
    return sandbox_pki.sandbox_sign(document.document, folder, iin)


def post_eds(client, document, signed_xml: bytes):
    return client.post(f"/cabinet/sign/{document.id}/eds", data={"signed_xml": signed_xml.decode()},
                       follow_redirects=True)


def test_the_sandbox_signer_signs_and_the_signature_is_verified(client, document, handled):
    signed = client.post(f"/cabinet/sign/{document.id}/sandbox")
    assert signed.status_code == 302 and signed.location == document.next_url   # on to what was signed
    assert "Signed with the sandbox" in client.get(signed.location).get_data(as_text=True)
    html = client.get(f"/cabinet/sign/{document.id}").get_data(as_text=True)
    assert 'data-testid="signing-result"' in html
    db.session.refresh(document)
    assert (document.status, document.method) == (DocumentStatus.SIGNED, "eds")
    verification = document.verification
    assert verification["sandbox"] is True and verification["iin"] == IIN
    assert verification["subject"] and verification["serial"] and verification["algorithm"]
    assert verification["serial"] in html
    assert handled == [document.id]
    assert client.get(f"/cabinet/sign/{document.id}/signature.xml").data == document.signature


def test_a_signature_from_ncalayer_is_accepted(client, document, folder):
    signed = signed_by(folder, document)
    assert "Signed with your EDS" in post_eds(client, document, signed).get_data(as_text=True)
    db.session.refresh(document)
    assert document.status == DocumentStatus.SIGNED and document.signature == signed
    assert "sandbox" not in document.verification


@pytest.mark.parametrize("tamper", [
    lambda xml: xml.replace(b">10<", b">100<", 1),
    lambda xml: xml.replace(b"<ds:SignatureValue>", b"<ds:SignatureValue>AAAA", 1),
])
def test_a_tampered_signature_is_refused_and_kept(client, document, folder, handled, tamper):
    signed = signed_by(folder, document)
    tampered = tamper(signed)
    assert tampered != signed
    html = post_eds(client, document, tampered).get_data(as_text=True)
    db.session.refresh(document)
    assert document.status == DocumentStatus.REFUSED and document.signature == tampered
    assert document.verification["code"] in ("document_mismatch", "bad_signature", "malformed")
    assert document.verification["message"]
    assert 'data-testid="refusal"' in html and handled == []
    again = post_eds(client, document, signed).get_data(as_text=True)
    assert "already signed" in again
    db.session.refresh(document)
    assert document.status == DocumentStatus.REFUSED


def test_another_documents_signature_does_not_sign_this_one(client, issue, signer, folder):
    first, second = issue(signer), issue(signer)
    html = post_eds(client, second, signed_by(folder, first)).get_data(as_text=True)
    assert "The signed document is not the one the desk issued" in html
    db.session.refresh(second)
    assert second.verification["code"] == "document_mismatch"


def test_a_certificate_of_another_person_is_refused(client, document, folder):
    html = post_eds(client, document, signed_by(folder, document, OTHER_IIN, "Someone Else")).get_data(as_text=True)
    assert "The certificate belongs to another person" in html
    db.session.refresh(document)
    assert document.verification["code"] == "wrong_iin"


def test_junk_is_refused_as_malformed(client, document):
    html = post_eds(client, document, b"x" * 2000).get_data(as_text=True)
    db.session.refresh(document)
    assert document.status == DocumentStatus.REFUSED and document.verification["code"] == "malformed"
    assert "already signed" in post_eds(client, document, b"<a/>").get_data(as_text=True) and html


def test_an_empty_form_changes_nothing(client, document):
    assert client.post(f"/cabinet/sign/{document.id}/eds", data={}).status_code == 302
    db.session.refresh(document)
    assert document.status == DocumentStatus.ISSUED


def test_the_sandbox_signer_is_only_on_a_sandbox_desk(app, client, document, monkeypatch):
    monkeypatch.setitem(app.config, "SANDBOX_CLOCK", False)
    html = client.post(f"/cabinet/sign/{document.id}/sandbox", follow_redirects=True).get_data(as_text=True)
    assert "The sandbox signer works only on a sandbox desk" in html
    assert 'data-testid="sandbox-sign"' not in html and 'data-testid="sign-eds"' in html
    db.session.refresh(document)
    assert document.status == DocumentStatus.ISSUED
