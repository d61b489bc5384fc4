"""Test certifying centres, RSA (cryptography) and GOST R 34.10-2015 512 (asn1crypto DER signed
with gostcrypto, as NCA issues them), and NCALayer-like signers of enveloped XMLDSig.

The GOST byte orders are written here independently of the verifier: keys x || y little-endian,
the Streebog digest read little-endian, signatures r || s little-endian (NCA) or, for TC26
certificates, s || r big-endian (RFC 9215).
"""
import base64
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

import gostcrypto
from asn1crypto import core, crl, keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import CanonicalizationMethod

from app.cabinet.signing.certificates import TrustStore
from app.cabinet.signing.sandbox_pki import sign_enveloped_rsa

AT = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
CLIENT_IIN = "900101300001"
CLIENT_SUBJECT = (("CN", "ТЕСТОВ ТЕСТ"), ("SURNAME", "ТЕСТОВ"), ("SERIALNUMBER", f"IIN{CLIENT_IIN}"),
                  ("C", "KZ"))
CA_VALIDITY = (datetime(2020, 1, 1, tzinfo=UTC), datetime(2040, 1, 1, tzinfo=UTC))
CLIENT_VALIDITY = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
PAST_VALIDITY = (datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))
SIGNING = frozenset({"digital_signature", "non_repudiation"})
CA_USAGE = frozenset({"key_cert_sign", "crl_sign"})

DS = "http://www.w3.org/2000/09/xmldsig#"
C14N_INCLUSIVE = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N_EXCLUSIVE = "http://www.w3.org/2001/10/xml-exc-c14n#"
GOST_512 = "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34102015-gostr34112015-512"
STREEBOG_512 = "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34112015-512"
NCA_KEY, NCA_PARAMETERS, NCA_DIGEST = "1.2.398.3.10.1.1.2.2", "1.2.398.3.10.1.1.2.2.1", "1.2.398.3.10.1.3.3"
NCA_SIGNATURE, TC26_SIGNATURE = "1.2.398.3.10.1.1.2.3.2", "1.2.643.7.1.1.3.3"
TC26_KEY, TC26_PARAMETERS_A = "1.2.643.7.1.1.1.2", "1.2.643.7.1.2.1.2.1"
GOST_CURVE = gostcrypto.gostsignature.CURVES_R_1323565_1_024_2019["id-tc26-gost-3410-12-512-paramSetA"]


def document(nonce: str = "5f1c0e7a9b2d4c6e", amount: str = "1000000.00") -> bytes:
    """An issued instruction, as the desk writes it (canonical XML, UTF-8)."""
    return (f"<Instruction><Kind>order</Kind><ClientIIN>{CLIENT_IIN}</ClientIIN><Security>KZ_BOND_0042</Security>"
            f"<Amount>{amount}</Amount><Note>Покупка облигаций</Note>"
            f"<IssuedAt>2026-06-01T09:25:00+00:00</IssuedAt><Nonce>{nonce}</Nonce></Instruction>").encode()


@dataclass(frozen=True)
class Party:
    """A key and its certificate (DER). RSA keys are cryptography's; GOST keys the private
    scalar, 64 bytes big-endian (gostcrypto's order)."""
    key: object
    certificate: bytes

    @property
    def parsed(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.certificate)


@dataclass(frozen=True)
class CertificateRequest:
    subject: tuple[tuple[str, str], ...] = CLIENT_SUBJECT
    validity: tuple[datetime, datetime] = CLIENT_VALIDITY
    usage: frozenset[str] | None = SIGNING
    ca: bool = False
    serial: int = field(default_factory=lambda: secrets.randbits(120))


# --- RSA -----------------------------------------------------------------------------------------

RSA_NAMES = {"CN": NameOID.COMMON_NAME, "SURNAME": NameOID.SURNAME, "SERIALNUMBER": NameOID.SERIAL_NUMBER,
             "C": NameOID.COUNTRY_NAME, "O": NameOID.ORGANIZATION_NAME}
