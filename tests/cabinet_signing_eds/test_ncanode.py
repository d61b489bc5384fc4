"""The NCANode verifier against a real local HTTP server answering as NCANode 3.x does, over real
signed XML of the test certifying centre: its verdicts map to our refusal codes, a server that
does not answer (or answers garbage) is `verifier_unavailable`, and what the desk checks itself
(the signed content is the issued document, the IIN is the client's) holds whatever it says."""
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.roles import Role
from app.cabinet.signing import ncanode, services, xmldsig
from app.cabinet.signing.models import DocumentStatus
from app.cabinet.signing.xmldsig import SignatureRefused
from app.config import ConfigError
from app.extensions import db
from tests.cabinet_signing_eds.pki import AT, CLIENT_IIN, CLIENT_SUBJECT, CertificateRequest, Party, TestPki, document

TIMEOUT = 0.5


def _jackson(value) -> str:
    """A date as NCANode's Jackson writes java.util.Date (openapi.yml: 2022-05-02T08:38:13.000+00:00)."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.000+00:00")


def answer(party: Party, *, valid: bool = True, signer_valid: bool = True, revoked: bool = False,
           key_usage: str = "SIGN", iin: str | None = CLIENT_IIN, serial: str | None = None) -> dict:
    """NCANode's /xml/verify answer for a signature by `party`, with OCSP checked."""
    certificate = party.parsed
    subject = {"commonName": "ТЕСТОВ ТЕСТ", "lastName": "ТЕСТОВИЧ", "surName": "ТЕСТОВ", "country": "KZ",
               "dn": f"CN=ТЕСТОВ ТЕСТ, SURNAME=ТЕСТОВ, SERIALNUMBER=IIN{iin}, C=KZ"}
    if iin is not None:
        subject["iin"] = iin
    validity = certificate["tbs_certificate"]["validity"]
    return {"status": 200, "message": "OK", "valid": valid, "signers": [{
        "valid": signer_valid,
        "revocations": [{"revoked": revoked, "by": "OCSP", "revocationTime": None, "reason": None}],
        "notBefore": _jackson(validity["not_before"].native), "notAfter": _jackson(validity["not_after"].native),
        "keyUsage": key_usage, "serialNumber": serial or format(certificate.serial_number, "x"),
        "signAlg": "SHA256WITHRSA", "keyUser": ["INDIVIDUAL"], "publicKey": "AAAA", "signature": "AAAA",
        "subject": subject, "issuer": {"commonName": "ТЕСТОВЫЙ НУЦ", "country": "KZ", "dn": "CN=ТЕСТОВЫЙ НУЦ, C=KZ"},
    }]}


