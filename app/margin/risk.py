"""A client's margin figures from what the desk holds (issue 13; the formulas are the domain's,
`app/domain/margin.py`).

The planned positions are the ledger's sums: a deal is posted when it is done, with the date it
settles, so the sum counts settled holdings and concluded deals not yet settled. Each security
is valued in KZT at its venue's price (the desk's market: today's last trade, else the latest
reference price; an external venue: its latest quote, too old after MARGIN_PRICE_MAX_AGE hours)
with the broker's FX table; the rates are the broker's in force for the client's category.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.brokerage.models import BrokerClient, Venue
from app.brokerage.services import balances
from app.domain import margin
from app.domain.calendar import almaty_date
from app.margin import reads as rate_reads
from app.orders.models import LIVE_STATUSES, ClientOrder, OrderSide, OrderType
from app.secondary.models import TRADED, Instrument, MarketTrade, PriceSubject, ReferencePrice
from app.venues import reads as venue_reads

HUNDRED = Decimal(100)
Key = tuple[str, str]       # (venue, code)


NO_FX_RATE = _l("Your broker has no %(currency)s exchange rate yet, so the collateral cannot be valued; "
                "ask your broker.")


class RiskUnavailable(Exception):
    """The figures cannot be computed: the broker's FX table lacks a currency the client holds."""

    def __init__(self, currency: str):
        super().__init__(currency)
        self.currency = currency

    @property
    def message(self) -> str:
        return str(NO_FX_RATE) % {"currency": self.currency}


@dataclass(frozen=True)
class Unit:
    """What one security of an instrument is worth in KZT, and how a price of it converts."""
    currency: str
    lot: int
    per_price: Decimal          # KZT per unit of the venue's price (a bond's % of face, FX …)
    valuation: margin.Valuation | None

    def kzt(self, price: Decimal) -> Decimal:
        return price * self.per_price


@dataclass(frozen=True)
class ClientRisk:
    """Everything the Risks section, the API and the checks read of one client at one moment."""
    client: BrokerClient
    at: datetime
    rates: margin.RateTable
    portfolio: margin.Portfolio
    orders: tuple[margin.Order, ...]
    units: dict[Key, Unit]
    figures: margin.Figures


def client_risk(session, client: BrokerClient, at: datetime, also: Key | None = None) -> ClientRisk:
    """`also`: an instrument to value too (the one a new order is for, held or not)."""
    held = balances(session, [client]).get(client.id, [])
    fx = fx_table(session, client.firm_id, at)
    securities = {(row.venue, row.asset): int(row.amount) for row in held if not row.is_money and row.amount}
    live = list(session.scalars(select(ClientOrder).where(ClientOrder.client_id == client.id,
                                                          ClientOrder.status.in_(LIVE_STATUSES))))
    keys = set(securities) | {(order.venue, order.code) for order in live} | ({also} if also else set())
    units = instrument_units(session, client.firm_id, keys, fx, at)
    money = tuple(_money(row.asset, row.amount, fx) for row in held if row.is_money)
    positions = tuple(_position(key, quantity, units[key]) for key, quantity in sorted(securities.items()))
    # An instrument only ordered, not held, is valued at its venue's price when it has one.
    positions += tuple(_position(key, 0, units[key]) for key in sorted(keys - set(securities))
                       if units[key].valuation is not None)
    portfolio = margin.Portfolio(positions, money)
    orders = tuple(order for order in (_order(item, units[(item.venue, item.code)]) for item in live) if order)
    rates = rate_table(session, client, at)
    figures = margin.figures(portfolio, rates)
    return ClientRisk(client, at, rates, portfolio, orders, units, figures)


def rate_table(session, client: BrokerClient, at: datetime) -> margin.RateTable:
    entries = rate_reads.rates_in_force(session, client.firm_id, client.margin_category, at)
    instruments, currencies = {}, {}
    for entry in entries.values():
        if entry.venue is None:         # a foreign currency's money rate
            currencies[entry.code] = entry.long_rate
        elif entry.marginal:            # off the list it counts at 100 %, not shortable (the default)
            instruments[(entry.venue, entry.code)] = margin.Rate(entry.long_rate, entry.short_rate,
                                                                  True, entry.shortable)
    return margin.RateTable(instruments, currencies)


# --- checks --------------------------------------------------------------------------------------

def order_verdict(risk: ClientRisk, venue: str, code: str, side: str, quantity: int,
                  price: Decimal) -> margin.Verdict:
    """`price` in the venue's terms (a limit, or a market order's far side): NPR1 after this
    order and every live one as if executed."""
    unit = risk.units[(venue, code)]       # valued by client_risk(…, also=(venue, code))
    new = margin.Order((venue, code), side, quantity, unit.kzt(price))
    portfolio = risk.portfolio
    if all(item.instrument != (venue, code) for item in portfolio.positions):
        portfolio = margin.Portfolio((*portfolio.positions, margin.Position((venue, code), 0, new.price)),
                                     portfolio.money)
    return margin.check_order(portfolio, risk.orders, new, risk.rates)


def withdrawal_verdict(risk: ClientRisk, currency: str, amount: Decimal) -> margin.Verdict:
    return margin.check_withdrawal(risk.portfolio, risk.orders, currency, amount, risk.rates)


