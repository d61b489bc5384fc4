"""The client's Risks section (seed 003 «Риски»): S, M0, Mx, NPR1 and NPR2 now, each position's
value, rate and margin, the broker's rates in force for the client's category, the margin call
with its deadline, a debt, a close-out under way, and NPR1 and NPR2 over the last 30 days."""
from flask import Blueprint, render_template

from app.auth.access import roles_required
from app.auth.roles import Role
from app.brokerage.forms import VENUE_LABELS
from app.cabinet.loaders import cabinet_client
from app.clock.services import now
from app.extensions import db
from app.margin import calls, closeout, history
from app.margin import reads as rate_reads
from app.margin.forms import CATEGORY_LABELS
from app.margin.risk import RiskUnavailable, client_risk

bp = Blueprint("cabinet_risk", __name__, url_prefix="/cabinet")


@bp.route("/risk")
@roles_required(Role.CLIENT)
def risk():
    client, at = cabinet_client(), now()
    try:
        found, missing = client_risk(db.session, client, at), None
    except RiskUnavailable as error:
        found, missing = None, error.currency
    return render_template("margin/risk.html", client=client, risk=found, missing_fx=missing, VENUES=VENUE_LABELS,
                           CATEGORIES=CATEGORY_LABELS, call=calls.open_call(db.session, client),
                           debts=calls.open_debts(db.session, client),
                           close_out=closeout.running_close_out(db.session, client),
                           chart=history.chart(history.days_of(db.session, client, at, found and found.figures)),
                           rates=rate_reads.rates_in_force(db.session, client.firm_id, client.margin_category, at),
                           scheduled=rate_reads.scheduled_rates(db.session, client.firm_id, client.margin_category, at))