RSA_USAGE = {"digital_signature": "digital_signature", "non_repudiation": "content_commitment",
             "key_encipherment": "key_encipherment", "key_cert_sign": "key_cert_sign", "crl_sign": "crl_sign"}


class RsaScheme:
    algorithm = "rsa"

    def new_key(self) -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def issue(self, request: CertificateRequest, key, issuer: Party | None) -> Party:
        """Issued by `issuer`, or self-signed when None."""
        subject = x509.Name([x509.NameAttribute(RSA_NAMES[label], value) for label, value in request.subject])
        signer = issuer.key if issuer else key
        issuer_name = x509.load_der_x509_certificate(issuer.certificate).subject if issuer else subject
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
                   .public_key(key.public_key()).serial_number(request.serial)
                   .not_valid_before(request.validity[0]).not_valid_after(request.validity[1])
                   .add_extension(x509.BasicConstraints(ca=request.ca, path_length=None), critical=True))
        if request.usage is not None:
            granted = {name: False for name in ("digital_signature", "content_commitment", "key_encipherment",
                                                "data_encipherment", "key_agreement", "key_cert_sign", "crl_sign",
                                                "encipher_only", "decipher_only")}
            granted.update({RSA_USAGE[name]: True for name in request.usage})
            builder = builder.add_extension(x509.KeyUsage(**granted), critical=True)
        certificate = builder.sign(signer, hashes.SHA256())
        return Party(key, certificate.public_bytes(serialization.Encoding.DER))

    def revocation_list(self, issuer: Party, serials: list[int], signer_key=None) -> bytes:
        builder = (x509.CertificateRevocationListBuilder()
                   .issuer_name(x509.load_der_x509_certificate(issuer.certificate).subject)
                   .last_update(datetime(2026, 5, 1, tzinfo=UTC)).next_update(datetime(2026, 7, 1, tzinfo=UTC)))
        for serial in serials:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial)
                .revocation_date(datetime(2026, 5, 1, tzinfo=UTC)).build())
        return builder.sign(signer_key or issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def sign_xml(self, xml: bytes, signer: Party, c14n: str = C14N_INCLUSIVE) -> bytes:
        return sign_enveloped_rsa(xml, signer.key, x509.load_der_x509_certificate(signer.certificate),
                                  c14n=CanonicalizationMethod(c14n))


# --- GOST R 34.10-2015, 512 bits -----------------------------------------------------------------

class _GostParameters(core.Sequence):
    _fields = [("public_key_param_set", core.ObjectIdentifier),
               ("digest_param_set", core.ObjectIdentifier, {"optional": True})]


class _GostKeyAlgorithm(core.Sequence):
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", _GostParameters)]


class _GostPublicKeyInfo(core.Sequence):
    _fields = [("algorithm", _GostKeyAlgorithm), ("public_key", core.OctetBitString)]


ASN1_NAMES = {"CN": "common_name", "SURNAME": "surname", "SERIALNUMBER": "serial_number", "C": "country_name",
              "O": "organization_name"}


def _gost() -> gostcrypto.gostsignature.GOST34102012:
    return gostcrypto.gostsignature.new(gostcrypto.gostsignature.MODE_512, GOST_CURVE)


def gost_sign(private_key: bytes, data: bytes, layout: str = "nca") -> bytes:
    digest = bytes(gostcrypto.gosthash.new("streebog512", data=data).digest())
    r_s = bytes(_gost().sign(bytearray(private_key), bytearray(digest[::-1])))  # r || s big-endian
    r, s = r_s[:64], r_s[64:]
    return r[::-1] + s[::-1] if layout == "nca" else s + r


class GostScheme:
    """Certificates as NCA issues them (NCA's OIDs), or with TC26's OIDs when `tc26`."""
    algorithm = "gost"

    def __init__(self, tc26: bool = False):
        self.tc26 = tc26

    def new_key(self) -> bytes:
        return (secrets.randbelow(GOST_CURVE["q"] - 1) + 1).to_bytes(64, "big")

    def public_key_info(self, private_key: bytes) -> keys.PublicKeyInfo:
        point = bytes(_gost().public_key_generate(bytearray(private_key)))
        x_y_le = point[:64][::-1] + point[64:][::-1]
        parameters = ({"public_key_param_set": TC26_PARAMETERS_A} if self.tc26 else
                      {"public_key_param_set": NCA_PARAMETERS, "digest_param_set": NCA_DIGEST})
        info = _GostPublicKeyInfo({
            "algorithm": {"algorithm": TC26_KEY if self.tc26 else NCA_KEY, "parameters": parameters},
            "public_key": core.OctetString(x_y_le).dump(),
        })
        return keys.PublicKeyInfo.load(info.dump())

    def _signature_algorithm(self) -> dict:
        if self.tc26:
            return {"algorithm": TC26_SIGNATURE}
        return {"algorithm": NCA_SIGNATURE, "parameters": core.Null()}

    def _sign(self, private_key: bytes, data: bytes) -> bytes:
        return gost_sign(private_key, data, "rfc9215" if self.tc26 else "nca")

    def issue(self, request: CertificateRequest, key: bytes, issuer: Party | None) -> Party:
        subject = asn1_x509.Name.build({ASN1_NAMES[label]: value for label, value in request.subject})
        extensions = [{"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": request.ca}}]
        if request.usage is not None:
            extensions.append({"extn_id": "key_usage", "critical": True, "extn_value": set(request.usage)})
        tbs = asn1_x509.TbsCertificate({
            "version": "v3",
            "serial_number": request.serial,
            "signature": self._signature_algorithm(),
            "issuer": issuer.parsed.subject if issuer else subject,
            "validity": {"not_before": asn1_x509.Time({"utc_time": request.validity[0]}),
                         "not_after": asn1_x509.Time({"utc_time": request.validity[1]})},
            "subject": subject,
            "subject_public_key_info": self.public_key_info(key),
            "extensions": extensions,
        })
        signature = self._sign(issuer.key if issuer else key, tbs.dump())
        certificate = asn1_x509.Certificate({"tbs_certificate": tbs, "signature_algorithm": self._signature_algorithm(),
                                             "signature_value": signature})
        return Party(key, certificate.dump())

    def revocation_list(self, issuer: Party, serials: list[int], signer_key: bytes | None = None) -> bytes:
        moment = asn1_x509.Time({"utc_time": datetime(2026, 5, 1, tzinfo=UTC)})
        tbs = crl.TbsCertList({
            "version": "v2",
            "signature": self._signature_algorithm(),
            "issuer": issuer.parsed.subject,
            "this_update": moment,
            "next_update": asn1_x509.Time({"utc_time": datetime(2026, 7, 1, tzinfo=UTC)}),
            "revoked_certificates": [{"user_certificate": serial, "revocation_date": moment} for serial in serials],
        })
        signature = self._sign(signer_key or issuer.key, tbs.dump())
        return crl.CertificateList({"tbs_cert_list": tbs, "signature_algorithm": self._signature_algorithm(),
                                    "signature": signature}).dump()

    def sign_xml(self, xml: bytes, signer: Party, c14n: str = C14N_INCLUSIVE) -> bytes:
        """As NCALayer (Kalkan on Apache Santuario) writes it: line breaks between the parts, base64
        in lines of 76 joined by CR LF, the Signature appended to the root."""
        root = etree.fromstring(xml)
        exclusive = c14n == C14N_EXCLUSIVE
        digest = gostcrypto.gosthash.new(
            "streebog512", data=etree.tostring(root.getroottree(), method="c14n", exclusive=exclusive)).digest()
        signature = _element(root, "Signature", nsmap={"ds": DS})
        signed_info = _element(signature, "SignedInfo")
        _element(signed_info, "CanonicalizationMethod", Algorithm=c14n)
        _element(signed_info, "SignatureMethod", Algorithm=GOST_512)
        reference = _element(signed_info, "Reference", URI="")
        transforms = _element(reference, "Transforms")
        _element(transforms, "Transform", Algorithm=f"{DS}enveloped-signature")
        _element(transforms, "Transform", Algorithm=c14n)
        _element(reference, "DigestMethod", Algorithm=STREEBOG_512)
        _element(reference, "DigestValue").text = _wrapped(bytes(digest))
        signed_info_c14n = etree.tostring(signed_info, method="c14n", exclusive=exclusive)
        _element(signature, "SignatureValue").text = _wrapped(gost_sign(signer.key, signed_info_c14n))
        key_info = _element(signature, "KeyInfo")
        _element(_element(key_info, "X509Data"), "X509Certificate").text = _wrapped(signer.certificate)
        return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8", standalone=False)


