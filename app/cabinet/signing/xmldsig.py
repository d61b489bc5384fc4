"""A client's EDS signature: the enveloped XMLDSig NCALayer's `signXml` returns over the document
the desk issued (one `ds:Signature` appended to the root, one Reference URI="" with the
enveloped-signature transform and a C14N, the signer's certificate in X509Data).

Checks, in this order, each refusal a `SignatureRefused` with its `code`:
  malformed        not XML, a DTD, no Signature or more than one, not shaped as above;
  untrusted_chain, expired, revoked, not_for_signing   the certificate (see certificates.py);
  bad_signature    a digest or the signature value wrong, an algorithm we do not support;
  document_mismatch  what was signed (the document without its Signature, C14N) is not the
                   issued document (C14N): a valid signature over another document;
  wrong_iin        the certificate's IIN is not the expected signer's.
RSA-SHA256 is verified by signxml with the certificate pinned once we have validated its chain;
GOST R 34.10-2015 512 (NCA's pkigovkz URIs, which signxml does not know) by the XMLDSig core
below. For GOST the SignatureValue is r || s, each little-endian (NCA's layout, checked against a
real Kalkan signature: see certificates.py).
"""
import base64
import binascii
import copy
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

import gostcrypto
from cryptography import x509 as crypto_x509
from cryptography.exceptions import InvalidSignature
from lxml import etree
from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod, XMLVerifier
from signxml.exceptions import SignXMLException

from app.cabinet.signing import certificates
from app.cabinet.signing.certificates import CertificateRefused, GostLayout, TrustStore

DS = "http://www.w3.org/2000/09/xmldsig#"
EC = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
GOST_512 = "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34102015-gostr34112015-512"
STREEBOG_512 = "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34112015-512"
# SignatureMethod -> (DigestMethod, Verified.algorithm, certificate key algorithm)
ALGORITHMS = {
    RSA_SHA256: (SHA256, "rsa-sha256", "rsa"),
    GOST_512: (STREEBOG_512, "gost2015-512", "gost2015-512"),
}
C14N = {  # URI -> (exclusive, with comments)
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315": (False, False),
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments": (False, True),
    "http://www.w3.org/2001/10/xml-exc-c14n#": (True, False),
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments": (True, True),
}
MESSAGES = {
    **certificates.MESSAGES,
    "malformed": "The signed document could not be read; sign it again with NCALayer.",
    "document_mismatch": "The signed document is not the one the desk issued.",
    "bad_signature": "The signature does not match the document.",
    "wrong_iin": "The certificate belongs to another person.",
    # The NCANode verifier (ncanode.py) only: the server did not answer, or not as NCANode does.
    "verifier_unavailable": "The signature could not be verified now; try again later.",
}


@dataclass(frozen=True)
class Verified:
    iin: str
    subject: str
    serial_number: str
    algorithm: str
    signed_at: datetime


class SignatureRefused(Exception):
    """`code` for machines, str() an English sentence for the user, `detail` for the log; on
    wrong_iin `iin` is the certificate's IIN (None if it has none)."""

    def __init__(self, code: str, detail: str = "", iin: str | None = None):
        super().__init__(MESSAGES[code])
        self.code = code
        self.detail = detail
        self.iin = iin


@dataclass(frozen=True)
class _Signature:
    """The parts of the one ds:Signature, its shape and algorithms already checked."""
    element: etree._Element
    signed_info: etree._Element
    c14n: str
    method: str
    transforms: list[etree._Element]
    digest_value: bytes
    signature_value: bytes
    certificate_der: bytes


def verify_signed_xml(signed_xml: bytes, issued_document: bytes, trust: TrustStore, at: datetime,
                      expected_iin: str) -> Verified:
    root, signature, certificate = read_signed(signed_xml)
    try:
        certificates.check_certificate(certificate, trust, at)
    except CertificateRefused as refusal:
        raise SignatureRefused(refusal.code, refusal.detail) from refusal
    _, algorithm, key = ALGORITHMS[signature.method]
    if certificates.key_algorithm(certificate) != key:
        raise SignatureRefused("bad_signature", "the certificate's key does not match SignatureMethod")
    if algorithm == "rsa-sha256":
        signed_data = _verified_rsa(signed_xml, signature, at)
    else:
        signed_data = _verified_gost(root, signature, certificate)
    check_content(signature, signed_data, issued_document)
    iin = check_signer_iin(certificate, expected_iin)
    return Verified(iin=iin, subject=certificates.readable_subject(certificate),
                    serial_number=certificates.serial_hex(certificate), algorithm=algorithm, signed_at=at)


