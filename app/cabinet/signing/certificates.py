"""Signers' certificates: the trust store of certifying centres and the checks a signing
certificate must pass (chain to a configured root, validity, revocation, key usage).

Certificates and CRLs are asn1crypto objects throughout, because cryptography cannot load GOST
keys. RSA signatures in a chain are checked with cryptography, GOST R 34.10-2015 ones with
gostcrypto (pure Python: about a second per signature, so chain results are cached per process).

GOST byte orders, as NCA's Kalkan library writes them (checked against a real Kalkan XMLDSig
and CMS signature of an NCA test certificate, see tests/cabinet_signing_eds/test_real_vectors.py):
  * public key: an OCTET STRING inside the BIT STRING, x || y, each little-endian;
  * the digest is read as a little-endian integer (gostcrypto reads big-endian: we reverse it);
  * NCA signature value (XMLDSig, CMS and, by NCA's OID 1.2.398.3.10.1.1.2.3.2, X.509):
    r || s, each little-endian, i.e. the byte reversal of RFC 9215's s || r big-endian;
  * TC26 certificates (OID 1.2.643.7.1.1.3.3) use RFC 9215's s || r big-endian.
The NCA X.509 layout is not confirmed here against an NCA CA certificate (none is at hand):
it follows Kalkan's CMS and XMLDSig layout, as others report for NCA's 2022 GOST roots.
"""
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import lru_cache
from pathlib import Path

import gostcrypto
from asn1crypto import core, crl, pem, x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

MAX_INTERMEDIATES = 4
RSA_KEY = "1.2.840.113549.1.1.1"
GOST_512_KEYS = frozenset({"1.2.398.3.10.1.1.2.2", "1.2.643.7.1.1.1.2"})  # NCA's arc, TC26's
# Parameter sets of 512-bit keys -> gostcrypto's curves. NCA's 1.2.398.3.10.1.1.2.2.1 is TC26's
# set A: a real NCA test key verifies on it. NCA's other sets are not mapped (unknown to us).
GOST_CURVES = {
    "1.2.643.7.1.2.1.2.1": "id-tc26-gost-3410-12-512-paramSetA",
    "1.2.643.7.1.2.1.2.2": "id-tc26-gost-3410-12-512-paramSetB",
    "1.2.643.7.1.2.1.2.3": "id-tc26-gost-3410-2012-512-paramSetC",
    "1.2.398.3.10.1.1.2.2.1": "id-tc26-gost-3410-12-512-paramSetA",
}
RSA_SIGNATURES = {
    "1.2.840.113549.1.1.11": hashes.SHA256,
    "1.2.840.113549.1.1.12": hashes.SHA384,
    "1.2.840.113549.1.1.13": hashes.SHA512,
}


_SERIALS: dict[bytes, frozenset[int]] = {}


class GostLayout(Enum):
    NCA = "r||s little-endian"
    RFC9215 = "s||r big-endian"


GOST_SIGNATURES = {"1.2.398.3.10.1.1.2.3.2": GostLayout.NCA, "1.2.643.7.1.1.3.3": GostLayout.RFC9215}
IIN_PATTERN = re.compile(r"IIN([0-9]{12})")
SUBJECT_LABELS = {
    "2.5.4.3": "CN", "2.5.4.4": "SURNAME", "2.5.4.42": "G", "2.5.4.5": "SERIALNUMBER", "2.5.4.6": "C",
    "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU", "1.2.840.113549.1.9.1": "E",
}
MESSAGES = {
    "untrusted_chain": "The certificate is not issued by a trusted certifying centre.",
    "expired": "The certificate was not valid at the time of signing.",
    "revoked": "The certificate has been revoked.",
    "not_for_signing": "This certificate is not meant for signing.",
}


