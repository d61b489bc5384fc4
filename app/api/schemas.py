"""Schemas shared by every API: the error bodies, as OpenAPI schema objects.

APIFlask puts them in the spec as components `HTTPError` and `ValidationError` and refers to
them from every operation's error responses.
"""
ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string", "description": "Stable, machine-readable, e.g. `not_found`.",
                 "example": "not_found"},
        "message": {"type": "string", "description": "For people, in the user's language."},
        "details": {"type": "object", "description": "More about the error, when there is more."},
    },
}

# Every 422 of an operation: a request that fails its schema (`validation_error`, messages per
# field) or one the desk refuses on its rules (the refusal's own code, e.g. `unknown_account`,
# with details only when there is more to say).
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string", "description": "`validation_error` when fields fail validation; "
                                                  "otherwise the code of the rule that refused the request.",
                 "example": "validation_error"},
        "message": {"type": "string", "description": "For people, in the user's language."},
        "details": {
            "type": "object",
            "description": "For `validation_error`: messages per location (`json`, `query`, `path`, "
                           "`headers`) and per field; a list's items are keyed by their index "
                           "(`{\"json\": {\"orders\": {\"0\": {\"lots\": [\"…\"]}}}}`).",
            "additionalProperties": {"type": "object"},
            "example": {"json": {"amount": ['Send this amount as a decimal string in quotes, '
                                            'e.g. "1000000.00", not as a number.']}},
        },
    },
}