def check_content(signature: _Signature, signed_data: bytes, issued_document: bytes) -> None:
    """What was signed (the Reference's octets) is the issued document: else document_mismatch."""
    exclusive = _reference_exclusive(signature)
    if _canonical(signed_data, exclusive) != _canonical(issued_document, exclusive, ours=True):
        raise SignatureRefused("document_mismatch")


def check_signer_iin(certificate, expected_iin: str) -> str:
    """The certificate's IIN, which must be the expected signer's: else wrong_iin."""
    iin = certificates.subject_iin(certificate)
    if iin is None or iin != expected_iin:
        raise SignatureRefused("wrong_iin", f"certificate IIN {iin}", iin=iin)
    return iin


def read_signed(signed_xml: bytes):
    """(root, signature, certificate) of a signed document, its shape and algorithms checked
    (malformed, bad_signature); nothing about trust or the signature value yet."""
    root = _parse(signed_xml)
    signature = _signature(root)
    return root, signature, _certificate(signature)


def digested_content(root: etree._Element, signature: _Signature) -> bytes:
    """The Reference's octets, checked against its DigestValue (bad_signature): what a verifier
    that checks the SignedInfo's signature vouches for."""
    signed_data = _transformed(root, signature)
    if ALGORITHMS[signature.method][0] == SHA256:
        digest = hashlib.sha256(signed_data).digest()
    else:
        digest = bytes(gostcrypto.gosthash.new("streebog512", data=signed_data).digest())
    if not hmac.compare_digest(digest, signature.digest_value):
        raise SignatureRefused("bad_signature", "digest mismatch")
    return signed_data


def algorithm_name(signature: _Signature) -> str:
    """Verified.algorithm of the signature's SignatureMethod."""
    return ALGORITHMS[signature.method][1]


# --- reading ---------------------------------------------------------------------------------------

def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, collect_ids=False)


def _parse(data: bytes) -> etree._Element:
    """The root element; no DTD (so no entities) and nothing fetched."""
    if not isinstance(data, bytes):
        raise SignatureRefused("malformed", "not bytes")
    try:
        root = etree.fromstring(data, parser=_parser())
    except (etree.XMLSyntaxError, ValueError) as error:
        raise SignatureRefused("malformed", str(error)) from error
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise SignatureRefused("malformed", "a DTD")
    if any(isinstance(node, etree._Entity) for node in root.iter()):
        raise SignatureRefused("malformed", "an entity reference")
    return root


def _canonical(xml: bytes, exclusive: bool, ours: bool = False) -> bytes:
    """C14N 1.0 (as the Reference's, without comments) of a whole document."""
    try:
        return etree.tostring(_parse(xml).getroottree(), method="c14n", exclusive=exclusive, with_comments=False)
    except SignatureRefused:
        if ours:
            raise ValueError("the issued document is not XML") from None
        raise


def _ds(element: etree._Element, name: str) -> etree._Element:
    found = element.findall(f"{{{DS}}}{name}")
    if len(found) != 1:
        raise SignatureRefused("malformed", f"{len(found)} ds:{name} in ds:{etree.QName(element).localname}")
    return found[0]


def _signature(root: etree._Element) -> _Signature:
    found = list(root.iter(f"{{{DS}}}Signature"))
    if len(found) != 1 or found[0].getparent() is not root:
        raise SignatureRefused("malformed", f"{len(found)} ds:Signature, expected one in the root")
    element = found[0]
    signed_info = _ds(element, "SignedInfo")
    reference = _ds(signed_info, "Reference")
    if reference.get("URI") != "":
        raise SignatureRefused("malformed", "the Reference does not cover the whole document")
    transforms_element = reference.find(f"{{{DS}}}Transforms")
    transforms = [] if transforms_element is None else transforms_element.findall(f"{{{DS}}}Transform")
    signature = _Signature(
        element=element, signed_info=signed_info,
        c14n=_algorithm(_ds(signed_info, "CanonicalizationMethod")),
        method=_algorithm(_ds(signed_info, "SignatureMethod")), transforms=transforms,
        digest_value=_base64(_ds(reference, "DigestValue"), "bad_signature"),
        signature_value=_base64(_ds(element, "SignatureValue"), "bad_signature"),
        certificate_der=_base64(_ds(_ds(_ds(element, "KeyInfo"), "X509Data"), "X509Certificate"), "malformed"))
    _check_algorithms(signature, _algorithm(_ds(reference, "DigestMethod")))
    return signature


