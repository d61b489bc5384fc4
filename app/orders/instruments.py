"""What the order form needs of an instrument, on whichever venue it trades: the desk's own
market (KASE) or an external venue the broker keeps (AIX, International)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.brokerage.models import Venue
from app.secondary.models import Instrument, PriceSubject
from app.venues import reads as venue_reads
from app.venues import services as venue_services
from app.venues.models import VenueInstrument


@dataclass(frozen=True)
class Tradable:
    venue: str
    code: str
    name: str
    currency: str
    lot_size: int
    price_step: Decimal
    market: Instrument | None = None     # the desk's market
    external: VenueInstrument | None = None

    @property
    def is_kase(self) -> bool:
        return self.market is not None

    @property
    def priced_in_percent(self) -> bool:
        """Bonds on the desk's market are priced in % of face value."""
        return self.market is not None and self.market.price_subject != PriceSubject.MONEY \
            and self.market.face_value is not None


def find(session, firm_id: int, venue: str, code: str) -> Tradable | None:
    code = (code or "").strip().upper()
    if not code or len(code) > 20:
        return None
    if venue == Venue.KASE:
        instrument = session.scalar(select(Instrument).where(Instrument.code == code))
        if instrument is None:
            return None
        return Tradable(Venue.KASE, instrument.code, instrument.name, instrument.currency, instrument.lot_size,
                        instrument.price_step, market=instrument)
    if venue not in (Venue.AIX, Venue.INTERNATIONAL):
        return None
    external = venue_reads.instrument(session, firm_id, venue, code)
    if external is None or not external.is_active:
        return None
    return Tradable(venue, external.code, external.name, external.currency, external.lot_size,
                    external.price_step, external=external)


def external_settlement_date(tradable: Tradable, trade_day: date) -> date:
    return venue_services.settlement_date(tradable.external, trade_day)
