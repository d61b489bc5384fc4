"""XMLDSig signatures on register files, made with the exchange's own key (SPEC §5: registers
travel "confidential and unaltered").

What is signed. An enveloped signature needs the whole document in memory and a Reference to
external octets is not something signxml can produce, so beside each register `<name>` we
write `<name>.sig`: a small RegisterManifest (schemas/bids_register.xsd) naming the file, its
media type, size, row count and SHA-256, carrying an enveloped XMLDSig signature (RSA-SHA256,
exclusive c14n, SHA-256 digest, the desk's certificate in KeyInfo). Any XMLDSig tool checks
the manifest (e.g. `xmlsec1 --verify --pubkey-cert-pem cert.pem register.xml.sig`); `sha256sum`
then checks the register against it. verify_register() does both.

Registers of at most ENVELOPED_MAX_ROWS bids may instead carry the signature inside the file
(sign_register_enveloped / verify_enveloped_register).

The key and a self-signed certificate are created on first use (RSA 3072, key file mode 0600)
at REGISTER_SIGNING_KEY / REGISTER_SIGNING_CERT.
"""
import fcntl
import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from flask import current_app
from flask_babel import lazy_gettext as _l
from lxml import etree
from signxml import (CanonicalizationMethod, DigestAlgorithm, SignatureConfiguration, SignatureMethod, XMLSigner,
                     XMLVerifier)
from signxml.algorithms import SignatureConstructionMethod
from signxml.exceptions import InvalidInput, SignXMLException

from app.clock.services import wall_now
from app.registers.rows import COPY_CHUNK, Text, file_sha256, staged_file
from app.registers.xml import (NAMESPACE, PREFIX, ROOTS, RegisterInvalid, hardened_parser, instant, qualified,
                               refuse_doctype, register_schema)

SIGNATURE_SUFFIX = ".sig"
MAX_SIGNATURE_BYTES = 256 * 1024
MAX_ENVELOPED_BYTES = 64 * 1024 * 1024
ENVELOPED_MAX_ROWS = 20_000
KEY_BITS = 3072
CERTIFICATE_DAYS = 3650
MEDIA_TYPES = {".xml": "application/xml",
               ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
MANIFEST_FIELDS = ("FileName", "MediaType", "Size", "RowCount", "SHA256", "SignedAt")
# Only what the desk itself produces is accepted back.
EXPECTED = SignatureConfiguration(location="./", signature_methods=frozenset({SignatureMethod.RSA_SHA256}),
                                  digest_algorithms=frozenset({DigestAlgorithm.SHA256}))

Source = bytes | str | os.PathLike | BinaryIO
VALID = _l("Valid: the register is the one the exchange signed.")
CHANGED = _l("The register does not match its signature: the file was changed or is not the one that was signed.")


class SigningKeyError(RuntimeError):
    """The configured key and certificate cannot be used together (one missing, or no pair)."""


@dataclass(frozen=True)
class SigningIdentity:
    key_pem: bytes
    cert_pem: bytes


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    digest: str | None  # SHA-256 hex of the register as received
    signer_subject: str | None  # RFC 4514 subject of the desk certificate that verified it
    message: Text  # str() gives it in the current language; templates escape it

    def __post_init__(self):
        object.__setattr__(self, "message", Text(self.message))


# --- the desk's key -----------------------------------------------------------------------------------

def configured_paths() -> tuple[Path, Path]:
    return Path(current_app.config["REGISTER_SIGNING_KEY"]), Path(current_app.config["REGISTER_SIGNING_CERT"])


def desk_identity() -> SigningIdentity:
    key_path, cert_path = configured_paths()
    return ensure_identity(key_path, cert_path, current_app.config["EXCHANGE_NAME"])


def ensure_identity(key_path: Path, cert_path: Path, organisation: str) -> SigningIdentity:
    """The key and certificate, created on first use; concurrent workers wait on a lock file,
    so exactly one of them generates the pair."""
    if not (key_path.exists() and cert_path.exists()):
        with _locked(key_path.with_name(key_path.name + ".lock")):
            if cert_path.exists() and not key_path.exists():
                raise SigningKeyError(f"{cert_path} exists without its key {key_path}")
            if not key_path.exists():
                _write_private(key_path, _new_key())
            if not cert_path.exists():
                key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
                _write_private(cert_path, _self_signed(key, organisation), mode=0o644)
    identity = SigningIdentity(key_path.read_bytes(), cert_path.read_bytes())
    _check_pair(identity)
    return identity


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _new_key() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _self_signed(key, organisation: str) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} register signing")])
    start = wall_now() - timedelta(days=1)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(start)
        .not_valid_after(start + timedelta(days=CERTIFICATE_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def _write_private(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Created with its final mode (never readable by others, not even briefly), then renamed
    into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)  # the umask may have narrowed it
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _check_pair(identity: SigningIdentity) -> None:
    key = serialization.load_pem_private_key(identity.key_pem, password=None)
    certificate = x509.load_pem_x509_certificate(identity.cert_pem)
    if key.public_key().public_numbers() != certificate.public_key().public_numbers():
        raise SigningKeyError("the register signing certificate does not belong to the signing key")


def desk_certificate() -> x509.Certificate | None:
    """The certificate verification trusts; None while the desk has signed nothing yet."""
    _, cert_path = configured_paths()
    return x509.load_pem_x509_certificate(cert_path.read_bytes()) if cert_path.exists() else None


# --- signing ------------------------------------------------------------------------------------------

def _signer() -> XMLSigner:
    return XMLSigner(method=SignatureConstructionMethod.enveloped, signature_algorithm=SignatureMethod.RSA_SHA256,
                     digest_algorithm=DigestAlgorithm.SHA256,
                     c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)


def manifest_element(file_name: str, size: int, row_count: int | None, sha256: str) -> etree._Element:
    suffix = Path(file_name).suffix.lower()
    if suffix not in MEDIA_TYPES:
        raise ValueError(f"not a register file: {file_name}")
    root = etree.Element(qualified("RegisterManifest"), {"version": "1"}, nsmap={PREFIX: NAMESPACE})
    values = (file_name, MEDIA_TYPES[suffix], str(size), None if row_count is None else str(row_count), sha256,
              instant(wall_now()))
    for name, value in zip(MANIFEST_FIELDS, values):
        if value is not None:
            etree.SubElement(root, name).text = value
    return root


def sign_register(path: str | os.PathLike, *, row_count: int | None = None, sha256: str | None = None,
                  identity: SigningIdentity | None = None) -> Path:
    """Write `<path>.sig`, the signed manifest of the register at `path` (complete, renamed into
    place like the register). Pass what the writer returned (row count, digest): the manifest
    then states the row count, and the file is not read again."""
    path = Path(path)
    identity = identity or desk_identity()
    manifest = manifest_element(path.name, path.stat().st_size, row_count, sha256 or file_sha256(path))
    signed = _signer().sign(manifest, key=identity.key_pem, cert=identity.cert_pem.decode())
    target = path.with_name(path.name + SIGNATURE_SUFFIX)
    with staged_file(target) as staged:
        staged.write_bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))
    return target