class CertificateRefused(Exception):
    """A signer's certificate failed a check; `code` is one of MESSAGES (str() says it for the user)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(MESSAGES[code])
        self.code = code
        self.detail = detail


class _KeyAlgorithm(core.Sequence):
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", core.Any, {"optional": True})]


class _PublicKeyInfo(core.Sequence):
    """SubjectPublicKeyInfo read without asn1crypto's key specs (which know no GOST OIDs)."""
    _fields = [("algorithm", _KeyAlgorithm), ("public_key", core.OctetBitString)]


@dataclass(frozen=True)
class TrustStore:
    """Certifying centres: asn1crypto `x509.Certificate`s (roots: self-issued; intermediates:
    only ever used to reach a root) and asn1crypto `crl.CertificateList`s."""
    roots: list
    intermediates: list
    crls: list

    @classmethod
    def from_pem_files(cls, ca_files: list[str], crl_files: list[str]) -> "TrustStore":
        """PEM or DER files, several objects per file allowed; ValueError names a bad file."""
        cas = [parse_certificate(der) for path in ca_files for der in _objects(path, "CERTIFICATE")]
        crls = [_parse_crl(der) for path in crl_files for der in _objects(path, "X509 CRL")]
        return cls(roots=[ca for ca in cas if ca.self_issued],
                   intermediates=[ca for ca in cas if not ca.self_issued], crls=crls)


def _objects(path: str, pem_type: str) -> list[bytes]:
    data = Path(path).read_bytes()
    try:
        if pem.detect(data):
            return [der for kind, _, der in pem.unarmor(data, multiple=True) if kind == pem_type]
        objects = []
        while data:
            value = core.load(data, strict=False)
            objects.append(value.dump())
            data = data[len(objects[-1]):].lstrip(b"\r\n\t ")
        return objects
    except ValueError as error:
        raise ValueError(f"{path}: not PEM or DER ({error})") from error


def parse_certificate(der: bytes) -> x509.Certificate:
    """The certificate, its fields read once so that a broken one fails here (ValueError)."""
    try:
        certificate = x509.Certificate.load(der, strict=True)
        _ = (certificate.serial_number, certificate.subject.native, certificate.issuer.native,
             certificate.not_valid_before, certificate.not_valid_after, certificate.key_usage_value,
             certificate.basic_constraints_value, certificate.authority_key_identifier,
             certificate.key_identifier, certificate["signature_value"].native)
        _public_key_info(certificate)
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError(f"not an X.509 certificate: {error}") from error
    return certificate


def _parse_crl(der: bytes) -> crl.CertificateList:
    revocation_list = crl.CertificateList.load(der, strict=True)
    _ = revocation_list["tbs_cert_list"]["issuer"].native, revocation_list["signature"].native
    return revocation_list


def _public_key_info(certificate: x509.Certificate) -> _PublicKeyInfo:
    return _PublicKeyInfo.load(certificate["tbs_certificate"]["subject_public_key_info"].dump())


def key_algorithm(certificate: x509.Certificate) -> str | None:
    """"rsa", "gost2015-512" or None (a key we do not verify)."""
    oid = _public_key_info(certificate)["algorithm"]["algorithm"].dotted
    if oid == RSA_KEY:
        return "rsa"
    return "gost2015-512" if oid in GOST_512_KEYS else None


# --- the signer's certificate ----------------------------------------------------------------------

def check_certificate(certificate: x509.Certificate, trust: TrustStore, at: datetime) -> None:
    """Refuses (CertificateRefused) unless the certificate chains to a root of `trust`, every
    certificate of the chain is valid at `at`, none is on its issuer's CRL, and the key may sign."""
    if at.tzinfo is None:
        raise ValueError("`at` must be timezone-aware")
    path = certification_path(certificate, trust)
    for member in path:
        if not member.not_valid_before <= at <= member.not_valid_after:
            raise CertificateRefused("expired", f"serial {member.serial_number:x}")
    for member, issuer in zip(path, path[1:]):
        if _revoked(member, issuer, trust.crls):
            raise CertificateRefused("revoked", f"serial {member.serial_number:x}")
    usage = certificate.key_usage_value
    if usage is not None and not usage.native & {"digital_signature", "non_repudiation"}:
        raise CertificateRefused("not_for_signing", f"key usage {sorted(usage.native)}")


