"""What every cabinet page and API call loads first: the client whose login this is."""
from flask import abort
from flask_babel import gettext as _
from flask_login import current_user

from app.api.errors import ApiError
from app.brokerage.models import BrokerClient
from app.brokerage.reads import own_client
from app.extensions import db


def cabinet_client() -> BrokerClient:
    """A client login without a brokerage agreement has no cabinet (404, not an error page)."""
    client = own_client(db.session, current_user)
    if client is None:
        abort(404)
    return client


def api_client() -> BrokerClient:
    """The same for the API: a 404 with the reason in the user's language."""
    client = own_client(db.session, current_user)
    if client is None:
        raise ApiError(404, "not_found", _("This login has no brokerage agreement."))
    return client
