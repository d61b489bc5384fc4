"""Signing a client's instruction: nothing is executed unsigned.

The desk issues the instruction as canonical XML with a nonce (`issue`); the client signs it
within 15 minutes, either with a one-time SMS code (`send_code`, `confirm_code`) or with an EDS
signature over that very XML (`verify_eds`, or `sandbox_sign` on a sandbox desk). Once signed or
refused a document never changes, and its nonce is never signed again. The kind's handler runs
in the same transaction as the signature, so an instruction that fails to execute is not signed.
Services only flush; each step goes to the audit trail. A `SigningError` with `keep` set has
recorded something (a wrong try, a refusal, an expiry) that must be committed with the answer.
"""
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from math import ceil
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from lxml import etree
from sqlalchemy import func, select

from app.audit.services import record
from app.auth.models import User
from app.auth.redirects import is_safe_next
from app.brokerage.models import BrokerClient
from app.cabinet.signing import certificates, ncanode, sandbox_pki, xmldsig
from app.cabinet.signing.models import CodeStatus, DocumentStatus, OneTimeCode, SignedDocument, SigningMethod
from app.clock.services import sandbox_enabled
from app.domain.identifiers import is_valid_iin
from app.messaging import services as messaging
from app.refusals import Refusal

DOCUMENT_LIFETIME = timedelta(minutes=15)
CODE_LIFETIME = timedelta(minutes=5)
RESEND_AFTER = timedelta(seconds=60)
CODES_PER_HOUR = 10
CODE_TRIES = 3
CODE_DIGITS = 6
# A signed document is the issued XML plus one signature and its certificates: far below this.
MAX_SIGNED_XML_BYTES = 1024 * 1024
RESERVED_FIELDS = frozenset({"ClientIIN", "IssuedAt", "Nonce"})
CODE_PATTERN = re.compile(rf"[0-9]{{{CODE_DIGITS}}}")
SMS_PURPOSE = "signing_code"

REFUSAL_MESSAGES = {
    "malformed": _l("The signed document could not be read; sign it again with NCALayer"),
    "document_mismatch": _l("The signed document is not the one the desk issued"),
    "bad_signature": _l("The signature does not match the document"),
    "untrusted_chain": _l("The certificate is not issued by a configured certifying centre"),
    "expired": _l("The certificate was not valid at signing time"),
    "revoked": _l("The certificate is revoked"),
    "not_for_signing": _l("This certificate is not for signing"),
    "verifier_unavailable": _l("The signature could not be verified now; try again later"),
}
# The verifier's failure, not the signature's: the document stays open to be sent again.
NOT_A_VERDICT = frozenset({"verifier_unavailable"})

CODE_VOID = _l("The code is void after three wrong tries; ask for a new one")
CODE_EXPIRED = _l("The code has expired; ask for a new one")

OnSigned = Callable[[object, SignedDocument], None]
# What a signed document of each kind sets off ("order", "withdrawal": the cabinet's).
KIND_HANDLERS: dict[str, OnSigned] = {}


class SigningError(Refusal):
    """`message` (lazy) for the client, `code` for programs; `keep`: what the service recorded
    (a wrong try, a refusal, an expiry) is committed even though the answer is an error."""

    def __init__(self, message, code: str, keep: bool = False):
        super().__init__(message, code=code)
        self.keep = keep


def register_kind(kind: str, on_signed: OnSigned) -> None:
    """`on_signed(session, document)` runs right after a document of `kind` becomes signed."""
    KIND_HANDLERS[kind] = on_signed


def signer_phone(session, user: User) -> str:
    """The mobile number of the signer's brokerage agreement: codes go there, never to a number
    typed on the page."""
    phone = session.scalar(select(BrokerClient.phone).where(BrokerClient.user_id == user.id))
    if not phone:
        raise SigningError(_l("No mobile number is on file for you; ask your broker, or sign with EDS"), "no_phone")
    return phone


# --- issuing -------------------------------------------------------------------------------------

def issue(session, kind: str, fields: dict[str, str], signer: User, iin: str, summary: str,
          next_url: str, at: datetime) -> SignedDocument:
    """The instruction as canonical XML (C14N): `<Instruction kind>` with one element per field in
    name order, then ClientIIN, IssuedAt (UTC) and a fresh Nonce. Bad arguments (a field name that
    is no plain XML name, text with control characters, an invalid IIN, a next_url off the site)
    are the caller's bug: ValueError."""
    _check_issue(kind, fields, iin, next_url)
    nonce = secrets.token_hex(16)
    xml = canonical_xml(kind, fields, iin, at, nonce)
    document = SignedDocument(
        kind=kind, signer_id=signer.id, iin=iin, summary=summary, document=xml,
        document_sha256=hashlib.sha256(xml).hexdigest(), nonce=nonce, status=DocumentStatus.ISSUED,
        created_at=at, expires_at=at + DOCUMENT_LIFETIME, next_url=next_url)
    session.add(document)
    session.flush()
    record(session, "signed_document.issued", "signed_document", document.id, None, snapshot(document))
    return document


