"""The OpenAPI document: valid OpenAPI 3, every /api/ operation either bearer-protected (and
refused without a token) or explicitly public, errors as JSON everywhere under /api/."""
import pytest
from apiflask import APIBlueprint, abort
from flask import url_for
from werkzeug.routing.converters import NumberConverter
from openapi_spec_validator import validate

from app.api.openapi import openapi_path
from app.auth.access import PUBLIC, endpoint_access, public, roles_required
from app.auth.roles import Role
from tests.api.conftest import bearer

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    return response.json


def api_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/") and rule.endpoint != "openapi.spec"]


def test_document_is_valid_openapi_3(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.")


def test_document_says_how_to_call_the_api(spec):
    description = spec["info"]["description"]
    for words in ("Authorization: Bearer", "/tokens", "decimal strings", "ISO 8601", "+05:00", "X-CSRFToken"):
        assert words in description
    scheme = spec["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert set(spec["components"]["schemas"]["HTTPError"]["properties"]) == {"code", "message", "details"}


def test_every_api_operation_is_in_the_document(app, spec):
    for rule in api_rules(app):
        for method in set(METHODS) & rule.methods:
            assert method.lower() in spec["paths"][openapi_path(rule.rule)], (method, rule.rule)


def test_every_operation_is_protected_or_explicitly_public(app, spec):
    endpoints = {(openapi_path(rule.rule), method.lower()): rule.endpoint
                 for rule in api_rules(app) for method in rule.methods}
    for path, operations in spec["paths"].items():
        assert path.startswith("/api/")
        for method, operation in operations.items():
            access = endpoint_access(endpoints[path, method])
            assert "security" in operation, (method, path)
            if access == PUBLIC:
                assert operation["security"] == [], (method, path)
            else:
                assert [list(option) for option in operation["security"]] == [["bearer"]], (method, path)
                assert {"401", "403"} <= set(operation["responses"]), (method, path)


def _url(app, rule) -> str:
    values = {name: 999_999 if isinstance(rule._converters[name], NumberConverter) else "x"
              for name in rule.arguments}
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def test_every_protected_operation_answers_401_json_without_a_token(app, client):
    checked = 0
    for rule in api_rules(app):
        if endpoint_access(rule.endpoint) == PUBLIC:
            continue
        for method in set(METHODS) & rule.methods:
            response = client.open(_url(app, rule), method=method, json={})
            assert response.status_code == 401, (method, rule.rule)
            assert response.json["code"] == "unauthorized", (method, rule.rule)
            checked += 1
    assert checked >= 4


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.is_json
    assert response.json["code"] == "not_found" and response.json["message"]


def test_wrong_method_is_a_json_405(client):
    response = client.put("/api/v1/me")
    assert response.status_code == 405 and response.json["code"] == "method_not_allowed"


def test_html_pages_keep_html_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_operation_for_some_roles_names_them_and_refuses_others(make_app, make_user, issue_token):
    app = make_app()
    staff_only = APIBlueprint("staff_probe_api", __name__, url_prefix="/api/v1/staff-probe")

    @staff_only.get("/")
    @roles_required(Role.EXCHANGE_STAFF, Role.ADMIN)
    def staff_view():
        """Staff only"""
        return {"ok": True}

    app.register_blueprint(staff_only)
    client = app.test_client()
    operation = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/staff-probe/"]["get"]
    assert operation["security"] == [{"bearer": ["admin", "exchange_staff"]}]
    with app.app_context():
        dealer, staff = issue_token(make_user(Role.PRIMARY_DEALER)), issue_token(make_user(Role.EXCHANGE_STAFF))
    refused = client.get("/api/v1/staff-probe/", headers=bearer(dealer))
    assert refused.status_code == 403 and refused.json["code"] == "forbidden"
    assert client.get("/api/v1/staff-probe/", headers=bearer(staff)).json == {"ok": True}


def test_library_abort_gets_a_code_and_our_message(make_app):
    app = make_app()
    probe = APIBlueprint("abort_probe_api", __name__, url_prefix="/api/v1/abort-probe")

    @probe.get("/<int:status>")
    @public
    def fail(status):
        abort(status, "Window closed." if status == 409 else None)

    app.register_blueprint(probe)
    client = app.test_client()
    assert client.get("/api/v1/abort-probe/409").json == {"code": "conflict", "message": "Window closed."}
    gone = client.get("/api/v1/abort-probe/410")
    assert gone.status_code == 410 and gone.json["code"] == "gone" and gone.json["message"] != "Gone"


def test_every_operation_documents_the_edges_answers(spec):
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            expected = {"414", "422"} | ({"400", "413"} if "requestBody" in operation else set())
            if operation.get("security") != []:
                expected |= {"401", "403"}
            if not expected <= set(operation["responses"]):
                missing.append(f"{method.upper()} {path}: {sorted(expected - set(operation['responses']))}")
    assert missing == []
