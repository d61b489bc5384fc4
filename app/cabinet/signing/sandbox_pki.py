"""The sandbox signer's test certifying centre (sandbox desks only): an RSA root and, per IIN, a
client key and certificate shaped like NCA's (SERIALNUMBER=IIN…, keyUsage nonRepudiation), so a
sandbox desk signs an instruction as NCALayer would and verifies it like any EDS signature.

Files are made once, mode 0600, in a folder of mode 0700, under a lock (two requests at once make
one root). Validity spans 2020–2049: the sandbox clock may stand anywhere.
"""
import fcntl
import os
import re
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureConstructionMethod, SignatureMethod, XMLSigner

from app.cabinet.signing.certificates import TrustStore

ROOT_KEY = "root.key.pem"
ROOT_CERT = "root.cert.pem"
ROOT_NAME = "AUCTION DESK SANDBOX CA (RSA)"
VALID_FROM = datetime(2020, 1, 1, tzinfo=UTC)
VALID_UNTIL = datetime(2049, 12, 31, tzinfo=UTC)
IIN = re.compile(r"[0-9]{12}")


def make_sandbox_identity(folder: Path, iin: str, name: str) -> None:
    """The root (if missing) and the client key and certificate of `iin` (if missing)."""
    key_path, cert_path = _client_paths(folder, iin)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _locked(folder):
        root_key, root_cert = _root(folder)
        if cert_path.exists():
            return
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        certificate = _client_certificate(key, root_key, root_cert, iin, name)
        _write(key_path, _key_pem(key))
        _write(cert_path, certificate.public_bytes(serialization.Encoding.PEM))


def sandbox_sign(document: bytes, folder: Path, iin: str) -> bytes:
    key_path, cert_path = _client_paths(folder, iin)
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    return sign_enveloped_rsa(document, key, x509.load_pem_x509_certificate(cert_path.read_bytes()))


def sandbox_trust(folder: Path) -> TrustStore:
    """The sandbox root as the only root (empty until the first identity is made)."""
    root = folder / ROOT_CERT
    if not root.exists():
        return TrustStore(roots=[], intermediates=[], crls=[])
    return TrustStore.from_pem_files([str(root)], [])


def sign_enveloped_rsa(document: bytes, key: rsa.RSAPrivateKey, certificate: x509.Certificate,
                       c14n: CanonicalizationMethod = CanonicalizationMethod.CANONICAL_XML_1_0) -> bytes:
    """As NCALayer's signXml: ds:Signature appended to the root, Reference URI="" with the
    enveloped-signature transform and `c14n`, RSA-SHA256, the certificate in X509Data."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    signer = XMLSigner(method=SignatureConstructionMethod.enveloped, signature_algorithm=SignatureMethod.RSA_SHA256,
                       digest_algorithm=DigestAlgorithm.SHA256, c14n_algorithm=c14n)
    signed = signer.sign(etree.fromstring(document, parser=parser), key=key, cert=[certificate])
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8", standalone=False)


def _client_paths(folder: Path, iin: str) -> tuple[Path, Path]:
    if not isinstance(iin, str) or not IIN.fullmatch(iin):
        raise ValueError("an IIN is 12 digits")
    return folder / f"client-{iin}.key.pem", folder / f"client-{iin}.cert.pem"


@contextmanager
def _locked(folder: Path):
    descriptor = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _root(folder: Path) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key_path, cert_path = folder / ROOT_KEY, folder / ROOT_CERT
    if cert_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        return key, x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ROOT_NAME),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ")])
    certificate = (
        _builder(name, name, key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .sign(key, hashes.SHA256()))
    _write(key_path, _key_pem(key))  # the key first: the certificate marks a complete root
    _write(cert_path, certificate.public_bytes(serialization.Encoding.PEM))
    return key, certificate


def _client_certificate(key, root_key, root_cert: x509.Certificate, iin: str, name: str) -> x509.Certificate:
    full_name = " ".join(name.split())[:64] or "SANDBOX CLIENT"
    subject = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, full_name),
        x509.NameAttribute(NameOID.SURNAME, full_name.split()[0]),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
    ])
    issuer_key = root_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        _builder(subject, root_cert.subject, key.public_key())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_key), critical=False)
        .sign(root_key, hashes.SHA256()))


def _builder(subject: x509.Name, issuer: x509.Name, public_key) -> x509.CertificateBuilder:
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number()).not_valid_before(VALID_FROM).not_valid_after(VALID_UNTIL)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))


def _key_usage(**granted: bool) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{name: granted.get(name, False) for name in names})


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _write(path: Path, data: bytes) -> None:
    """Mode 0600 from the start; written whole, then renamed into place."""
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    os.replace(temporary, path)