def _check_issue(kind: str, fields: dict[str, str], iin: str, next_url: str) -> None:
    if not kind or len(kind) > 30:
        raise ValueError(f"kind {kind!r}: 1 to 30 characters")
    if not is_valid_iin(iin):
        raise ValueError(f"{iin!r} is not a valid IIN")
    if not is_safe_next(next_url) or len(next_url) > 300:
        raise ValueError(f"next_url {next_url!r}: a path on this site of at most 300 characters")
    for name in fields:
        if name in RESERVED_FIELDS or not _is_xml_name(name):
            raise ValueError(f"field name {name!r} is not a free XML element name")


def _is_xml_name(name: str) -> bool:
    """An element name without a namespace (lxml would read "{uri}name" as one)."""
    if not isinstance(name, str) or ":" in name or "{" in name:
        return False
    try:
        etree.Element(name)
    except ValueError:
        return False
    return True


def canonical_xml(kind: str, fields: dict[str, str], iin: str, at: datetime, nonce: str) -> bytes:
    root = etree.Element("Instruction", kind=kind)
    for name in sorted(fields):
        etree.SubElement(root, name).text = fields[name]
    for name, value in (("ClientIIN", iin), ("IssuedAt", at.astimezone(UTC).isoformat()), ("Nonce", nonce)):
        etree.SubElement(root, name).text = value
    return etree.tostring(root, method="c14n")


def document_fields(document: SignedDocument) -> list[tuple[str, str]]:
    """(element, text) of the issued XML, in document order."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return [(child.tag, child.text or "") for child in etree.fromstring(document.document, parser)]


def snapshot(document: SignedDocument) -> dict:
    """What the audit trail keeps of a document: its hash stands for the XML."""
    return {"kind": document.kind, "signer_id": document.signer_id, "iin": document.iin,
            "status": document.status, "method": document.method, "sha256": document.document_sha256,
            "nonce": document.nonce, "expires_at": document.expires_at, "signed_at": document.signed_at,
            "verification": document.verification}


# --- the state every action needs ----------------------------------------------------------------

def is_expired(document: SignedDocument, at: datetime) -> bool:
    """Derived for reads: an issued document past its 15 minutes can no longer be signed."""
    return document.status == DocumentStatus.EXPIRED or (
        document.status == DocumentStatus.ISSUED and at >= document.expires_at)


def _require_open(session, document: SignedDocument, at: datetime) -> None:
    """Locks the document for this transaction; it must be issued and not expired."""
    session.refresh(document, with_for_update=True)
    if document.status in (DocumentStatus.SIGNED, DocumentStatus.REFUSED):
        raise SigningError(_l("The document is already signed or refused: a document is signed once; "
                              "start again"), "already_signed")
    if document.status == DocumentStatus.ISSUED and at >= document.expires_at:
        for code in _codes(session, document, CodeStatus.ACTIVE):
            code.status = CodeStatus.EXPIRED
        _change(session, document, "expired", status=DocumentStatus.EXPIRED)
        raise SigningError(_l("The document has expired; start again"), "document_expired", keep=True)
    if document.status == DocumentStatus.EXPIRED:
        raise SigningError(_l("The document has expired; start again"), "document_expired")


def _change(session, document: SignedDocument, action: str, **values) -> None:
    before = snapshot(document)
    for name, value in values.items():
        setattr(document, name, value)
    session.flush()
    record(session, f"signed_document.{action}", "signed_document", document.id, before, snapshot(document))


def _signed(session, document: SignedDocument, method: str, at: datetime, **values) -> SignedDocument:
    _change(session, document, "signed", status=DocumentStatus.SIGNED, method=method, signed_at=at, **values)
    handler = KIND_HANDLERS.get(document.kind)
    if handler is not None:
        handler(session, document)
    return document


# --- SMS codes -----------------------------------------------------------------------------------

def code_hash(document: SignedDocument, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{document.document_sha256}:{code}".encode(), hashlib.sha256).hexdigest()


def _codes(session, document: SignedDocument, status: str | None = None) -> list[OneTimeCode]:
    query = select(OneTimeCode).where(OneTimeCode.document_id == document.id)
    if status is not None:
        query = query.where(OneTimeCode.status == status)
    return list(session.scalars(query.order_by(OneTimeCode.id)))


def last_code(session, document: SignedDocument) -> OneTimeCode | None:
    return session.scalar(select(OneTimeCode).where(OneTimeCode.document_id == document.id)
                          .order_by(OneTimeCode.id.desc()).limit(1))


def send_code(session, document: SignedDocument, phone: str, at: datetime) -> OneTimeCode:
    """Six random digits by SMS, valid 5 minutes; a new code supersedes the active one. Not sooner
    than 60 s after this document's last code, at most 10 codes a signer in a rolling hour."""
    _require_open(session, document, at)
    previous = _check_resend(session, document, at)
    _check_hourly_limit(session, document.signer_id, at)
    # Each new code supersedes the active one, so only the last code can still be active.
    if previous is not None and previous.status == CodeStatus.ACTIVE:
        previous.status = CodeStatus.SUPERSEDED
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    row = OneTimeCode(document_id=document.id, signer_id=document.signer_id, code_hash=code_hash(document, code),
                      attempts=0, status=CodeStatus.ACTIVE, created_at=at, expires_at=at + CODE_LIFETIME)
    session.add(row)
    session.flush()
    text = _("%(summary)s, code %(code)s", summary=document.summary, code=code)
    try:
        messaging.send_sms(session, phone, text, purpose=SMS_PURPOSE, user_id=document.signer_id)
    except messaging.InvalidMessage as error:
        raise SigningError(_l("The mobile number on file cannot take SMS; ask your broker, or sign with EDS"),
                           "no_phone") from error
    record(session, "signed_document.code_sent", "signed_document", document.id, None,
           {"code_id": row.id, "expires_at": row.expires_at})
    return row