def fx_table(session, firm_id: int, at: datetime) -> dict[str, Decimal]:
    return {currency: row.rate for currency, row in rate_reads.fx_in_force(session, firm_id, at).items()}


# --- prices --------------------------------------------------------------------------------------

def instrument_units(session, firm_id: int, keys: set[Key], fx: dict[str, Decimal],
                     at: datetime) -> dict[Key, Unit]:
    kase = [code for venue, code in keys if venue == Venue.KASE]
    external = [key for key in keys if key[0] != Venue.KASE]
    units = _kase_units(session, kase, fx, at)
    units.update(_external_units(session, firm_id, external, fx, at))
    for key in keys - set(units):      # unknown to the desk now: no price, counted at 100 %
        units[key] = Unit(margin.KZT, 1, Decimal(1), None)
    return units


def _kase_units(session, codes: list[str], fx: dict[str, Decimal], at: datetime) -> dict[Key, Unit]:
    if not codes:
        return {}
    instruments = {item.id: item for item in session.scalars(select(Instrument).where(Instrument.code.in_(codes)))}
    last = _last_trades(session, list(instruments), almaty_date(at))
    references = {}
    # The newest reference price up to today: the exchange may have set later days' already.
    for row in session.scalars(select(ReferencePrice).where(ReferencePrice.instrument_id.in_(instruments),
                                                            ReferencePrice.trading_day <= almaty_date(at))
                               .order_by(ReferencePrice.trading_day)):
        references[row.instrument_id] = row
    units = {}
    for item in instruments.values():
        per_price = _fx(fx, item.currency)
        if item.price_subject != PriceSubject.MONEY and item.face_value is not None:
            per_price = per_price * item.face_value / HUNDRED
        reference = references.get(item.id)
        age = reference and timedelta(days=(almaty_date(at) - reference.trading_day).days)
        units[(Venue.KASE, item.code)] = Unit(item.currency, item.lot_size, per_price, _valued(
            last.get(item.id), reference and reference.price, None, None, reference_age=age))
    return units


def _last_trades(session, instrument_ids: list[int], day) -> dict[int, Decimal]:
    if not instrument_ids:
        return {}
    newest = (select(func.max(MarketTrade.id)).where(MarketTrade.instrument_id.in_(instrument_ids),
                                                     MarketTrade.trade_day == day, MarketTrade.kind.in_(TRADED))
              .group_by(MarketTrade.instrument_id))
    return dict(session.execute(select(MarketTrade.instrument_id, MarketTrade.price)
                                .where(MarketTrade.id.in_(newest))).all())


def _external_units(session, firm_id: int, keys: list[Key], fx: dict[str, Decimal],
                    at: datetime) -> dict[Key, Unit]:
    instruments = venue_reads.external_instruments(session, firm_id, keys)
    quotes = venue_reads.latest_quotes(session, [item.id for item in instruments.values()])
    units = {}
    for key, item in instruments.items():
        quote = quotes.get(item.id)
        price = quote and venue_reads.quote_price(quote)
        units[key] = Unit(item.currency, item.lot_size, _fx(fx, item.currency),
                          _valued(None, None, price, quote and max(at - quote.quoted_at, timedelta(0))))
    return units


def _valued(trade: Decimal | None, reference: Decimal | None, quote: Decimal | None,
            age: timedelta | None, reference_age: timedelta | None = None) -> margin.Valuation | None:
    hours = current_app.config["MARGIN_PRICE_MAX_AGE_HOURS"]
    try:
        return margin.valuation_price(trade, reference, quote, age, timedelta(hours=hours),
                                      reference_age=reference_age)
    except margin.MarginRuleBroken:
        return None     # no price at all


def _fx(fx: dict[str, Decimal], currency: str) -> Decimal:
    if currency == margin.KZT:
        return Decimal(1)
    if currency not in fx:
        raise RiskUnavailable(currency)
    return fx[currency]


# --- the domain's rows ---------------------------------------------------------------------------

def _money(currency: str, amount: Decimal, fx: dict[str, Decimal]) -> margin.Money:
    return margin.Money(currency, amount, _fx(fx, currency))


def _position(key: Key, quantity: int, unit: Unit) -> margin.Position:
    """No price at all: valued at nothing and counted at 100 % (stale) until a price arrives."""
    if unit.valuation is None:
        return margin.Position(key, quantity, Decimal(0), unit.lot, stale=True)
    return margin.Position(key, quantity, unit.kzt(unit.valuation.price), unit.lot, unit.valuation.stale)


def _order(order: ClientOrder, unit: Unit) -> margin.Order | None:
    """A live order as if its remainder executed: at its limit; a market buy at the price its
    block was taken at (the corridor's far end, or the raised offer); a market sell at the
    valuation price (it blocks securities, not a price)."""
    quantity = order.remaining_lots * order.lot_size
    if quantity <= 0:
        return None
    if order.type == OrderType.LIMIT and order.price is not None:
        price = unit.kzt(order.price)
    elif order.side == OrderSide.BUY:
        price = order.block_per_lot / order.lot_size * (unit.per_price if order.venue != Venue.KASE else 1)
    elif unit.valuation is not None:
        price = unit.kzt(unit.valuation.price)
    else:
        return None
    return margin.Order((order.venue, order.code), order.side, quantity, price) if price > 0 else None