class FakeNcaNode:
    """`reply` is what the next requests get: a dict (200 JSON), (status, bytes), or "hang"."""

    def __init__(self):
        self.reply: object = None
        self.requests: list[tuple[str, dict, dict]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append((self.path, dict(self.headers), body))
                reply = fake.reply
                if reply == "hang":
                    time.sleep(TIMEOUT * 4)
                    return
                status, raw = (200, json.dumps(reply).encode()) if isinstance(reply, dict) else reply
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake():
    server = FakeNcaNode()
    yield server
    server.close()


@pytest.fixture
def rsa(rsa_pki) -> TestPki:
    return rsa_pki


def verify(fake: FakeNcaNode, signed_xml: bytes, issued: bytes | None = None, iin: str = CLIENT_IIN):
    return ncanode.verify_signed_xml(signed_xml, document() if issued is None else issued, None, AT, iin,
                                     url=fake.url, timeout=TIMEOUT)


def refusal(fake, signed_xml, **kwargs) -> SignatureRefused:
    with pytest.raises(SignatureRefused) as raised:
        verify(fake, signed_xml, **kwargs)
    return raised.value


@pytest.mark.parametrize("algorithm", ["rsa", "gost"])
def test_a_valid_answer_gives_the_verified_signer(fake, pki_for, algorithm):
    pki = pki_for(algorithm)
    signed = pki.sign(document())
    fake.reply = answer(pki.client)
    verified = verify(fake, signed)
    assert verified.iin == CLIENT_IIN and verified.signed_at == AT
    assert verified.serial_number == format(pki.client.parsed.serial_number, "x")
    assert verified.algorithm == {"rsa": "rsa-sha256", "gost": "gost2015-512"}[algorithm]
    assert "SERIALNUMBER=IIN900101300001" in verified.subject
    [(path, headers, body)] = fake.requests
    assert path == "/xml/verify" and headers["Content-Type"] == "application/json"
    assert body == {"xml": signed.decode(), "revocationCheck": ["OCSP"]}


@pytest.mark.parametrize(("reply", "code"), [
    (dict(valid=False), "bad_signature"),
    (dict(valid=False, signer_valid=False, revoked=True), "revoked"),
    (dict(valid=False, signer_valid=False), "untrusted_chain"),
    (dict(key_usage="AUTH"), "not_for_signing"),
    (dict(key_usage="UNKNOWN"), "not_for_signing"),
], ids=["invalid_signature", "revoked", "untrusted", "auth_key", "unknown_usage"])
def test_the_server_s_verdict_is_our_refusal(fake, rsa, reply, code):
    fake.reply = answer(rsa.client, **reply)
    assert refusal(fake, rsa.sign(document())).code == code


def test_dates_are_judged_at_the_signing_time_not_the_server_s(fake, rsa):
    """The server says valid (its clock), but the certificate had expired at `at`."""
    fake.reply = answer(rsa.expired)
    assert refusal(fake, rsa.sign(document(), rsa.expired)).code == "expired"


def test_no_signature_found_by_the_server_is_a_bad_signature(fake, rsa):
    fake.reply = {"status": 200, "message": "OK", "valid": False, "signers": []}
    assert refusal(fake, rsa.sign(document())).code == "bad_signature"


def test_another_iin_in_the_certificate_is_refused_whatever_the_server_says(fake, rsa):
    fake.reply = answer(rsa.client)
    refused = refusal(fake, rsa.sign(document()), iin="880202400002")
    assert (refused.code, refused.iin) == ("wrong_iin", CLIENT_IIN)
    assert fake.requests == []   # checked before asking


def test_an_answer_naming_another_iin_is_not_believed(fake, rsa):
    fake.reply = answer(rsa.client, iin="880202400002")
    assert refusal(fake, rsa.sign(document())).code == "verifier_unavailable"


def test_an_answer_about_another_certificate_is_not_believed(fake, rsa):
    fake.reply = answer(rsa.client, serial="abc123")
    assert refusal(fake, rsa.sign(document())).code == "verifier_unavailable"


@pytest.mark.parametrize("algorithm", ["rsa", "gost"])
def test_a_substituted_document_is_refused_though_the_server_says_valid(fake, pki_for, algorithm):
    """A genuine signature over another document (another nonce): NCANode would call it valid."""
    pki = pki_for(algorithm)
    fake.reply = answer(pki.client)
    other = pki.sign(document(nonce="0000000000000000"))
    assert refusal(fake, other).code == "document_mismatch"
    assert fake.requests == []


def test_content_changed_after_signing_is_refused_though_the_server_says_valid(fake, rsa):
    """The issued document, but edited after signing: its digest no longer matches, here."""
    issued = document(amount="9000000.00")
    tampered = rsa.sign(document()).replace(b"<Amount>1000000.00</Amount>", b"<Amount>9000000.00</Amount>")
    fake.reply = answer(rsa.client)
    assert refusal(fake, tampered, issued=issued).code == "bad_signature"
    assert fake.requests == []


def test_not_xml_is_malformed_without_asking(fake, rsa):
    fake.reply = answer(rsa.client)
    assert refusal(fake, b"not xml").code == "malformed"
    assert fake.requests == []


@pytest.mark.parametrize("reply", [
    (500, b'{"status": 500, "message": "Internal Server Error"}'),
    (400, b'{"status": 400, "message": "Bad signature"}'),
    (200, b"<html>not json</html>"),
    (200, b"[]"),
    (200, b'{"status": 200, "message": "OK"}'),
    (200, b'{"valid": true, "signers": "yes"}'),
    (200, b'{"valid": "true", "signers": []}'),
    (200, b'{"valid": true, "signers": [null]}'),
    "hang",
], ids=["500", "400", "html", "list", "no_verdict", "signers_text", "valid_text", "null_signer", "timeout"])
def test_a_server_giving_no_usable_answer_is_unavailable(fake, rsa, reply):
    fake.reply = reply
    refused = refusal(fake, rsa.sign(document()))
    assert refused.code == "verifier_unavailable"
    assert str(refused) == "The signature could not be verified now; try again later."


@pytest.mark.parametrize("field", ["notBefore", "notAfter"])
def test_an_answer_without_readable_dates_is_unavailable(fake, rsa, field):
    fake.reply = answer(rsa.client)
    fake.reply["signers"][0][field] = "yesterday"
    assert refusal(fake, rsa.sign(document())).code == "verifier_unavailable"


def test_no_server_listening_is_unavailable(rsa):
    server = FakeNcaNode()
    server.close()   # the port is free again: the connection is refused
    assert refusal(server, rsa.sign(document())).code == "verifier_unavailable"


# --- through services.verify_eds ----------------------------------------------------------------

DESK_IIN = "850312300121"   # issue() takes only IINs with a valid check digit


@pytest.fixture(scope="module")
def desk_client(rsa_pki) -> Party:
    subject = tuple(("SERIALNUMBER", f"IIN{DESK_IIN}") if label == "SERIALNUMBER" else (label, value)
                    for label, value in CLIENT_SUBJECT)
    return rsa_pki.scheme.issue(CertificateRequest(subject=subject), rsa_pki.client.key, rsa_pki.intermediate)


@pytest.fixture
def app(make_app, fake):
    """Here the desk's app (the one make_user works in) verifies with the fake NCANode."""
    app = make_app(NCANODE_URL=fake.url, NCANODE_TIMEOUT=TIMEOUT)
    with app.app_context():
        yield app


@pytest.fixture
def issued(app, make_user):
    user = make_user(Role.CLIENT)
    doc = services.issue(db.session, "ncanode_test", {"Amount": "10"}, user, DESK_IIN, "Test", "/home", AT)
    db.session.commit()
    return doc


def _events(document_id: int) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "signed_document", AuditEvent.object_id == str(document_id))
                                   .order_by(AuditEvent.id)))