def certification_path(certificate: x509.Certificate, trust: TrustStore) -> list[x509.Certificate]:
    """[certificate, issuer, …, root]: every signature checked, every issuer a CA allowed to
    issue at its depth, the root a configured one."""
    path = _extend([certificate], trust)
    if path is None:
        raise CertificateRefused("untrusted_chain", f"issuer {certificate.issuer.human_friendly}")
    return path


def _extend(path: list, trust: TrustStore) -> list | None:
    if len(path) > MAX_INTERMEDIATES + 1:
        return None
    below = path[-1]
    for issuer in _issuers_of(below, trust):
        if any(issuer.dump() == member.dump() for member in path):
            continue
        if not _may_issue(issuer, intermediates_below=len(path) - 1) or not signed_by(below, issuer):
            continue
        if any(issuer.dump() == root.dump() for root in trust.roots):
            if not issuer.self_issued or signed_by(issuer, issuer):
                return [*path, issuer]
            continue
        longer = _extend([*path, issuer], trust)
        if longer is not None:
            return longer
    return None


def _issuers_of(certificate: x509.Certificate, trust: TrustStore) -> list[x509.Certificate]:
    wanted_key = certificate.authority_key_identifier
    return [candidate for candidate in [*trust.roots, *trust.intermediates]
            if candidate.subject == certificate.issuer
            and (wanted_key is None or candidate.key_identifier in (None, wanted_key))]


def _may_issue(issuer: x509.Certificate, intermediates_below: int) -> bool:
    usage = issuer.key_usage_value
    path_length = issuer.max_path_length
    return bool(issuer.ca and (usage is None or "key_cert_sign" in usage.native)
            and (path_length is None or intermediates_below <= path_length))


def _revoked(certificate: x509.Certificate, issuer: x509.Certificate, crls: list) -> bool:
    """Listed on a CRL of the certificate's issuer whose signature verifies. Only a CRL that lists
    the serial is verified: GOST hashing of a large CRL in pure Python is slow."""
    for revocation_list in crls:
        tbs = revocation_list["tbs_cert_list"]
        if tbs["issuer"] != certificate.issuer or certificate.serial_number not in _serials(revocation_list):
            continue
        usage = issuer.key_usage_value
        if (usage is None or "crl_sign" in usage.native) and _crl_signed_by(revocation_list, issuer):
            return True
    return False


def _serials(revocation_list: crl.CertificateList) -> frozenset[int]:
    """Cached by the CRL's SHA-256: the trust store is read again for each signature."""
    key = hashlib.sha256(revocation_list.dump()).digest()
    if key not in _SERIALS:
        if len(_SERIALS) >= 16:
            _SERIALS.clear()
        entries = revocation_list["tbs_cert_list"]["revoked_certificates"]
        _SERIALS[key] = frozenset(entry["user_certificate"].native for entry in entries)
    return _SERIALS[key]


def _crl_signed_by(revocation_list: crl.CertificateList, issuer: x509.Certificate) -> bool:
    tbs = revocation_list["tbs_cert_list"]
    if tbs["signature"].dump() != revocation_list["signature_algorithm"].dump():
        return False
    return verify_signature(issuer, revocation_list["signature_algorithm"]["algorithm"].dotted,
                            tbs.dump(), revocation_list["signature"].native)


def signed_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    return _signed_by(certificate.dump(), issuer.dump())


@lru_cache(maxsize=512)
def _signed_by(certificate_der: bytes, issuer_der: bytes) -> bool:
    """Cached by the two DER encodings: a chain's CA signatures are checked once per process."""
    certificate, issuer = x509.Certificate.load(certificate_der), x509.Certificate.load(issuer_der)
    tbs = certificate["tbs_certificate"]
    if tbs["signature"].dump() != certificate["signature_algorithm"].dump():
        return False
    return verify_signature(issuer, certificate["signature_algorithm"]["algorithm"].dotted,
                            tbs.dump(), certificate["signature_value"].native)


