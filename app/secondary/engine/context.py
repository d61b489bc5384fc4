"""Reference data a batch of commands reads: loaded once per batch, never journaled itself
(what an event needs from it — terms, block prices, settlement dates — goes into the event)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.calendar.services import build_calendar
from app.domain.calendar import BusinessCalendar, almaty_date
from app.domain.market import Terms
from app.domain.market_rules import Corridor
from app.domain.yields import Bond, BondKind, accrued_interest, regular_coupon_dates
from app.secondary.models import (Instrument, PriceSubject, ReferencePrice, TradingAccount,
                                  TradingSession)


@dataclass
class Context:
    session: object
    now: datetime
    _instruments: dict[int, Instrument | None] = field(default_factory=dict)
    _accounts: dict[int, TradingAccount] | None = None
    _references: dict[tuple[int, date], Decimal | None] = field(default_factory=dict)
    _sessions: dict[date, TradingSession | None] = field(default_factory=dict)
    _dates: dict[date, dict[str, str]] = field(default_factory=dict)
    _terms: dict[tuple[int, date], Terms] = field(default_factory=dict)
    _calendars: dict[int, BusinessCalendar] = field(default_factory=dict)
    _account_codes: dict[str, TradingAccount] | None = None
    _instrument_codes: set[str] | None = None

    @property
    def today(self) -> date:
        return almaty_date(self.now)

    def instrument(self, instrument_id: int) -> Instrument | None:
        if instrument_id not in self._instruments:
            self._instruments[instrument_id] = self.session.get(Instrument, instrument_id)
        return self._instruments[instrument_id]

    def account(self, account_id: int) -> TradingAccount | None:
        """Every account, loaded once per batch: a group of single orders names many, and one
        query is cheaper than a lookup each."""
        return self._all_accounts().get(account_id)

    def account_by_code(self, code: str) -> TradingAccount | None:
        if self._account_codes is None:
            self._account_codes = {a.code: a for a in self._all_accounts().values()}
        return self._account_codes.get(code)

    def _all_accounts(self) -> dict[int, TradingAccount]:
        if self._accounts is None:
            self._accounts = {a.id: a for a in self.session.scalars(select(TradingAccount))}
        return self._accounts

    def instrument_codes(self) -> set[str]:
        if self._instrument_codes is None:
            self._instrument_codes = set(self.session.scalars(select(Instrument.code)))
        return self._instrument_codes

    def reference(self, instrument_id: int, day: date) -> Decimal | None:
        key = (instrument_id, day)
        if key not in self._references:
            self._references[key] = self.session.scalar(
                select(ReferencePrice.price).where(ReferencePrice.instrument_id == instrument_id,
                                                   ReferencePrice.trading_day == day))
        return self._references[key]

    def corridor(self, instrument: Instrument, day: date) -> Corridor | None:
        reference = self.reference(instrument.id, day)
        if reference is None:
            return None
        return Corridor.around(reference, instrument.corridor_percent, instrument.price_step)

    def trading_session(self, day: date) -> TradingSession | None:
        if day not in self._sessions:
            self._sessions[day] = self.session.scalar(
                select(TradingSession).where(TradingSession.trading_day == day))
        return self._sessions[day]

    def add_session(self, trading_session: TradingSession) -> None:
        self._sessions[trading_session.trading_day] = trading_session

    def calendar(self, year: int) -> BusinessCalendar:
        """Built once per batch, not per request: a batch runs outside any request (and for
        several of them at once)."""
        if year not in self._calendars:
            self._calendars[year] = build_calendar(self.session, year)
        return self._calendars[year]

    def settlement_dates(self, day: date) -> dict[str, str]:
        if day not in self._dates:
            calendar = self.calendar(day.year)
            self._dates[day] = {"T0": day.isoformat(),
                                "T2": calendar.business_days_after(day, 2).isoformat()}
        return self._dates[day]

    def terms(self, instrument: Instrument, settles_on: date) -> Terms:
        key = (instrument.id, settles_on)
        if key not in self._terms:
            self._terms[key] = Terms(instrument.code, instrument.currency, instrument.lot_size,
                                     instrument.price_step, instrument.face_value,
                                     accrued(instrument, settles_on))
        return self._terms[key]


def accrued(instrument: Instrument, settles_on: date) -> Decimal:
    """SPEC §7: AI per 100 of face is added to a clean price; dirty prices already hold it."""
    if instrument.price_subject != PriceSubject.CLEAN or not instrument.coupon_rate:
        return Decimal(0)
    if instrument.maturity_on is None or settles_on >= instrument.maturity_on:
        return Decimal(0)
    frequency = instrument.coupon_frequency or 1
    bond = Bond(BondKind.COUPON, instrument.face_value, instrument.maturity_on,
                instrument.coupon_rate, frequency,
                regular_coupon_dates(instrument.maturity_on, frequency,
                                     settles_on - timedelta(days=400)))
    return accrued_interest(bond, settles_on)