def _algorithm(element: etree._Element) -> str:
    return element.get("Algorithm") or ""


def _base64(element: etree._Element, refusal: str) -> bytes:
    try:
        return base64.b64decode("".join((element.text or "").split()), validate=True)
    except (binascii.Error, ValueError) as error:
        raise SignatureRefused(refusal, f"ds:{etree.QName(element).localname} is not base64") from error


def _check_algorithms(signature: _Signature, digest_method: str) -> None:
    """Only what NCALayer uses: enveloped-signature first, then at most one C14N."""
    uris = [_algorithm(transform) for transform in signature.transforms]
    if signature.method not in ALGORITHMS or ALGORITHMS[signature.method][0] != digest_method:
        raise SignatureRefused("bad_signature", f"unsupported {signature.method} with {digest_method}")
    if signature.c14n not in C14N:
        raise SignatureRefused("bad_signature", f"unsupported canonicalisation {signature.c14n}")
    if uris[:1] != [ENVELOPED] or len(uris) > 2 or any(uri not in C14N for uri in uris[1:]):
        raise SignatureRefused("bad_signature", f"unsupported transforms {uris}")


def _certificate(signature: _Signature):
    try:
        return certificates.parse_certificate(signature.certificate_der)
    except ValueError as error:
        raise SignatureRefused("malformed", str(error)) from error


# --- RSA: signxml ----------------------------------------------------------------------------------

def _verified_rsa(signed_xml: bytes, signature: _Signature, at: datetime) -> bytes:
    """The signed bytes (the document as it was signed), signxml pinned to the validated certificate."""
    config = SignatureConfiguration(
        location="./", expect_references=1, signature_methods=frozenset({SignatureMethod.RSA_SHA256}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA256}), verification_time=at)
    try:
        certificate = crypto_x509.load_der_x509_certificate(signature.certificate_der)
        result = XMLVerifier().verify(signed_xml, x509_cert=certificate, parser=_parser(), expect_config=config)
    except (SignXMLException, InvalidSignature, ValueError, etree.LxmlError) as error:
        raise SignatureRefused("bad_signature", str(error)) from error
    return result.signed_data


# --- GOST: the XMLDSig core ------------------------------------------------------------------------

def _verified_gost(root: etree._Element, signature: _Signature, certificate) -> bytes:
    signed_data = digested_content(root, signature)
    exclusive, with_comments = C14N[signature.c14n]
    method = signature.signed_info.find(f"{{{DS}}}CanonicalizationMethod")
    signed_info = etree.tostring(signature.signed_info, method="c14n", exclusive=exclusive,
                                 with_comments=with_comments, inclusive_ns_prefixes=_prefixes(method, exclusive))
    if not certificates.verify_gost(certificate, signed_info, signature.signature_value, GostLayout.NCA):
        raise SignatureRefused("bad_signature", "signature value mismatch")
    return signed_data


def _transformed(root: etree._Element, signature: _Signature) -> bytes:
    """The Reference's octets: the document (URI "": without comments), Signature removed, C14N
    (the transform's, else inclusive C14N 1.0)."""
    document = copy.deepcopy(root.getroottree())
    enveloped = document.getroot().find(f"{{{DS}}}Signature")
    _remove_keeping_tail(enveloped)
    c14n = signature.transforms[1] if len(signature.transforms) > 1 else None
    exclusive = _reference_exclusive(signature)
    return etree.tostring(document, method="c14n", exclusive=exclusive, with_comments=False,
                          inclusive_ns_prefixes=_prefixes(c14n, exclusive))


def _reference_exclusive(signature: _Signature) -> bool:
    return len(signature.transforms) > 1 and C14N[_algorithm(signature.transforms[1])][0]


def _prefixes(c14n_element: etree._Element | None, exclusive: bool) -> list[str] | None:
    """InclusiveNamespaces/@PrefixList of an exclusive C14N."""
    if c14n_element is None or not exclusive:
        return None
    inclusive = c14n_element.find(f"{{{EC}}}InclusiveNamespaces")
    return inclusive.get("PrefixList", "").split() if inclusive is not None else None


def _remove_keeping_tail(element: etree._Element) -> None:
    parent, previous, tail = element.getparent(), element.getprevious(), element.tail or ""
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)
