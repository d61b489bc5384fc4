"""The cabinet's pages (seed 000): Home and Portfolio so far."""
from flask import Blueprint, render_template

from app.auth.access import roles_required
from app.auth.roles import Role
from app.brokerage.forms import VENUE_LABELS
from app.cabinet.loaders import cabinet_client
from app.cabinet.portfolio import portfolio
from app.extensions import db

bp = Blueprint("cabinet", __name__, url_prefix="/cabinet")


@bp.context_processor
def vocabulary() -> dict:
    return {"VENUES": VENUE_LABELS}


@bp.route("/")
@roles_required(Role.CLIENT)
def home():
    client = cabinet_client()
    return render_template("cabinet/home.html", client=client, portfolio=portfolio(db.session, client))


@bp.route("/portfolio")
@roles_required(Role.CLIENT)
def portfolio_page():
    client = cabinet_client()
    return render_template("cabinet/portfolio.html", client=client, portfolio=portfolio(db.session, client))
