"""A client's EDS signature verified by an NCANode server (NCANODE_URL), instead of the built-in
verifier: the same contract as `xmldsig.verify_signed_xml`, the same `Verified`, the same
`SignatureRefused` codes, plus `verifier_unavailable` when the server gives no usable answer.

What stays local, whatever the server says: the signed XML's shape (xmldsig's reading), that
its Reference's octets match their DigestValue and are exactly the issued document (so a valid
signature over another document or an old nonce is refused without asking anyone), and that the
certificate's IIN is the client's. The server vouches for the rest: the SignedInfo's signature
value, the chain to NCA's roots, validity and revocation (OCSP). Only the desk's own document is
ever sent, since the content is checked first.

NCANode 3.x REST API, read from its source (github.com/malikzh/NCANode, XmlController,
XmlVerifyRequest, VerificationResponse, CertificateInfo, CertificateSubject,
CertificateRevocationStatus, CertificateWrapper.toCertificateInfo) and its openapi.yml:
  POST {NCANODE_URL}/xml/verify  {"xml": "<signed XML>", "revocationCheck": ["OCSP"]}
  (3.x takes `revocationCheck`, a set of "OCSP"/"CRL"; `verifyOcsp`/`verifyCrl` were 2.x's
  JSON-RPC "XML.verify" parameters, which 3.x ignores.)
  200 {"status": 200, "message": "OK", "valid": bool, "signers": [CertificateInfo, ...]}
  CertificateInfo: valid (issuer found, dates valid "now", revocation checks passed),
    revocations [{revoked, by: "OCSP"|"CRL", revocationTime, reason}], notBefore, notAfter
    (Jackson dates, e.g. "2022-05-02T08:38:13.000+00:00"), keyUsage "SIGN"|"AUTH"|"UNKNOWN",
    serialNumber (lower-case hex, BigInteger.toString(16)), signAlg, keyUser, publicKey,
    signature, subject {commonName, lastName, surName, email, organization, gender, iin, bin,
    country, locality, state, dn}, issuer (the same shape).
  errors: {"status": 4xx/5xx, "message": "..."} with that HTTP status.
Not confirmed against a running server (none at hand): the exact date text (Spring Boot's
default ISO form is assumed, as in openapi.yml) and that `subject.iin` is omitted (NON_NULL)
rather than null for a certificate without an IIN; both are read tolerantly below. NCANode
judges validity at its own clock, not at `at`: the dates it returns are checked at `at` here.
"""
import json
import urllib.error
import urllib.request
from datetime import datetime

from app.cabinet.signing import certificates, xmldsig
from app.cabinet.signing.certificates import TrustStore
from app.cabinet.signing.xmldsig import SignatureRefused, Verified

VERIFY_PATH = "/xml/verify"
# OCSP is NCA's live status; a CRL NCANode could not fetch would make every certificate invalid.
REVOCATION_CHECK = ["OCSP"]
# An answer describes one signer (a few kilobytes): anything far larger is not NCANode's.
MAX_ANSWER_BYTES = 256 * 1024


def verify_signed_xml(signed_xml: bytes, issued_document: bytes, trust: TrustStore, at: datetime,
                      expected_iin: str, *, url: str, timeout: float) -> Verified:
    """`trust` is unused (NCANode has its own certifying centres); it keeps xmldsig's contract."""
    root, signature, certificate = xmldsig.read_signed(signed_xml)
    xmldsig.check_content(signature, xmldsig.digested_content(root, signature), issued_document)
    iin = xmldsig.check_signer_iin(certificate, expected_iin)
    signer = _signer(_ask(signed_xml, url, timeout), certificate, iin)
    _judge(signer, at)
    subject = signer.get("subject") or {}
    return Verified(iin=iin, subject=_text(subject.get("dn")) or certificates.readable_subject(certificate),
                    serial_number=certificates.serial_hex(certificate),
                    algorithm=xmldsig.algorithm_name(signature), signed_at=at)