def _element(parent: etree._Element, name: str, nsmap: dict | None = None, **attributes) -> etree._Element:
    if len(parent) == 0 and etree.QName(parent).namespace == DS:
        parent.text = "\n"
    element = etree.SubElement(parent, f"{{{DS}}}{name}", attributes, nsmap=nsmap)
    if etree.QName(parent).namespace == DS:
        element.tail = "\n"
    return element


def _wrapped(data: bytes) -> str:
    text = base64.b64encode(data).decode()
    return "\r\n".join(text[start:start + 76] for start in range(0, len(text), 76))


# --- a whole test certifying centre ----------------------------------------------------------------

@dataclass(frozen=True)
class TestPki:
    """Root → intermediate → clients; a foreign root with its own client; a CRL of the
    intermediate revoking `revoked`. All clients share one key (GOST keys are slow to make)."""
    scheme: object
    root: Party
    intermediate: Party
    client: Party
    encipher_only: Party
    expired: Party
    revoked: Party
    no_iin: Party
    foreign_root: Party
    foreign_client: Party
    revocation_list: bytes

    __test__ = False  # not a test class, whatever pytest thinks of its name

    @property
    def algorithm(self) -> str:
        return self.scheme.algorithm

    def trust(self, crls: list[bytes] | None = None) -> TrustStore:
        crls = [self.revocation_list] if crls is None else crls
        return TrustStore(roots=[self.root.parsed], intermediates=[self.intermediate.parsed],
                          crls=[crl.CertificateList.load(der) for der in crls])

    def sign(self, xml: bytes, signer: Party | None = None, c14n: str = C14N_INCLUSIVE) -> bytes:
        return self.scheme.sign_xml(xml, signer or self.client, c14n)


