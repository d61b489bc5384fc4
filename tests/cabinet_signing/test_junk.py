"""The fuzz gate's rule on the signer's own document: junk in every field of every signing form
and operation is a 4xx or a redirect with a message, never a 5xx, and no junk signs anything."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from app.cabinet.signing.models import DocumentStatus
from app.extensions import db
from tests.api.conftest import bearer
from tests.fuzz.test_forms_fuzz import JUNK

FORMS = ("code", "confirm", "eds", "sandbox")
EXAMPLES = settings(max_examples=6, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("value", JUNK)
def test_junk_in_every_form_is_never_a_server_error(client, issue, signer, value):
    document = issue(signer)
    for action in FORMS:
        response = client.post(f"/cabinet/sign/{document.id}/{action}",
                               data={"code": value, "signed_xml": value, "csrf_token": value})
        assert response.status_code in (302, 400), (action, value, response.status_code)
    db.session.refresh(document)
    assert document.status != DocumentStatus.SIGNED or document.verification.get("sandbox")


def test_every_signing_operation_matches_the_document(app, issue, signer, issue_token):
    document = issue(signer)
    headers = {**bearer(issue_token(signer)), "Accept-Language": "en"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures, checked = [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith("/api/v1/cabinet/documents"):
            continue
        checked.append(operation.label)

        @given(case=operation.as_strategy())
        @EXAMPLES
        def fuzz(case):
            case.path_parameters = {"document_id": document.id}
            case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

        try:
            fuzz()
        except (Exception, BaseExceptionGroup) as error:
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
    assert len(checked) == 4
