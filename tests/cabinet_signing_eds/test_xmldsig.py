"""verify_signed_xml: a valid NCALayer-style signature verifies, each refusal code has its case;
every case runs for RSA-SHA256 and for GOST R 34.10-2015 512."""
import copy
from dataclasses import dataclass
from datetime import timedelta

import pytest
from lxml import etree

from app.cabinet.signing.xmldsig import SignatureRefused, Verified, verify_signed_xml
from tests.cabinet_signing_eds.pki import AT, C14N_EXCLUSIVE, C14N_INCLUSIVE, CLIENT_IIN, DS, TestPki, document

ALGORITHMS = ["rsa", "gost"]
NAMES = {"rsa": "rsa-sha256", "gost": "gost2015-512"}


@dataclass(frozen=True)
class Attempt:
    signed_xml: bytes
    issued: bytes = document()
    expected_iin: str = CLIENT_IIN
    trust_crls: bool = True


def _valid(pki: TestPki) -> Attempt:
    return Attempt(pki.sign(document()))


def _tampered_field(pki: TestPki) -> Attempt:
    signed = pki.sign(document())
    return Attempt(signed.replace(b"<Amount>1000000.00</Amount>", b"<Amount>9000000.00</Amount>"))


def _tampered_signature_value(pki: TestPki) -> Attempt:
    root = etree.fromstring(pki.sign(document()))
    value = root.find(f".//{{{DS}}}SignatureValue")
    text = "".join(value.text.split())
    value.text = ("B" if text[0] == "A" else "A") + text[1:]
    return Attempt(etree.tostring(root))


def _unsupported_digest(pki: TestPki) -> Attempt:
    signed = pki.sign(document())
    method = b"http://www.w3.org/2001/04/xmlenc#sha256" if pki.algorithm == "rsa" else \
        b"urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34112015-512"
    return Attempt(signed.replace(method, b"http://www.w3.org/2000/09/xmldsig#sha1"))


def _other_document(pki: TestPki) -> Attempt:
    return Attempt(pki.sign(document(nonce="0000000000000000")))


def _comment_added(pki: TestPki) -> Attempt:
    """Comments are not signed (URI="" drops them), and a comment does not change the document."""
    return Attempt(pki.sign(document()).replace(b"<Nonce>", b"<!-- x --><Nonce>"))


def _foreign_ca(pki: TestPki) -> Attempt:
    return Attempt(pki.sign(document(), pki.foreign_client))


def _expired(pki: TestPki) -> Attempt:
    return Attempt(pki.sign(document(), pki.expired))


def _revoked(pki: TestPki) -> Attempt:
    return Attempt(pki.sign(document(), pki.revoked))


def _revoked_without_crl(pki: TestPki) -> Attempt:
    return Attempt(pki.sign(document(), pki.revoked), trust_crls=False)


def _encipher_only(pki: TestPki) -> Attempt:
    return Attempt(pki.sign(document(), pki.encipher_only))


def _other_iin(pki: TestPki) -> Attempt:
    return Attempt(pki.sign(document()), expected_iin="880202400002")


def _no_iin(pki: TestPki) -> Attempt:
    return Attempt(pki.sign(document(), pki.no_iin))


def _garbage(pki: TestPki) -> Attempt:
    return Attempt(b"\x00\xffnot xml at all")


def _unsigned(pki: TestPki) -> Attempt:
    return Attempt(document())


def _two_signatures(pki: TestPki) -> Attempt:
    root = etree.fromstring(pki.sign(document()))
    root.append(copy.deepcopy(root.find(f"{{{DS}}}Signature")))
    return Attempt(etree.tostring(root))


def _signature_not_in_root(pki: TestPki) -> Attempt:
    root = etree.fromstring(pki.sign(document()))
    root.find("Note").append(root.find(f"{{{DS}}}Signature"))
    return Attempt(etree.tostring(root))


def _dtd_with_entity(pki: TestPki) -> Attempt:
    signed = pki.sign(document()).replace(b"?>", b'?><!DOCTYPE Instruction [<!ENTITY note "x">]>', 1)
    return Attempt(signed.replace("Покупка облигаций".encode(), b"&note;"))


