"""The cabinet's Home and Portfolio (seed 000); its other sections are their features' own pages."""
from flask import Blueprint, render_template

from app.auth.access import roles_required
from app.auth.roles import Role
from app.brokerage.forms import VENUE_LABELS
from app.cabinet.loaders import cabinet_client
from app.cabinet.portfolio import portfolio
from app.extensions import db
from app.orders import reads as order_reads
from app.orders.forms import ORDER_STATUS_LABELS
from app.venues.forms import WatchForm
from app.venues.reads import quote_blocks

bp = Blueprint("cabinet", __name__, url_prefix="/cabinet")


@bp.context_processor
def vocabulary() -> dict:
    return {"VENUES": VENUE_LABELS, "ORDER_STATUS": ORDER_STATUS_LABELS}


@bp.route("/")
@roles_required(Role.CLIENT)
def home():
    client = cabinet_client()
    return render_template("cabinet/home.html", client=client, portfolio=portfolio(db.session, client),
                           quote_blocks=quote_blocks(db.session, client), watch_form=WatchForm(),
                           recent_orders=order_reads.recent_orders(db.session, client))


@bp.route("/portfolio")
@roles_required(Role.CLIENT)
def portfolio_page():
    client = cabinet_client()
    return render_template("cabinet/portfolio.html", client=client, portfolio=portfolio(db.session, client))
