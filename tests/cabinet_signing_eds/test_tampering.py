"""Property: no single flipped byte, in the SignatureValue or in a signed text node, verifies."""
import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from app.cabinet.signing.xmldsig import SignatureRefused, verify_signed_xml
from tests.cabinet_signing_eds.pki import AT, CLIENT_IIN, DS, document

SIGNED_TEXTS = ["order", CLIENT_IIN, "KZ_BOND_0042", "1000000.00", "Покупка облигаций",
                "5f1c0e7a9b2d4c6e"]


def _refused(pki, signed_xml: bytes) -> bool:
    try:
        verify_signed_xml(signed_xml, document(), pki.trust(), AT, CLIENT_IIN)
    except SignatureRefused:
        return True
    return False


def _with_signature_value(signed_xml: bytes, flip_at: float, mask: int) -> bytes:
    root = etree.fromstring(signed_xml)
    element = root.find(f"{{{DS}}}Signature/{{{DS}}}SignatureValue")
    value = bytearray(base64.b64decode("".join(element.text.split())))
    value[int(flip_at * len(value))] ^= mask
    element.text = base64.b64encode(bytes(value)).decode()
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _with_text_byte(signed_xml: bytes, text: str, flip_at: float, mask: int) -> bytes:
    encoded = f">{text}<".encode()
    start = signed_xml.index(encoded) + 1
    position = start + int(flip_at * (len(encoded) - 2))
    flipped = bytearray(signed_xml)
    flipped[position] ^= mask
    return bytes(flipped)


@pytest.fixture(scope="module")
def signed_rsa(rsa_pki):
    return rsa_pki.sign(document())


@pytest.fixture(scope="module")
def signed_gost(gost_pki):
    return gost_pki.sign(document())


places = st.sampled_from(["signature_value", *SIGNED_TEXTS])
flips = st.tuples(st.floats(min_value=0, max_value=1, exclude_max=True), st.integers(min_value=1, max_value=255))


def _tampered(signed_xml: bytes, where: str, flip: tuple[float, int]) -> bytes:
    if where == "signature_value":
        return _with_signature_value(signed_xml, *flip)
    return _with_text_byte(signed_xml, where, *flip)


def test_the_untampered_documents_verify(rsa_pki, gost_pki, signed_rsa, signed_gost):
    assert not _refused(rsa_pki, signed_rsa) and not _refused(gost_pki, signed_gost)


@settings(max_examples=60, deadline=None, database=None)
@given(where=places, flip=flips)
def test_no_flipped_byte_verifies_rsa(rsa_pki, signed_rsa, where, flip):
    assert _refused(rsa_pki, _tampered(signed_rsa, where, flip))


# GOST verification is pure Python (about half a second): fewer examples.
@settings(max_examples=8, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(where=places, flip=flips)
def test_no_flipped_byte_verifies_gost(gost_pki, signed_gost, where, flip):
    assert _refused(gost_pki, _tampered(signed_gost, where, flip))
