"""The OpenAPI 3 document at /api/v1/openapi.json: description, bearer scheme, error bodies,
and, for every operation, who may call it (read from the same declarations that enforce it).
"""
import re

from apiflask import APIFlask

from app.api.schemas import ERROR_SCHEMA, VALIDATION_ERROR_SCHEMA
from app.auth.access import PUBLIC, endpoint_access
from app.auth.roles import ALL_ROLES

BEARER = "bearer"
METHODS = ("get", "post", "put", "patch", "delete")

DESCRIPTION = """\
The JSON API of the Auction Desk, for dealers' and issuers' own systems.

**Tokens.** Log in to the desk in a browser, open *API tokens* (`/tokens`) and create a
personal token; it is shown once, and the desk keeps only its hash. Send it on every call as
`Authorization: Bearer desk_…`. The token acts as you, with your role. List and revoke tokens
at `/tokens` or with `GET /api/v1/tokens` and `DELETE /api/v1/tokens/{token_id}`; a token may do
both, but new tokens are created only from a logged-in browser session, never with a token.
A call made from a browser with the session cookie instead of a token must send the CSRF
token in the `X-CSRFToken` header for POST, PUT, PATCH and DELETE.

**Money and prices** travel as decimal strings (`"1000000.00"`, `"99.8734"`), never as JSON
numbers; a JSON number in a money field is refused. Quantities of securities are integers.

**Times** are ISO 8601 with an offset (`2026-12-31T18:00:00+05:00`). The desk stores UTC and
answers in Almaty time (+05:00); a time sent without an offset is refused.

**Errors** are JSON `{"code": …, "message": …, "details": …}`: `code` is stable for programs,
`message` is for people, in the user's language. A request that fails validation gets 422 with
code `validation_error` and the messages per field in `details.<location>.<field>`; one that a
rule of the exchange refuses gets 422 (or 409 for a wrong status) with that rule's code.
Integers are bounded by the columns they end in (ids 0…2³¹−1): an id beyond that in a URL is
404, in a body 422. Text may not contain the NUL character.
"""


def configure_openapi(app: APIFlask) -> None:
    app.config.update(
        DESCRIPTION=DESCRIPTION,
        SECURITY_SCHEMES={BEARER: {
            "type": "http", "scheme": "bearer",
            "description": "A personal API token from the desk's API tokens page (`desk_…`).",
        }},
        HTTP_ERROR_SCHEMA=ERROR_SCHEMA,
        VALIDATION_ERROR_SCHEMA=VALIDATION_ERROR_SCHEMA,
        AUTO_OPERATION_ID=True,
    )
    app.spec_processor(lambda spec: describe_access(app, spec))
    # APIFlask 3.1 reads `enable_openapi` from every blueprint that has a before_request
    # function, and a plain Flask blueprint (an HTML page's) has none: it would fail the spec.
    for blueprint in app.blueprints.values():
        if not hasattr(blueprint, "enable_openapi"):
            blueprint.enable_openapi = False


def openapi_path(rule: str) -> str:
    """`/tokens/<int:token_id>` → `/tokens/{token_id}`, as APIFlask writes paths."""
    return re.sub(r"<([^<:]+:)?", "{", rule).replace(">", "}")


def describe_access(app: APIFlask, spec: dict) -> dict:
    """Each operation: `security: []` when public, else the bearer scheme with the roles it serves."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("HTTPError", ERROR_SCHEMA)
    with app.app_context():
        for rule in app.url_map.iter_rules():
            operations = spec.get("paths", {}).get(openapi_path(rule.rule), {})
            access = endpoint_access(rule.endpoint)
            for method in METHODS:
                if method.upper() in rule.methods and method in operations:
                    secure(operations[method], access)
                    describe_edge_errors(operations[method])
    return spec


def secure(operation: dict, access) -> None:
    if access == PUBLIC:
        operation["security"] = []
        return
    roles = [] if access == ALL_ROLES else sorted(str(role) for role in access or ())
    operation["security"] = [{BEARER: roles}]
    responses = operation.setdefault("responses", {})
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPError"}}}}
    responses.setdefault("401", {"description": "No valid token or session", **error})
    responses.setdefault("403", {"description": "Your role may not call this", **error})


def describe_edge_errors(operation: dict) -> None:
    """What the edge answers before any operation's own checks, so every status is documented."""
    responses = operation.setdefault("responses", {})
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPError"}}}}
    invalid = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ValidationError"}}}}
    responses.setdefault("422", {"description": "Some input is not valid (`validation_error`), e.g. text "
                                                "with a NUL character", **invalid})
    responses.setdefault("414", {"description": "The URL is longer than the HTTP server reads (4,094 bytes "
                                                "in its request line); plain text from the server"})
    if "requestBody" in operation:
        _add_description(responses, "400", "The body is not valid JSON (`bad_request`)", error)
        responses.setdefault("413", {"description": "The body is larger than 32 MB "
                                                    "(`request_entity_too_large`)", **error})


def _add_description(responses: dict, status: str, text: str, body: dict) -> None:
    if status in responses:
        responses[status]["description"] += f"; or: {text}"
    else:
        responses[status] = {"description": text, **body}
