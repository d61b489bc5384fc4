"""The risk staff's view of the firm's clients (issue 13, item 8): every client's figures now,
the ones in trouble first, and one client's drill-down with the close-out the rules would
place. Read-only: nothing here changes the desk."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.brokerage.models import BrokerClient
from app.domain import margin
from app.margin.risk import ClientRisk, RiskUnavailable, client_risk

ALL, NPR1_NEGATIVE, NPR2_NEGATIVE = "all", "npr1", "npr2"
STANDING_FILTERS = (ALL, NPR1_NEGATIVE, NPR2_NEGATIVE)
NO_FX_RATE = _l("The firm has no %(currency)s exchange rate yet, so the collateral cannot be valued.")
LEAST = {NPR1_NEGATIVE: margin.Standing.NPR1_NEGATIVE, NPR2_NEGATIVE: margin.Standing.NPR2_NEGATIVE}


@dataclass(frozen=True)
class RiskRow:
    """One client of the list: its figures, or the currency that keeps them from being computed."""
    client: BrokerClient
    risk: ClientRisk | None
    missing_fx: str | None = None

    @property
    def unavailable(self) -> str | None:
        return str(NO_FX_RATE) % {"currency": self.missing_fx} if self.missing_fx else None

    @property
    def figures(self) -> margin.Figures | None:
        return self.risk.figures if self.risk else None


@dataclass(frozen=True)
class RiskFilter:
    standing: str = ALL
    category: str | None = None
    search: str | None = None


def risk_rows(session, firm_id: int, chosen: RiskFilter, at: datetime) -> list[RiskRow]:
    """The firm's clients that pass `chosen`, sorted by NPR2 ascending. A client whose figures
    are unavailable comes first whatever the standing asked: its standing is unknown, and the
    missing FX rate is the risk staff's to enter."""
    rows = [risk_row(session, client, at) for client in _clients(session, firm_id, chosen)]
    least = LEAST.get(chosen.standing)
    if least is not None:
        rows = [row for row in rows if row.figures is None or row.figures.standing >= least]
    return sorted(rows, key=_order)


def _clients(session, firm_id: int, chosen: RiskFilter) -> list[BrokerClient]:
    query = select(BrokerClient).where(BrokerClient.firm_id == firm_id)
    if chosen.category:
        query = query.where(BrokerClient.margin_category == chosen.category)
    if chosen.search and chosen.search.strip():
        like = f"%{chosen.search.strip()}%"
        query = query.where(or_(BrokerClient.full_name.ilike(like), BrokerClient.iin.like(like),
                                BrokerClient.client_code.ilike(like)))
    return list(session.scalars(query.order_by(BrokerClient.full_name)))


def risk_row(session, client: BrokerClient, at: datetime) -> RiskRow:
    try:
        return RiskRow(client, client_risk(session, client, at))
    except RiskUnavailable as error:
        return RiskRow(client, None, error.currency)


def _order(row: RiskRow) -> tuple:
    if row.figures is None:
        return (0, 0, row.client.full_name)
    return (1, row.figures.npr2, row.client.full_name)


def firm_risk_client(session, firm_id: int, client_id: int) -> BrokerClient | None:
    """The client if it is the firm's own; another firm's client does not exist for its staff."""
    client = session.get(BrokerClient, client_id)
    return client if client is not None and client.firm_id == firm_id else None


def close_out_preview(risk: ClientRisk) -> list[margin.CloseOut]:
    """The minimal market orders seed 003's forced close-out would place now; shown, never sent."""
    return margin.close_out_plan(risk.portfolio, risk.rates)
