"""The demo broker's margin tables, seeded once by its risk staff: discount rates for both
client categories (KASE shares, its AIX and international instruments, USD money) and an FX
table. Demo figures, rough on purpose: they show the tables, they are no one's real rates."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from app.auth.models import User
from app.brokerage import services as brokerage
from app.brokerage.models import BrokerClient, LedgerSource
from app.margin import services
from app.margin.models import DiscountRate, MarginCategory
from app.venues import reads as venue_reads

# venue, code, long, short, marginal, shortable — standard clients; special risk 10 points lower
# (never under the 25 floor of marginal instruments).
RATES = (
    ("kase", "KZTK", "25", "30", True, True),
    ("kase", "KCEL", "40", "40", True, True),
    ("kase", "HSBK", "50", "100", True, False),
    ("aix", "KZAP", "50", "100", True, False),
    ("aix", "HSBK", "50", "100", True, False),
    ("aix", "KCEL", "50", "100", True, False),
    ("international", "AAPL", "50", "100", True, False),
    ("international", "MSFT", "50", "100", True, False),
    ("international", "TSLA", "50", "100", True, False),
    ("money", "USD", "20", "20", True, False),
)
FX = (("USD", "470"), ("EUR", "510"))      # tenge for one unit: demo figures, not a market's
SPECIAL_RISK_RELIEF = Decimal(10)


def seed_margin(session, now: datetime) -> None:
    risk = session.scalar(select(User).where(User.login == "risk"))
    if risk is None or session.scalar(select(DiscountRate.id).where(DiscountRate.firm_id == risk.organisation_id)
                                      .limit(1)):
        return
    firm = risk.organisation
    for venue, code, long_rate, short_rate, marginal, shortable in RATES:
        if venue != "money" and not venue_reads.is_listed(session, firm.id, venue, code):
            continue    # a desk seeded without that market or venue
        for category in MarginCategory:
            relief = SPECIAL_RISK_RELIEF if category == MarginCategory.SPECIAL_RISK else Decimal(0)
            services.add_rate(session, firm, services.RateEntry(
                category, venue, code, _relieved(long_rate, relief, venue), _relieved(short_rate, relief, venue),
                marginal, shortable), risk, now)
    for currency, rate in FX:
        services.add_fx_rate(session, firm, services.FxEntry(currency, Decimal(rate)), risk, now)
    _margin_portfolio(session, firm, now)


# The demo client's margin deals (issue 13: its Risks section shows real figures at first login):
# 250 KZTK bought at 36,500 partly on credit and 500 KCEL sold short at 3,150. Posted as the
# deals' ledger movements; the money leg makes the client's tenge negative (the broker's loan).
PORTFOLIO = (("kase", "KZTK", 250, Decimal("36500")), ("kase", "KCEL", -500, Decimal("3150")))


def _margin_portfolio(session, firm, now: datetime) -> None:
    client = session.scalar(select(BrokerClient).join(User, User.id == BrokerClient.user_id)
                            .where(User.login == "client", BrokerClient.firm_id == firm.id))
    office = session.scalar(select(User).where(User.login == "backoffice"))
    if client is None or office is None:
        return
    for venue, code, quantity, price in PORTFOLIO:
        if not venue_reads.is_listed(session, firm.id, venue, code):
            continue
        reference = f"Демо: {'покупка' if quantity > 0 else 'продажа'} {code}"
        brokerage.post(session, client, venue, code, Decimal(quantity), LedgerSource.DEAL, reference, office, now)
        brokerage.post(session, client, None, "KZT", -quantity * price, LedgerSource.DEAL, reference, office, now)


def _relieved(rate: str, relief: Decimal, venue: str) -> Decimal:
    floor = Decimal(0) if venue == "money" else services.MIN_MARGINAL_RATE
    value = Decimal(rate)
    return value if value == 100 else max(value - relief, floor).quantize(services.RATE_PLACES)
