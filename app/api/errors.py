"""API errors: `{code, message, details?}`; a validation error names each bad field.

Raise `ApiError` in an API view; APIFlask's own errors (a body that fails its schema) come
through `handle_api_error` as well.
"""
from collections.abc import Iterator
from contextlib import contextmanager

from apiflask import HTTPError
from apiflask.helpers import get_reason_phrase
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.http import HTTP_STATUS_CODES

from app.errors import error_response
from app.extensions import db
from app.refusals import Refusal

VALIDATION_ERROR = "validation_error"

# marshmallow's own texts, put into the user's language (ours already are).
LIBRARY_MESSAGES = {
    "Missing data for required field.": _l("This field is required."),
    "Unknown field.": _l("This field is not expected here."),
    "Field may not be null.": _l("This field may not be null."),
    "Invalid input type.": _l("Send a JSON object."),
    "Not a valid string.": _l("Send text in quotes."),
    "Not a valid integer.": _l("Send a whole number."),
    "Not a valid boolean.": _l("Send true or false."),
    "Not a valid list.": _l("Send a list."),
    "Not a valid date.": _l("Not a valid date: use ISO 8601, e.g. 2026-12-31."),
    "Not a valid datetime.": _l("Not a valid date and time: use ISO 8601 with an offset, "
                                "e.g. 2026-12-31T18:00:00+05:00."),
}


class ApiError(HTTPError):
    """`raise ApiError(409, "window_closed", _("The bid window is closed."))`."""

    def __init__(self, status: int, code: str, message: str, details: dict | None = None) -> None:
        super().__init__(status, str(message), detail=details, extra_data={"code": code})


def field_error(field: str, message, location: str = "json") -> ApiError:
    """A refusal by a service, reported like a schema error so clients handle one shape."""
    return ApiError(422, VALIDATION_ERROR, _("Some fields are not valid."),
                    {location: {field: [str(message)]}})


def plain(details):
    """Lazy texts to strings, library texts translated, keys to strings (JSON sorts them)."""
    if isinstance(details, dict):
        return {str(key): plain(value) for key, value in details.items()}
    if isinstance(details, (list, tuple)):
        return [plain(value) for value in details]
    if isinstance(details, str):
        return str(LIBRARY_MESSAGES.get(details, details))
    return details if isinstance(details, (int, float, bool)) or details is None else str(details)


def handle_api_error(error: HTTPError):
    """Every APIFlask error: ours carry a code; a failed schema becomes `validation_error`;
    for a bare `abort(status)` the code is named after the status and the message is ours."""
    code = error.extra_data.get("code")
    message = error.message
    if code is None and error.status_code == current_app.config["VALIDATION_ERROR_STATUS_CODE"]:
        code, message = VALIDATION_ERROR, _("Some fields are not valid.")
    elif code is None:
        code = HTTP_STATUS_CODES[error.status_code].lower().replace(" ", "_")
        if message == get_reason_phrase(error.status_code):
            message = None  # APIFlask's English default: the user's language instead
    response = error_response(error.status_code, code, message, plain(error.detail) or None)
    if isinstance(response, tuple):  # an HTML page
        return response
    response.headers.update(error.headers or {})
    return response



# A refusal's HTTP status by its code; every other code is a rule or field refusal (422).
STATUS_OF_CODE = {"not_found": 404, "forbidden": 403, "wrong_status": 409}


@contextmanager
def refusals(renamed: dict[str, str] | None = None) -> Iterator[None]:
    """A service's Refusal → rollback and a JSON error with its code, its field (`renamed` maps a
    service's field name to the API's) or, for a refused file, every problem by row."""
    try:
        yield
    except Refusal as error:
        db.session.rollback()
        message, field = str(error.message), (renamed or {}).get(error.field, error.field)
        details = None
        if error.problems is not None:
            details = {"rows": [{"row": row, "message": str(text)} for row, text in error.problems]}
        elif field == "idempotency_key":
            details = {"headers": {"Idempotency-Key": [message]}}
        elif field:
            details = {"json": {field: [message]}}
        raise ApiError(STATUS_OF_CODE.get(error.code, 422), error.code, message, details) from error
