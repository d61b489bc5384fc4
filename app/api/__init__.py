"""What every API blueprint shares: the OpenAPI document, JSON errors and the CSRF rule."""
from apiflask import APIFlask, HTTPError

from app.api.csrf import protect_session_calls
from app.api.errors import handle_api_error
from app.api.openapi import configure_openapi


def register_api(app: APIFlask, blueprints) -> None:
    configure_openapi(app)
    app.register_error_handler(HTTPError, handle_api_error)
    protect_session_calls(app, blueprints)
