"""The demo broker's external venues: AIX and international instruments with a recent quote
each, and a few of them (and one KASE share) on the demo client's list. Seeded once."""
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.auth.models import User
from app.brokerage.models import BrokerClient, Venue
from app.secondary.models import Instrument
from app.venues import services
from app.venues.models import VenueInstrument

STEP = Decimal("0.01")
# venue, code, name, currency, (bid, ask, last)
INSTRUMENTS = (
    (Venue.AIX, "KZAP", "Kazatomprom GDR", "USD", ("41.20", "41.35", "41.30")),
    (Venue.AIX, "HSBK", "Halyk Bank GDR", "USD", ("16.80", "16.95", "16.90")),
    (Venue.AIX, "KCEL", "Kcell", "KZT", ("3140.00", "3165.00", "3150.00")),
    (Venue.INTERNATIONAL, "AAPL", "Apple Inc.", "USD", ("232.10", "232.20", "232.15")),
    (Venue.INTERNATIONAL, "MSFT", "Microsoft Corp.", "USD", ("418.40", "418.60", "418.50")),
    (Venue.INTERNATIONAL, "TSLA", "Tesla Inc.", "USD", ("251.30", "251.60", "251.45")),
)
WATCHED = ((Venue.AIX, "KZAP"), (Venue.AIX, "HSBK"), (Venue.INTERNATIONAL, "AAPL"), (Venue.INTERNATIONAL, "MSFT"))
KASE_WATCHED = "KCEL"


def seed_venues(session, now: datetime) -> None:
    office = session.scalar(select(User).where(User.login == "backoffice"))
    if office is None or session.scalar(select(VenueInstrument.id).where(
            VenueInstrument.firm_id == office.organisation_id).limit(1)):
        return
    rows = []
    for venue, code, name, currency, (bid, ask, last) in INSTRUMENTS:
        services.add_instrument(session, office.organisation,
                                services.InstrumentEntry(venue, code, name, currency, 1, STEP, 2), office, now)
        rows.append({"venue": str(venue), "code": code, "bid": bid, "ask": ask, "last": last,
                     "time": (now - timedelta(minutes=12)).isoformat()})
    services.push_quotes(session, office.organisation, rows, office, now)
    _watch(session, office, now)


def _watch(session, office: User, now: datetime) -> None:
    client = session.scalar(select(BrokerClient).join(User, User.id == BrokerClient.user_id)
                            .where(User.login == "client", BrokerClient.firm_id == office.organisation_id))
    if client is None:
        return
    for venue, code in WATCHED:
        services.watch(session, client, venue, code, now)
    if session.scalar(select(Instrument.id).where(Instrument.code == KASE_WATCHED)):
        services.watch(session, client, Venue.KASE, KASE_WATCHED, now)
