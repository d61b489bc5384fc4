"""Issue 11 §5: every operation of the OpenAPI document, fuzzed with every role's token —
no answer is a 5xx and every answer matches the document."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.fuzz.conftest import ROLE_LOGINS

# Bounded and repeatable: a few derandomized examples per operation and role.
EXAMPLES = settings(max_examples=8, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))
CHECKS = [not_a_server_error, response_schema_conformance]


def operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("role", sorted(ROLE_LOGINS))
def test_every_operation_as_role(desk, role):
    headers = {"Authorization": f"Bearer {desk.tokens[role]}", "Accept-Language": "en"}
    failures = []
    for operation in operations(desk.app):
        @given(case=operation.as_strategy())
        @EXAMPLES
        def fuzz(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            fuzz()
        except (Exception, BaseExceptionGroup) as error:  # one operation's failure must not hide another's
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
