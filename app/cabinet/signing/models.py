"""Signed documents and the one-time codes that sign them.

A document is issued once, with a nonce, and ends signed, refused or expired; a final document
never changes again (app.cabinet.signing.services enforces it, the audit trail records each
step). A one-time code is kept only as an HMAC keyed with the desk's secret.
"""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db_types import UTCDateTime
from app.extensions import db


class DocumentStatus(StrEnum):
    ISSUED = "issued"
    SIGNED = "signed"
    REFUSED = "refused"      # an EDS signature was refused; `verification` says why
    EXPIRED = "expired"      # not signed within its 15 minutes


class SigningMethod(StrEnum):
    SMS = "sms"
    EDS = "eds"
    SANDBOX = "sandbox"


class CodeStatus(StrEnum):
    ACTIVE = "active"
    USED = "used"
    VOIDED = "voided"          # three wrong tries
    EXPIRED = "expired"        # five minutes passed
    SUPERSEDED = "superseded"  # a newer code was sent


class SignedDocument(db.Model):
    """An instruction as the client signs it: `document` holds the canonical XML bytes."""

    __tablename__ = "signed_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    signer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    iin: Mapped[str] = mapped_column(String(12))
    # What is signed in plain words, in the client's language ("Buy 10 KZTK at 1 000,00 ₸").
    summary: Mapped[str] = mapped_column(Text)
    document: Mapped[bytes] = mapped_column(LargeBinary)
    document_sha256: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10))
    method: Mapped[str | None] = mapped_column(String(10))
    # The signed XML an EDS signature came as (kept when refused, too).
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Accepted: iin, subject, serial, algorithm; refused: code and message.
    verification: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Where the client goes after signing: a path on this site.
    next_url: Mapped[str] = mapped_column(String(300))

    signer: Mapped[User] = relationship()


class OneTimeCode(db.Model):
    """An SMS code: `code_hash` is HMAC-SHA256(SECRET_KEY, document_sha256 + ":" + code)."""

    __tablename__ = "one_time_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("signed_documents.id"), index=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    document: Mapped[SignedDocument] = relationship()