def test_verify_eds_signs_with_the_server_s_verdict(fake, rsa, issued, desk_client):
    signed = rsa.sign(issued.document, desk_client)
    fake.reply = answer(desk_client, iin=DESK_IIN)
    services.verify_eds(db.session, issued, signed, AT + timedelta(minutes=1))
    db.session.commit()
    assert issued.status == DocumentStatus.SIGNED and issued.verification["iin"] == DESK_IIN
    assert len(fake.requests) == 1


def test_verify_eds_keeps_the_document_open_when_the_server_is_down(fake, rsa, issued, desk_client):
    signed = rsa.sign(issued.document, desk_client)
    fake.reply = (500, b"{}")
    with pytest.raises(services.SigningError) as raised:
        services.verify_eds(db.session, issued, signed, AT + timedelta(minutes=1))
    assert raised.value.code == "verifier_unavailable" and not raised.value.keep
    with force_locale("en"):
        assert str(raised.value.message) == "The signature could not be verified now; try again later"
    db.session.rollback()
    db.session.refresh(issued)
    assert issued.status == DocumentStatus.ISSUED and issued.signature is None
    assert _events(issued.id) == ["signed_document.issued"]
    fake.reply = answer(desk_client, iin=DESK_IIN)   # back up: the same signature is accepted
    services.verify_eds(db.session, issued, signed, AT + timedelta(minutes=2))
    assert issued.status == DocumentStatus.SIGNED


def test_verify_eds_refuses_a_substituted_document_though_the_server_says_valid(fake, rsa, issued, desk_client):
    fake.reply = answer(desk_client, iin=DESK_IIN)
    with pytest.raises(services.SigningError) as raised:
        services.verify_eds(db.session, issued, rsa.sign(document(), desk_client), AT + timedelta(minutes=1))
    assert raised.value.code == "document_mismatch" and raised.value.keep
    assert issued.status == DocumentStatus.REFUSED and fake.requests == []


def test_the_built_in_verifier_is_the_default(make_app):
    with make_app().app_context():
        assert services.verifier() is xmldsig.verify_signed_xml


def test_the_sandbox_signer_is_always_verified_here(app):
    assert services.verifier(sandbox=True) is xmldsig.verify_signed_xml
    assert services.verifier().func is ncanode.verify_signed_xml


@pytest.mark.parametrize("overrides", [{"NCANODE_URL": "file:///etc/passwd"}, {"NCANODE_TIMEOUT": 0}])
def test_a_bad_ncanode_setting_stops_the_desk(make_app, overrides):
    with pytest.raises(ConfigError):
        make_app(**overrides)
