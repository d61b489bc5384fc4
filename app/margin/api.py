"""The margin tables in the JSON API, under /api/v1/brokerage/risk: the risk staff add entries,
the back office reads them. A firm reads and changes only its own tables."""
from apiflask import APIBlueprint
from flask_login import current_user

from app.api.errors import refusals
from app.auth.access import roles_required
from app.auth.roles import Role
from app.clock.services import now
from app.extensions import db
from app.margin import reads, services
from app.margin.models import MONEY, DiscountRate, FxRate
from app.margin.schemas import FxIn, FxOut, FxQuery, FxRowOut, RateIn, RateOut, RateRowOut, RatesQuery

bp = APIBlueprint("margin_api", __name__, url_prefix="/api/v1/brokerage/risk", tag="Margin rates")
RISK = (Role.BROKER_RISK,)
READERS = (Role.BROKER_RISK, Role.BROKER_OFFICE)
REFUSED = {422: "Refused by a rule: `code` names it (`below_minimal_rate`, `shortable_needs_marginal`, "
                "`unknown_instrument`, `base_currency`, `invalid_rate`, `effective_in_past`, …) and "
                "`details.json.<field>` the field"}


@bp.get("/rates")
@roles_required(*READERS)
@bp.input(RatesQuery, location="query", arg_name="query")
@bp.output(RateRowOut(many=True))
def list_rates(query: dict):
    """The firm's discount rates in force for a client category (at a moment; now by default)"""
    at = query["at"] or now()
    return [rate_out(row) for row in reads.rates_in_force(db.session, current_user.organisation_id,
                                                          query["category"], at).values()]


@bp.post("/rates")
@roles_required(*RISK)
@bp.input(RateIn, arg_name="data")
@bp.output(RateOut, status_code=201)
@bp.doc(responses=REFUSED)
def add_rate(data: dict):
    """Add a discount rate entry: it supersedes the key's entry in force from `effective_from`"""
    with refusals():
        rate = services.add_rate(db.session, current_user.organisation, services.RateEntry(**data), current_user, now())
    return rate_out(rate)


@bp.get("/fx")
@roles_required(*READERS)
@bp.input(FxQuery, location="query", arg_name="query")
@bp.output(FxRowOut(many=True))
def list_fx(query: dict):
    """The firm's FX rates into tenge in force (at a moment; now by default)"""
    at = query["at"] or now()
    return [fx_out(row) for row in reads.fx_in_force(db.session, current_user.organisation_id, at).values()]


@bp.post("/fx")
@roles_required(*RISK)
@bp.input(FxIn, arg_name="data")
@bp.output(FxOut, status_code=201)
@bp.doc(responses=REFUSED)
def add_fx(data: dict):
    """Add an FX entry: it supersedes the currency's rate in force from `effective_from`"""
    with refusals():
        fx = services.add_fx_rate(db.session, current_user.organisation, services.FxEntry(**data), current_user, now())
    return fx_out(fx)


def rate_out(rate: DiscountRate) -> dict:
    return {"id": rate.id, "category": rate.category, "venue": rate.venue or MONEY, "code": rate.code,
            "long_rate": rate.long_rate, "short_rate": rate.short_rate, "marginal": rate.marginal,
            "shortable": rate.shortable, "effective_from": rate.effective_from, "created_at": rate.created_at,
            "created_by": rate.created_by.login}


def fx_out(fx: FxRate) -> dict:
    return {"id": fx.id, "currency": fx.currency, "rate": fx.rate, "effective_from": fx.effective_from,
            "created_at": fx.created_at, "created_by": fx.created_by.login}
