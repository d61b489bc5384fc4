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

VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message", "details"],
    "properties": {
        "code": {"type": "string", "enum": ["validation_error"]},
        "message": {"type": "string", "description": "For people, in the user's language."},
        "details": {
            "type": "object",
            "description": "Messages per location (`json`, `query`, `path`) and per field.",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
            "example": {"json": {"amount": ['Send this amount as a decimal string in quotes, '
                                            'e.g. "1000000.00", not as a number.']}},
        },
    },
}