def verify_signature(signer: x509.Certificate, algorithm: str, data: bytes, signature: bytes) -> bool:
    """An X.509-style signature (certificate or CRL) by `signer`'s key, algorithm by OID."""
    if algorithm in GOST_SIGNATURES:
        return verify_gost(signer, data, signature, GOST_SIGNATURES[algorithm])
    if algorithm in RSA_SIGNATURES and key_algorithm(signer) == "rsa":
        try:
            public_key = serialization.load_der_public_key(_public_key_info(signer).dump())
            if not isinstance(public_key, rsa.RSAPublicKey):
                return False
            public_key.verify(signature, data, padding.PKCS1v15(), RSA_SIGNATURES[algorithm]())
        except (InvalidSignature, UnsupportedAlgorithm, ValueError):
            return False
        return True
    return False


# --- GOST R 34.10-2015, 512 bits ---------------------------------------------------------------------

def verify_gost(signer: x509.Certificate, data: bytes, signature: bytes, layout: GostLayout) -> bool:
    """Streebog-512 of `data` signed with `signer`'s GOST key; byte orders in the module docstring."""
    try:
        curve, public_key = _gost_public_key(signer)
    except ValueError:
        return False
    if len(signature) != 128:
        return False
    if layout is GostLayout.NCA:
        r_s = signature[:64][::-1] + signature[64:][::-1]
    else:
        r_s = signature[64:] + signature[:64]
    digest = bytes(gostcrypto.gosthash.new("streebog512", data=data).digest())
    try:
        return bool(_gost_verifier(curve).verify(bytearray(public_key), bytearray(digest[::-1]), bytearray(r_s)))
    except (gostcrypto.gostsignature.GOSTSignatureError, ArithmeticError, ValueError):
        return False


def _gost_public_key(certificate: x509.Certificate) -> tuple[str, bytes]:
    """(gostcrypto curve name, x || y big-endian as gostcrypto wants it)."""
    info = _public_key_info(certificate)
    if info["algorithm"]["algorithm"].dotted not in GOST_512_KEYS:
        raise ValueError("not a GOST R 34.10-2015 512-bit key")
    parameters = info["algorithm"]["parameters"].parsed
    parameter_set = parameters if isinstance(parameters, core.ObjectIdentifier) else parameters[0]
    if not isinstance(parameter_set, core.ObjectIdentifier) or parameter_set.dotted not in GOST_CURVES:
        raise ValueError("unknown GOST parameter set")
    point = core.OctetString.load(info["public_key"].native).native
    if len(point) != 128:
        raise ValueError("a 512-bit GOST key is 128 bytes")
    return GOST_CURVES[parameter_set.dotted], point[:64][::-1] + point[64:][::-1]


@lru_cache(maxsize=8)
def _gost_verifier(curve: str):
    """Stateless for verify(); building one costs a tenth of a second."""
    return gostcrypto.gostsignature.new(gostcrypto.gostsignature.MODE_512,
                                        gostcrypto.gostsignature.CURVES_R_1323565_1_024_2019[curve])


# --- subject -----------------------------------------------------------------------------------------

def subject_iin(certificate: x509.Certificate) -> str | None:
    """NCA puts a person's IIN in the subject's SERIALNUMBER as "IIN" and 12 digits."""
    for label, value in _subject_attributes(certificate):
        match = IIN_PATTERN.fullmatch(value) if label == "SERIALNUMBER" else None
        if match:
            return match.group(1)
    return None


def readable_subject(certificate: x509.Certificate) -> str:
    return ", ".join(f"{label}={value}" for label, value in _subject_attributes(certificate))


def _subject_attributes(certificate: x509.Certificate) -> list[tuple[str, str]]:
    return [(SUBJECT_LABELS.get(attribute["type"].dotted, attribute["type"].dotted), str(attribute["value"].native))
            for rdn in certificate.subject.chosen for attribute in rdn]


def serial_hex(certificate: x509.Certificate) -> str:
    return format(certificate.serial_number, "x")
