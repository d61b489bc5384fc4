"""GOST byte orders pinned against signatures Kalkan (NCA's library, under NCALayer) really made.

The vectors are NCA's test certificate "ТЕСТОВ ТЕСТ" (IIN123456789011, issued by NCA's
"ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022") signing an XML with signXml and a CMS, as
published in the tests of the mitwork/kalkan package. Their chain cannot be checked here (the NCA
test CA is not at hand, and the certificate expired in 2025): these tests check the signature
values only, through the verifier's own XMLDSig core.
"""
import base64
from pathlib import Path

import pytest
from lxml import etree

from app.cabinet.signing import certificates, xmldsig
from app.cabinet.signing.certificates import GostLayout, TrustStore
from tests.cabinet_signing_eds.pki import AT

SIGNED_XML = (Path(__file__).parent / "vectors" / "kalkan_gost2015_512_signxml.xml").read_bytes()
# The same key's CMS: the signed attributes ([0] IMPLICIT, re-tagged SET when hashed) and the signature.
CMS_SIGNED_ATTRIBUTES = base64.b64decode(
    "oIGJMBgGCSqGSIb3DQEJAzELBgkqhkiG9w0BBwEwHAYJKoZIhvcNAQkFMQ8XDTI1MDIyNDE5MjMxM1owTwYJKoZIhvcNAQkE"
    "MUIEQI6vANnr3hkINHIeiEwuKiJh+foWwquQHsT0UuY7xeyvtC2ESvwRQ+LxG9EQvXKYz62MMrec8ZQJHoT3Du7JeZM=")
CMS_SIGNATURE = base64.b64decode(
    "bsnIWOmToIoaijFqXkQ2vUjOVdck6uMyVlKAPmrcyjHihfzDe0keP0f7zAql0Mw7TF8RXOBgfabXye7JRVF2l1S0/MlJMqds"
    "BrygBWmqbJKsK/ijdpsIJ7L9k4tK44NDeqtjBF/yMc4gPsfRH7LieTHumwmgEJbZcL4BnusDr2A=")


@pytest.fixture(scope="module")
def vector():
    root = xmldsig._parse(SIGNED_XML)
    signature = xmldsig._signature(root)
    return root, signature, xmldsig._certificate(signature)


def test_kalkans_signxml_verifies_with_our_xmldsig_core(vector):
    root, signature, certificate = vector
    assert certificates.key_algorithm(certificate) == "gost2015-512"
    assert certificates.subject_iin(certificate) == "123456789011"
    assert xmldsig._verified_gost(root, signature, certificate) == b"<test><message>QCxn00hfuH9zCv58</message></test>"


def test_the_other_byte_order_does_not_verify(vector):
    _, signature, certificate = vector
    signed_info = etree.tostring(signature.signed_info, method="c14n")
    assert certificates.verify_gost(certificate, signed_info, signature.signature_value, GostLayout.NCA)
    assert not certificates.verify_gost(certificate, signed_info, signature.signature_value, GostLayout.RFC9215)


def test_kalkans_cms_uses_the_same_layout(vector):
    certificate = vector[2]
    hashed = b"\x31" + CMS_SIGNED_ATTRIBUTES[1:]
    assert certificates.verify_gost(certificate, hashed, CMS_SIGNATURE, GostLayout.NCA)


def test_without_its_certifying_centre_the_vector_is_refused():
    with pytest.raises(xmldsig.SignatureRefused) as refused:
        xmldsig.verify_signed_xml(SIGNED_XML, b"<test><message>QCxn00hfuH9zCv58</message></test>",
                                  TrustStore(roots=[], intermediates=[], crls=[]), AT, "123456789011")
    assert refused.value.code == "untrusted_chain"