def _check_resend(session, document: SignedDocument, at: datetime) -> OneTimeCode | None:
    """The document's last code, when a new one may follow it."""
    previous = last_code(session, document)
    if previous is not None and at < previous.created_at + RESEND_AFTER:
        seconds = max(1, ceil((previous.created_at + RESEND_AFTER - at).total_seconds()))
        raise SigningError(lazy_ngettext("You can ask for a new code in %(num)d second",
                                         "You can ask for a new code in %(num)d seconds", seconds), "resend_too_soon")
    return previous


def _check_hourly_limit(session, signer_id: int, at: datetime) -> None:
    # The signer's row is locked so that two tabs cannot both take the tenth code.
    session.execute(select(User.id).where(User.id == signer_id).with_for_update())
    sent = session.scalar(select(func.count()).select_from(OneTimeCode).where(
        OneTimeCode.signer_id == signer_id, OneTimeCode.created_at > at - timedelta(hours=1)))
    if sent >= CODES_PER_HOUR:
        raise SigningError(_l("You have asked for %(limit)s codes in the last hour; wait a while or sign with EDS",
                              limit=CODES_PER_HOUR), "too_many_codes")


def confirm_code(session, document: SignedDocument, code: str, at: datetime) -> SignedDocument:
    """Compared in constant time with the active code; the third wrong try voids it."""
    _require_open(session, document, at)
    active = _active_code(session, document, at)
    if not isinstance(code, str) or not CODE_PATTERN.fullmatch(code):
        raise SigningError(_l("Enter the %(digits)s digits of the code", digits=CODE_DIGITS), "invalid_code")
    if not hmac.compare_digest(active.code_hash, code_hash(document, code)):
        _wrong_try(session, document, active)
    active.status = CodeStatus.USED
    return _signed(session, document, SigningMethod.SMS, at, verification={"code_id": active.id})


def _active_code(session, document: SignedDocument, at: datetime) -> OneTimeCode:
    """The code to compare with; the last one's fate, when there is none."""
    active = last_code(session, document)
    if active is None:
        raise SigningError(_l("Ask for a code first"), "no_code")
    if active.status == CodeStatus.VOIDED:
        raise SigningError(CODE_VOID, "code_void")
    if active.status == CodeStatus.ACTIVE and at >= active.expires_at:
        active.status = CodeStatus.EXPIRED
        session.flush()
        record(session, "signed_document.code_expired", "signed_document", document.id, None, {"code_id": active.id})
        raise SigningError(CODE_EXPIRED, "code_expired", keep=True)
    if active.status != CodeStatus.ACTIVE:
        raise SigningError(CODE_EXPIRED, "code_expired")
    return active


def _wrong_try(session, document: SignedDocument, active: OneTimeCode) -> None:
    active.attempts += 1
    left = CODE_TRIES - active.attempts
    if left <= 0:
        active.status = CodeStatus.VOIDED
    session.flush()
    record(session, "signed_document.code_wrong", "signed_document", document.id, None,
           {"code_id": active.id, "attempts": active.attempts, "status": active.status})
    if left <= 0:
        raise SigningError(CODE_VOID, "code_void", keep=True)
    raise SigningError(lazy_ngettext("Wrong code, %(num)d try left", "Wrong code, %(num)d tries left", left),
                       "wrong_code", keep=True)


