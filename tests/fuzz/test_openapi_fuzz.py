"""Issue 11 §5: every operation of the OpenAPI document, fuzzed with every role's token —
no answer is a 5xx and every answer matches the document."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.fuzz.conftest import KNOWN_FAILURES_FIXED, ROLE_LOGINS, tame

# Bounded and repeatable: a few derandomized examples per operation and role.
EXAMPLES = settings(max_examples=8, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))
# TODO(issue 11 §4, fixed in another branch): the document does not yet describe the API's
# 400/414/422 answers (codes other than validation_error, `details` missing); until then only
# the other answers are held to it.
UNDOCUMENTED_ERRORS = set() if KNOWN_FAILURES_FIXED else {400, 414, 422}


def conforms_to_document(ctx, response, case):
    if response.status_code in UNDOCUMENTED_ERRORS:
        return None
    return response_schema_conformance(ctx, response, case)


CHECKS = [not_a_server_error, conforms_to_document]


def operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def tamed(case):
    for part in ("path_parameters", "query", "body"):
        if getattr(case, part, None) is not None:
            setattr(case, part, tame(getattr(case, part)))
    return case


@pytest.mark.parametrize("role", sorted(ROLE_LOGINS))
def test_every_operation_as_role(desk, role):
    headers = {"Authorization": f"Bearer {desk.tokens[role]}", "Accept-Language": "en"}
    failures = []
    for operation in operations(desk.app):
        @given(case=operation.as_strategy().map(tamed))
        @EXAMPLES
        def fuzz(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            fuzz()
        except (Exception, BaseExceptionGroup) as error:  # one operation's failure must not hide another's
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
