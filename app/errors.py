"""Error pages for people, JSON errors for machines; never a stack trace."""
from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Check the form and try again."),
        401: _("Log in to continue."),
        403: _("Your role does not give access to this page."),
        404: _("There is no such page."),
        405: _("This action is not allowed here."),
        413: _("The file is too large."),
        422: _("Some fields are not valid."),
        429: _("Too many requests. Wait a little and try again."),
        500: _("Something went wrong on our side. The error is logged; try again in a minute."),
    }


def error_response(status: int, code: str, message: str | None = None, details: dict | None = None):
    message = message or _messages().get(status, _messages()[500])
    if request.path.startswith("/api/"):
        body = {"code": code, "message": message}
        if details:
            body["details"] = details
        response = jsonify(body)
        response.status_code = status
        return response
    return render_template("errors/error.html", status=status, message=message), status


def handle_http(error: HTTPException):
    status = error.code or 500
    code = (error.name or "error").lower().replace(" ", "_")
    details = getattr(error, "detail", None) if isinstance(getattr(error, "detail", None), dict) else None
    return error_response(status, code, details=details)


def handle_csrf(error: CSRFError):
    return error_response(400, "csrf_failed", _("The form expired or was sent from elsewhere. Reload the page and try again."))


def handle_unexpected(error: Exception):
    db.session.rollback()
    original = getattr(error, "original_exception", error)
    if not isinstance(original, HTTPException):
        from flask import current_app

        current_app.logger.exception("unhandled error", exc_info=original)
    return error_response(500, "internal_error")


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(InternalServerError, handle_unexpected)