# --- EDS signatures ------------------------------------------------------------------------------

def sandbox_folder() -> Path:
    return Path(current_app.config["SANDBOX_PKI_DIR"])


def trust_store() -> certificates.TrustStore:
    """The configured certifying centres; on a sandbox desk also the sandbox's test centre."""
    config = current_app.config
    trust = certificates.TrustStore.from_pem_files(list(config["NCA_CA_FILES"]), list(config["NCA_CRL_FILES"]))
    if not sandbox_enabled():
        return trust
    sandbox = sandbox_pki.sandbox_trust(sandbox_folder())
    return certificates.TrustStore(roots=[*trust.roots, *sandbox.roots],
                                   intermediates=[*trust.intermediates, *sandbox.intermediates],
                                   crls=[*trust.crls, *sandbox.crls])


Verifier = Callable[[bytes, bytes, certificates.TrustStore, datetime, str], xmldsig.Verified]


def verifier(sandbox: bool = False) -> Verifier:
    """The built-in verifier, or NCANode's when NCANODE_URL is set. The sandbox signer's test
    centre is known only to the desk, so its signatures are always verified here."""
    config = current_app.config
    if sandbox or not config["NCANODE_URL"]:
        return xmldsig.verify_signed_xml
    return partial(ncanode.verify_signed_xml, url=config["NCANODE_URL"], timeout=config["NCANODE_TIMEOUT"])


def verify_eds(session, document: SignedDocument, signed_xml: bytes, at: datetime, *,
               sandbox: bool = False) -> SignedDocument:
    """Accepted: signed with method "eds", the signed XML and the certificate kept. Refused: the
    document is stored refused with the reason (and the XML), and SigningError names it. The
    verifier unavailable (NCANode): SigningError, nothing stored, the document still open."""
    if not isinstance(signed_xml, bytes) or not signed_xml or len(signed_xml) > MAX_SIGNED_XML_BYTES:
        raise SigningError(_l("Send the signed XML NCALayer returned (at most 1 MB)"), "invalid_signed_xml")
    _require_open(session, document, at)
    try:
        verified = verifier(sandbox)(signed_xml, document.document, trust_store(), at, document.iin)
    except xmldsig.SignatureRefused as refusal:
        if refusal.code in NOT_A_VERDICT:
            current_app.logger.warning("EDS signature of document %s not verified: %s", document.id, refusal.detail)
            raise SigningError(REFUSAL_MESSAGES[refusal.code], refusal.code) from refusal
        _refuse(session, document, signed_xml, refusal, at)
        raise SigningError(refusal_message(document.verification), refusal.code, keep=True) from refusal
    verification = {"iin": verified.iin, "subject": verified.subject, "serial": verified.serial_number,
                    "algorithm": verified.algorithm, "signed_at": _iso(verified.signed_at)}
    if sandbox:
        verification["sandbox"] = True
    return _signed(session, document, SigningMethod.EDS, at, signature=signed_xml, verification=verification)


def _refuse(session, document: SignedDocument, signed_xml: bytes, refusal, at: datetime) -> None:
    verification = {"code": refusal.code, "message": str(refusal), "refused_at": at.isoformat()}
    if getattr(refusal, "iin", None):
        verification["certificate_iin"] = refusal.iin
    _change(session, document, "refused", status=DocumentStatus.REFUSED, method=SigningMethod.EDS,
            signature=signed_xml, verification=verification)


def refusal_message(verification: dict | None):
    """The reason of a refusal in the reader's language (the stored message is the verifier's)."""
    verification = verification or {}
    code = verification.get("code")
    if code == "wrong_iin":
        return _l("The certificate belongs to another person (IIN %(iin)s)",
                  iin=verification.get("certificate_iin") or "?")
    return REFUSAL_MESSAGES.get(code) or verification.get("message") or _l("The signature is refused")


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def sandbox_sign(session, document: SignedDocument, at: datetime) -> SignedDocument:
    """Sandbox desks only: signs with the sandbox's test key for the document's IIN and verifies
    it like any EDS signature; the verification says `"sandbox": true`."""
    if not sandbox_enabled():
        raise SigningError(_l("The sandbox signer works only on a sandbox desk"), "sandbox_off")
    _require_open(session, document, at)
    folder = sandbox_folder()
    sandbox_pki.make_sandbox_identity(folder, document.iin, document.signer.full_name)
    signed_xml = sandbox_pki.sandbox_sign(document.document, folder, document.iin)
    return verify_eds(session, document, signed_xml, at, sandbox=True)
