"""Issuing: the instruction as canonical XML, hashed, with a fresh nonce, recorded."""
import hashlib
from datetime import UTC

import pytest
from lxml import etree
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cabinet.signing import services
from app.cabinet.signing.models import DocumentStatus
from app.clock.services import now
from app.extensions import db
from tests.cabinet_signing.conftest import FIELDS, IIN, KIND, SUMMARY, START


def test_the_document_is_canonical_xml_of_the_fields_in_name_order(document):
    root = etree.fromstring(document.document)
    assert root.tag == "Instruction" and root.get("kind") == KIND
    assert [child.tag for child in root] == sorted(FIELDS) + ["ClientIIN", "IssuedAt", "Nonce"]
    assert {child.tag: child.text for child in root}["ClientIIN"] == IIN
    assert root.findtext("IssuedAt") == START.astimezone(UTC).isoformat()
    assert root.findtext("Nonce") == document.nonce and len(document.nonce) == 32
    assert etree.tostring(root, method="c14n") == document.document
    assert document.document_sha256 == hashlib.sha256(document.document).hexdigest()


def test_an_issued_document_waits_15_minutes_for_its_signer(document, signer):
    assert (document.status, document.signer_id, document.summary) == (DocumentStatus.ISSUED, signer.id, SUMMARY)
    assert document.expires_at - document.created_at == services.DOCUMENT_LIFETIME
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.object_type == "signed_document", AuditEvent.object_id == str(document.id))) == "signed_document.issued"


def test_each_document_has_its_own_nonce(issue, signer):
    assert issue(signer).nonce != issue(signer).nonce


def test_text_is_escaped_not_interpreted(issue, signer):
    document = issue(signer, fields={"Comment": '<b>&"x"</b>'})
    assert etree.fromstring(document.document).findtext("Comment") == '<b>&"x"</b>'


@pytest.mark.parametrize("fields, iin, next_url", [
    ({"1st": "x"}, IIN, "/home"),
    ({"a b": "x"}, IIN, "/home"),
    ({"Nonce": "mine"}, IIN, "/home"),
    ({"ns:Field": "x"}, IIN, "/home"),
    ({"{urn:x}Field": "x"}, IIN, "/home"),
    ({"Comment": "bell\x07"}, IIN, "/home"),
    (FIELDS, "850312300122", "/home"),
    (FIELDS, IIN, "https://evil.example/"),
    (FIELDS, IIN, "//evil.example/"),
])
def test_bad_arguments_are_the_callers_bug(app, signer, fields, iin, next_url):
    with pytest.raises(ValueError):
        services.issue(db.session, KIND, fields, signer, iin, SUMMARY, next_url, now())
