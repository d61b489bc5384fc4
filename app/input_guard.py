"""Refuses text with a NUL character before any view reads it: PostgreSQL cannot store one in a
text column, so letting it through would be a server error there and stored data on SQLite.
No person types one; a client that sends one is told which field holds it."""
from flask import Flask, request
from flask_babel import gettext as _

from app.api.errors import ApiError, VALIDATION_ERROR
from app.errors import error_response

NUL = "\x00"


def _nul_fields() -> dict[str, list[str]]:
    """{location: [field, …]} of every value (or name) holding a NUL; a file's content is binary
    and may hold any byte, its name may not."""
    found: dict[str, list[str]] = {}
    for location, values in (("query", request.args), ("form", request.form), ("files", request.files)):
        for name in values:
            texts = [name] + [getattr(value, "filename", value) or "" for value in values.getlist(name)]
            if any(NUL in text for text in texts):
                found.setdefault(location, []).append(name.replace(NUL, "\\0"))
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and NUL in value:
            found.setdefault("path", []).append(name)
    if request.is_json and (paths := list(_json_paths(request.get_json(silent=True)))):
        found["json"] = paths
    return found


def _json_paths(value, path: str = ""):
    if isinstance(value, str):
        if NUL in value:
            yield path or "(body)"
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            yield from ([where.replace(NUL, "\\0")] if NUL in str(key) else _json_paths(item, where))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_paths(item, f"{path}.{index}" if path else str(index))


def refuse_nul_characters():
    found = _nul_fields()
    if not found:
        return None
    message = _("Text cannot contain the NUL character (code 0).")
    if request.path.startswith("/api/"):
        raise ApiError(422, VALIDATION_ERROR, _("Some fields are not valid."),
                       {location: {field: [message] for field in fields} for location, fields in found.items()})
    return error_response(400, "nul_character", message)


def register(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
