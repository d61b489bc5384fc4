"""The cabinet's pages (seed 000): Home and Portfolio so far."""
from flask import Blueprint, abort, render_template
from flask_login import current_user

from app.auth.access import roles_required
from app.auth.roles import Role
from app.brokerage.forms import VENUE_LABELS
from app.brokerage.reads import own_client
from app.cabinet.portfolio import portfolio
from app.extensions import db
from app.venues.forms import WatchForm
from app.venues.reads import quote_blocks

bp = Blueprint("cabinet", __name__, url_prefix="/cabinet")


@bp.context_processor
def vocabulary() -> dict:
    return {"VENUES": VENUE_LABELS}


@bp.route("/")
@roles_required(Role.CLIENT)
def home():
    client = _client()
    return render_template("cabinet/home.html", client=client, portfolio=portfolio(db.session, client),
                           quote_blocks=quote_blocks(db.session, client), watch_form=WatchForm())


@bp.route("/portfolio")
@roles_required(Role.CLIENT)
def portfolio_page():
    client = _client()
    return render_template("cabinet/portfolio.html", client=client, portfolio=portfolio(db.session, client))


def _client():
    """A client login without a brokerage agreement has no cabinet (404, not an error page)."""
    client = own_client(db.session, current_user)
    if client is None:
        abort(404)
    return client