def make_pki(scheme) -> TestPki:
    root = scheme.issue(_ca("ТЕСТОВЫЙ КОРНЕВОЙ УЦ"), scheme.new_key(), None)
    intermediate = scheme.issue(_ca("ТЕСТОВЫЙ НУЦ"), scheme.new_key(), root)
    foreign_root = scheme.issue(_ca("ЧУЖОЙ УЦ"), scheme.new_key(), None)
    key = scheme.new_key()
    revoked = scheme.issue(CertificateRequest(), key, intermediate)
    return TestPki(
        scheme=scheme, root=root, intermediate=intermediate,
        client=scheme.issue(CertificateRequest(), key, intermediate),
        encipher_only=scheme.issue(CertificateRequest(usage=frozenset({"key_encipherment"})), key, intermediate),
        expired=scheme.issue(CertificateRequest(validity=PAST_VALIDITY), key, intermediate),
        revoked=revoked,
        no_iin=scheme.issue(CertificateRequest(subject=CLIENT_SUBJECT[:2] + CLIENT_SUBJECT[3:]), key, intermediate),
        foreign_root=foreign_root,
        foreign_client=scheme.issue(CertificateRequest(), key, foreign_root),
        revocation_list=scheme.revocation_list(intermediate, [revoked.parsed.serial_number, 424242]),
    )


def _ca(name: str) -> CertificateRequest:
    return CertificateRequest(subject=(("CN", name), ("C", "KZ")), validity=CA_VALIDITY, usage=CA_USAGE, ca=True)