def _unavailable(detail: str) -> SignatureRefused:
    return SignatureRefused("verifier_unavailable", f"NCANode: {detail}")


def _ask(signed_xml: bytes, url: str, timeout: float) -> dict:
    """NCANode's answer to /xml/verify; anything but a 200 with a JSON object is unavailable."""
    body = json.dumps({"xml": signed_xml.decode("utf-8", errors="strict"), "revocationCheck": REVOCATION_CHECK})
    request = urllib.request.Request(url.rstrip("/") + VERIFY_PATH, data=body.encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Accept": "application/json"})
    # A direct connection (no proxy from the environment): the server is the administrator's.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            raw = response.read(MAX_ANSWER_BYTES + 1)
    except urllib.error.HTTPError as error:
        error.close()  # it holds the connection
        raise _unavailable(f"HTTP {error.code}") from error
    except (urllib.error.URLError, OSError, ValueError) as error:  # refused, timed out, reset, bad URL
        raise _unavailable(f"no answer ({error})") from error
    if len(raw) > MAX_ANSWER_BYTES:
        raise _unavailable("answer too large")
    try:
        answer = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise _unavailable("answer is not JSON") from error
    if not isinstance(answer, dict) or not isinstance(answer.get("valid"), bool) \
            or not isinstance(answer.get("signers"), list):
        raise _unavailable("answer without `valid` and `signers`")
    return answer


def _signer(answer: dict, certificate, iin: str) -> dict:
    """The answer's one signer, which must be the certificate in the signed XML; `valid` (all
    signatures) is folded into it as `_signature_valid`."""
    signers = answer["signers"]
    if not signers:  # NCANode found no ds:Signature (it looks for that prefix) or no certificate
        raise SignatureRefused("bad_signature", "NCANode found no signature")
    if len(signers) != 1 or not isinstance(signers[0], dict):
        raise _unavailable(f"{len(signers)} signers for one signature")
    signer = signers[0]
    serial = _text(signer.get("serialNumber"))
    if serial is None or serial.lower().lstrip("0") != certificates.serial_hex(certificate).lstrip("0"):
        raise _unavailable(f"answer about certificate {serial!r}")
    subject = signer.get("subject")
    remote_iin = subject.get("iin") if isinstance(subject, dict) else None
    if remote_iin is not None and remote_iin != iin:
        raise _unavailable(f"answer with IIN {remote_iin!r} for a certificate of {iin}")
    return {**signer, "_signature_valid": answer["valid"]}


def _judge(signer: dict, at: datetime) -> None:
    """NCANode's verdict as our refusal codes, the most specific first."""
    revocations = signer.get("revocations") or []
    if not isinstance(revocations, list):
        raise _unavailable("`revocations` is not a list")
    if any(isinstance(entry, dict) and entry.get("revoked") is True for entry in revocations):
        raise SignatureRefused("revoked", "NCANode: revoked")
    not_before, not_after = _date(signer, "notBefore"), _date(signer, "notAfter")
    if not not_before <= at <= not_after:
        raise SignatureRefused("expired", f"NCANode: valid {not_before} to {not_after}")
    if signer.get("keyUsage") != "SIGN":  # SIGN: digitalSignature and nonRepudiation; AUTH is for log-in
        raise SignatureRefused("not_for_signing", f"NCANode: key usage {signer.get('keyUsage')!r}")
    if signer.get("valid") is not True:  # what is left: no trusted issuer, or its status unknown
        raise SignatureRefused("untrusted_chain", "NCANode: certificate not valid")
    if signer["_signature_valid"] is not True:
        raise SignatureRefused("bad_signature", "NCANode: signature not valid")


def _date(signer: dict, name: str) -> datetime:
    text = _text(signer.get(name))
    try:
        value = datetime.fromisoformat(text) if text else None
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise _unavailable(f"`{name}` is not a date with its offset: {text!r}")
    return value


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None