def sign_register_enveloped(path: str | os.PathLike, identity: SigningIdentity | None = None) -> str:
    """Sign a small XML register in place (the signature becomes the root's last child);
    returns the new SHA-256 of the file."""
    path = Path(path)
    root = etree.parse(str(path), hardened_parser()).getroot()
    refuse_doctype(root)
    bids = root.find("Bids")
    if bids is None or len(bids) > ENVELOPED_MAX_ROWS:
        raise ValueError(f"only registers of at most {ENVELOPED_MAX_ROWS} bids are signed in place")
    identity = identity or desk_identity()
    signed = _signer().sign(root, key=identity.key_pem, cert=identity.cert_pem.decode())
    with staged_file(path) as staged:
        staged.write_bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))
    return file_sha256(path)


# --- verification -------------------------------------------------------------------------------------

def verify_register(register: Source, signature: Source, *,
                    certificate: x509.Certificate | None = None) -> VerifyResult:
    """The manifest's signature is valid for the desk's certificate (or `certificate`), and
    the register's SHA-256 and size are the manifest's."""
    digest, size = _digest_and_size(register)
    try:
        manifest, certificate = _verified(lambda: _read_limited(signature), certificate, "RegisterManifest")
    except _Refused as refused:
        return VerifyResult(False, digest, None, refused.message)
    if manifest.findtext("SHA256") != digest or manifest.findtext("Size") != str(size):
        return VerifyResult(False, digest, None, CHANGED)
    return VerifyResult(True, digest, certificate.subject.rfc4514_string(), VALID)


def verify_enveloped_register(register: Source, *, certificate: x509.Certificate | None = None) -> VerifyResult:
    """A small register carrying its own signature."""
    try:
        data = _read_limited(register, limit=MAX_ENVELOPED_BYTES)
    except _Refused:
        return VerifyResult(False, None, None, _l("The register is too large to carry its signature inside."))
    digest = hashlib.sha256(data).hexdigest()
    try:
        _, certificate = _verified(lambda: data, certificate, *ROOTS.values())
    except _Refused as refused:
        return VerifyResult(False, digest, None, refused.message)
    return VerifyResult(True, digest, certificate.subject.rfc4514_string(), VALID)


class _Refused(Exception):
    def __init__(self, message):
        super().__init__()
        self.message = message


def _verified(read: Callable[[], bytes], certificate: x509.Certificate | None,
              *roots: str) -> tuple[etree._Element, x509.Certificate]:
    """The signed content (and only it: what signxml returns), schema-valid, with one of the
    expected root elements; and the certificate that verified it."""
    certificate = certificate or desk_certificate()
    if certificate is None:
        raise _Refused(_l("The desk has not signed any register yet: there is no certificate to check against."))
    try:
        root = etree.fromstring(read(), hardened_parser())
        refuse_doctype(root)
    except (etree.XMLSyntaxError, RegisterInvalid, ValueError) as error:
        raise _Refused(_l("The signature file is not a register signature (%(detail)s).", detail=str(error))) from error
    try:
        signed = XMLVerifier().verify(root, x509_cert=certificate, parser=hardened_parser(),
                                      expect_config=EXPECTED).signed_xml
    except (InvalidInput, SignXMLException, ValueError) as error:
        raise _Refused(_l("The signature is not valid for the exchange's certificate (%(detail)s).",
                          detail=str(error))) from error
    if signed is None or signed.tag not in {qualified(root) for root in roots} or not register_schema().validate(signed):
        raise _Refused(_l("The signed document is not a register manifest of this desk."))
    return signed, certificate


def _read_limited(source: Source, limit: int = MAX_SIGNATURE_BYTES) -> bytes:
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as handle:
            data = handle.read(limit + 1)
    else:
        data = source.read(limit + 1)
    if len(data) > limit:
        raise _Refused(_l("The file is too large to be a register signature."))
    return data


def _digest_and_size(source: Source) -> tuple[str, int]:
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest(), len(source)
    if isinstance(source, (str, os.PathLike)):
        return file_sha256(source), os.path.getsize(source)
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(COPY_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


