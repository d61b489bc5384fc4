"""Register signatures: the desk's key made once, standard XMLDSig, and any change detected."""
import hashlib
import stat
from pathlib import Path

import pytest
from cryptography import x509
from lxml import etree
from signxml import XMLVerifier

from app.registers import signing
from app.registers.signing import (SigningKeyError, ensure_identity, sign_register, sign_register_enveloped,
                                   verify_enveloped_register, verify_register)
from app.registers.xlsx_register import write_register_xlsx
from app.registers.xml import validate_register, write_register_xml
from tests.registers.conftest import register_header, register_rows

DS = "{http://www.w3.org/2000/09/xmldsig#}"

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def register(signing_app, tmp_path) -> Path:
    path = tmp_path / "SUB-7-accepted.xml"
    write_register_xml(path, register_header(count=4), register_rows(4))
    return path


@pytest.fixture
def other_identity(tmp_path):
    return ensure_identity(tmp_path / "other" / "key.pem", tmp_path / "other" / "cert.pem", "Somebody Else")


def test_the_key_is_made_on_first_use_private_and_once(signing_app, register):
    key_path = Path(signing_app.config["REGISTER_SIGNING_KEY"])
    cert_path = Path(signing_app.config["REGISTER_SIGNING_CERT"])
    assert not key_path.exists()

    sign_register(register, row_count=4)
    first_key = key_path.read_bytes()
    sign_register(register, row_count=4)

    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert key_path.read_bytes() == first_key
    subject = x509.load_pem_x509_certificate(cert_path.read_bytes()).subject.rfc4514_string()
    assert subject == "CN=Demo Stock Exchange register signing,O=Demo Stock Exchange"


def test_a_certificate_without_its_key_is_refused(tmp_path):
    (tmp_path / "cert.pem").write_text("orphan")

    with pytest.raises(SigningKeyError):
        ensure_identity(tmp_path / "key.pem", tmp_path / "cert.pem", "Desk")


def test_a_certificate_of_another_key_is_refused(tmp_path, other_identity):
    ensure_identity(tmp_path / "key.pem", tmp_path / "cert.pem", "Desk")
    (tmp_path / "cert.pem").write_bytes(other_identity.cert_pem)

    with pytest.raises(SigningKeyError, match="does not belong"):
        ensure_identity(tmp_path / "key.pem", tmp_path / "cert.pem", "Desk")


def test_a_signed_register_verifies(register):
    signature = sign_register(register, row_count=4)
    result = verify_register(register, signature)

    assert signature.name == "SUB-7-accepted.xml.sig"
    assert result.ok, result.message
    assert result.digest == hashlib.sha256(register.read_bytes()).hexdigest()
    assert result.signer_subject == "CN=Demo Stock Exchange register signing,O=Demo Stock Exchange"


def test_bytes_and_file_objects_verify_like_paths(register):
    signature = sign_register(register, row_count=4)
    with open(register, "rb") as handle:
        assert verify_register(handle, signature.read_bytes()).ok
    assert verify_register(register.read_bytes(), signature).ok


def test_the_signature_is_plain_xmldsig_over_the_manifest(signing_app, register):
    signature = sign_register(register, row_count=4)
    document = etree.parse(str(signature)).getroot()
    certificate = Path(signing_app.config["REGISTER_SIGNING_CERT"]).read_text()

    signed = XMLVerifier().verify(document, x509_cert=certificate).signed_xml  # signxml alone, none of our code
    assert signed.findtext("SHA256") == hashlib.sha256(register.read_bytes()).hexdigest()
    assert (signed.findtext("FileName"), signed.findtext("RowCount")) == ("SUB-7-accepted.xml", "4")
    assert signed.findtext("Size") == str(register.stat().st_size)
    method = document.find(f"{DS}Signature/{DS}SignedInfo/{DS}SignatureMethod").get("Algorithm")
    assert method == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"


def test_the_writers_digest_spares_a_second_read(register, monkeypatch):
    digest = hashlib.sha256(register.read_bytes()).hexdigest()
    monkeypatch.setattr(signing, "file_sha256", lambda path: pytest.fail("read again"))

    assert etree.parse(str(sign_register(register, row_count=4, sha256=digest))).getroot().findtext("SHA256") == digest


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("offset", [0, 400, -3])
def test_a_changed_byte_fails(register, offset):
    signature = sign_register(register, row_count=4)
    flip_byte(register, offset)

    result = verify_register(register, signature)
    assert not result.ok
    assert result.digest == hashlib.sha256(register.read_bytes()).hexdigest()
    assert str(result.message).startswith("The register does not match its signature")


def test_an_appended_byte_fails(register):
    signature = sign_register(register, row_count=4)

    assert not verify_register(register.read_bytes() + b" ", signature).ok


def test_an_edited_manifest_fails(register):
    signature = sign_register(register, row_count=4)
    flip_byte(register, 400)
    manifest = signature.read_text()
    signature.write_text(manifest.replace(manifest.split("<SHA256>")[1].split("<")[0],
                                          hashlib.sha256(register.read_bytes()).hexdigest()))

    result = verify_register(register, signature)
    assert not result.ok and str(result.message).startswith("The signature is not valid for the exchange's certificate")


def test_a_signature_by_another_key_fails(register, other_identity):
    sign_register(register, row_count=4)  # the desk has its own key
    signature = sign_register(register, row_count=4, identity=other_identity)

    result = verify_register(register, signature)
    assert not result.ok and str(result.message).startswith("The signature is not valid for the exchange's certificate")


def test_nothing_verifies_before_the_desk_has_a_certificate(register, other_identity):
    signature = sign_register(register, row_count=4, identity=other_identity)

    result = verify_register(register, signature)
    assert not result.ok and str(result.message).startswith("The desk has not signed any register yet")


@pytest.mark.parametrize("content", [
    b"not xml",
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    b"<x>" + b" " * (300 * 1024) + b"</x>",
], ids=["garbage", "doctype", "oversized"])
def test_a_signature_file_that_is_no_signature_fails(register, content):
    sign_register(register, row_count=4)

    result = verify_register(register, content)
    assert not result.ok and result.signer_subject is None
    assert "passwd" not in str(result.message) and "root:" not in str(result.message)


def test_a_signed_register_cannot_stand_in_for_a_manifest(register):
    sign_register_enveloped(register)

    result = verify_register(register, register.read_bytes())
    assert not result.ok and str(result.message) == "The signed document is not a register manifest of this desk."


def test_an_xlsx_register_is_signed_the_same_way(signing_app, tmp_path):
    path = tmp_path / "SUB-7-accepted.xlsx"
    digest, rows = write_register_xlsx(path, register_header(count=3), register_rows(3))
    signature = sign_register(path, row_count=rows, sha256=digest)

    assert etree.parse(str(signature)).getroot().findtext("MediaType").endswith("spreadsheetml.sheet")
    assert verify_register(path, signature).ok


def test_a_small_register_carries_its_signature_inside(register):
    digest = sign_register_enveloped(register)

    assert validate_register(register) == 4  # still a valid register
    result = verify_enveloped_register(register)
    assert result.ok and result.digest == digest
    flip_byte(register, 700)
    assert not verify_enveloped_register(register).ok


def test_only_small_registers_are_signed_in_place(register, monkeypatch):
    monkeypatch.setattr(signing, "ENVELOPED_MAX_ROWS", 3)

    with pytest.raises(ValueError, match="at most 3 bids"):
        sign_register_enveloped(register)