def _reference_to_a_part(pki: TestPki) -> Attempt:
    return Attempt(pki.sign(document()).replace(b'URI=""', b'URI="#part"'))


CASES = {
    "tampered_field": (_tampered_field, "bad_signature"),
    "tampered_signature_value": (_tampered_signature_value, "bad_signature"),
    "unsupported_digest": (_unsupported_digest, "bad_signature"),
    "other_document": (_other_document, "document_mismatch"),
    "foreign_ca": (_foreign_ca, "untrusted_chain"),
    "expired": (_expired, "expired"),
    "revoked": (_revoked, "revoked"),
    "encipher_only": (_encipher_only, "not_for_signing"),
    "other_iin": (_other_iin, "wrong_iin"),
    "no_iin": (_no_iin, "wrong_iin"),
    "garbage": (_garbage, "malformed"),
    "unsigned": (_unsigned, "malformed"),
    "two_signatures": (_two_signatures, "malformed"),
    "signature_not_in_root": (_signature_not_in_root, "malformed"),
    "dtd_with_entity": (_dtd_with_entity, "malformed"),
    "reference_to_a_part": (_reference_to_a_part, "malformed"),
}


def _verify(pki: TestPki, attempt: Attempt, at=AT) -> Verified:
    trust = pki.trust() if attempt.trust_crls else pki.trust(crls=[])
    return verify_signed_xml(attempt.signed_xml, attempt.issued, trust, at, attempt.expected_iin)


@pytest.mark.parametrize("c14n", [C14N_INCLUSIVE, f"{C14N_INCLUSIVE}#WithComments", C14N_EXCLUSIVE])
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_valid_signature_verifies(pki_for, algorithm, c14n):
    pki = pki_for(algorithm)
    verified = _verify(pki, Attempt(pki.sign(document(), c14n=c14n)))
    serial = f"{pki.client.parsed.serial_number:x}"
    assert verified == Verified(iin=CLIENT_IIN, subject=verified.subject, serial_number=serial,
                                algorithm=NAMES[algorithm], signed_at=AT)
    assert "CN=ТЕСТОВ ТЕСТ" in verified.subject and "SERIALNUMBER=IIN900101300001" in verified.subject


@pytest.mark.parametrize("case", ["comment_added", "revoked_without_crl"])
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_harmless_variations_verify(pki_for, algorithm, case):
    attempt = {"comment_added": _comment_added, "revoked_without_crl": _revoked_without_crl}[case](pki_for(algorithm))
    assert _verify(pki_for(algorithm), attempt).iin == CLIENT_IIN


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_each_refusal_has_its_case(pki_for, algorithm, case):
    make_attempt, code = CASES[case]
    with pytest.raises(SignatureRefused) as refused:
        _verify(pki_for(algorithm), make_attempt(pki_for(algorithm)))
    assert refused.value.code == code
    assert str(refused.value).endswith(".")


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_wrong_iin_names_the_certificates_iin(pki_for, algorithm):
    with pytest.raises(SignatureRefused) as refused:
        _verify(pki_for(algorithm), _other_iin(pki_for(algorithm)))
    assert refused.value.iin == CLIENT_IIN


@pytest.mark.parametrize("moment, code", [(AT.replace(year=2027, month=2), "expired"),
                                          (AT.replace(year=2025), "expired"), (AT + timedelta(days=30), None)])
def test_validity_is_checked_against_at(rsa_pki, moment, code):
    attempt = _valid(rsa_pki)
    if code is None:
        assert _verify(rsa_pki, attempt, at=moment).signed_at == moment
        return
    with pytest.raises(SignatureRefused) as refused:
        _verify(rsa_pki, attempt, at=moment)
    assert refused.value.code == code


def test_a_naive_moment_is_a_programming_error(rsa_pki):
    with pytest.raises(ValueError):
        _verify(rsa_pki, _valid(rsa_pki), at=AT.replace(tzinfo=None))
