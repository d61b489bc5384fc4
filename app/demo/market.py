"""A demo secondary market: four instruments, accounts with balances, an open session and a
book with depth and a few trades.  With the sandbox clock on, the clock is moved into the
session when the wall clock is outside it, so the desk can be tried at any hour."""
from datetime import date, datetime, time
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select

from app.auth.models import Organisation
from app.auth.roles import OrganisationKind
from app.calendar.services import business_calendar
from app.clock.services import sandbox_enabled, set_sandbox_time
from app.demo.auctions import with_check_digit
from app.domain.calendar import ALMATY, almaty_date, almaty_instant
from app.secondary.engine.commands import PlaceOrder
from app.secondary.engine.day import LoadBalance, OpenDay
from app.secondary.engine.sequencer import submit
from app.secondary.models import Instrument, TradingAccount
from app.secondary.reference import services as reference

SHARES = (("KZTK", "KZ1C00000876", "АО «Казахтелеком», простые акции", "36500", "0.20"),
          ("KCEL", "KZ1C00006081", "АО «Кселл», простые акции", "3150", "0.20"),
          ("HSBK", "KZ1C00000744", "АО «Народный Банк Казахстана», простые акции", "265.50", "0.15"))
BOND = ("MUM084_0017", "KZKD00000881", "МЕУКАМ-84 выпуск 17", "98.5000")


def seed_market(session, now: datetime) -> str | None:
    """Create the demo market once; returns a line saying when it trades."""
    if session.scalar(select(func.count(Instrument.id))):
        return None
    instruments = _instruments(session)
    accounts = _accounts(session)
    day, opens, closes = _trading_day(session, now)
    for instrument, price in instruments:
        _reference_prices(session, instrument, price, day)
    session.commit()
    at = now
    if not opens <= now < closes:
        # Outside the session the demo orders are sequenced at a time inside it, and the
        # sandbox clock (when on) is moved there so the market can be tried at once.
        at = opens + (closes - opens) / 4
        if sandbox_enabled():
            set_sandbox_time(session, at, frozen=False, user_id=None)
    submit(session, [OpenDay(day, opens, closes)] + _balances(accounts, instruments), at)
    submit(session, _orders(accounts, instruments), at)
    return f"market: trading day {day.isoformat()}, session {_hhmm(opens)}–{_hhmm(closes)} Almaty"


def _hhmm(instant: datetime) -> str:
    return instant.astimezone(ALMATY).strftime("%H:%M")


def _instruments(session) -> list[tuple[Instrument, Decimal]]:
    out = []
    for code, isin, name, price, discount in SHARES:
        out.append((reference.create_instrument(
            session, code=code, isin=with_check_digit(isin[:11]), name=name, kind="share", group="shares_main",
            currency="KZT", face_value=None, lot_size=1, price_step=Decimal("0.01"),
            price_subject="money", settlement_codes=["T0", "T2"], corridor_percent=Decimal(10),
            repo_discount=Decimal(discount)), Decimal(price)))
    code, isin, name, price = BOND
    out.append((reference.create_instrument(
        session, code=code, isin=with_check_digit(isin[:11]), name=name, kind="bond", group="gko",
        currency="KZT", face_value=Decimal(1000), lot_size=1, price_step=Decimal("0.0001"),
        price_subject="clean", settlement_codes=["T0", "T2"], corridor_percent=Decimal(5),
        coupon_rate=Decimal(12), coupon_frequency=1, maturity_on=date(2029, 9, 1),
        repo_discount=Decimal("0.05")), Decimal(price)))
    return out


def _accounts(session) -> list[TradingAccount]:
    firms = session.scalars(select(Organisation).where(
        Organisation.kind == OrganisationKind.MEMBER_FIRM).order_by(Organisation.id))
    accounts = []
    for firm in firms:
        stem = f"A{firm.bin or firm.id}"
        accounts.append(reference.create_account(session, organisation=firm, code=f"{stem}_OWN", kind="own"))
        if not firm.is_primary_dealer:
            accounts.append(reference.create_account(session, organisation=firm, code=f"{stem}_CLI",
                                                     kind="aggregated"))
    return accounts


def _trading_day(session, now: datetime) -> tuple[date, datetime, datetime]:
    """Today if its session has not ended, else the next business day."""
    config = current_app.config
    opens_at, closes_at = (time.fromisoformat(config[k]) for k in ("MARKET_OPENS", "MARKET_CLOSES"))
    calendar = business_calendar(session, almaty_date(now).year)
    day = almaty_date(now)
    if not calendar.is_business_day(day) or now >= almaty_instant(day, closes_at):
        day = calendar.next_business_day(day)
    return day, almaty_instant(day, opens_at), almaty_instant(day, closes_at)


def _reference_prices(session, instrument: Instrument, price: Decimal, day: date) -> None:
    calendar = business_calendar(session, day.year)
    for _ in range(10):
        reference.set_reference_price(session, instrument, day, price)
        day = calendar.next_business_day(day)


def _balances(accounts, instruments) -> list[LoadBalance]:
    out = []
    for account in accounts:
        out.append(LoadBalance(account.code, "KZT", "500000000"))
        for instrument, _price in instruments:
            out.append(LoadBalance(account.code, instrument.code, "20000"))
    return out


def _orders(accounts, instruments) -> list[PlaceOrder]:
    """A few levels each side from three firms, and two crossing orders that trade."""
    own = [a for a in accounts if a.kind == "own"][:3]
    orders = []
    for instrument, price in instruments:
        step = instrument.price_step * (10 if instrument.kind == "share" else 100)
        for level in range(1, 6):
            for n, account in enumerate(own):
                lots = 10 * level + 5 * n
                orders.append(PlaceOrder(account.organisation_id, account.id, instrument.id, "T2", "buy",
                                         "limit", lots, price - step * level))
                orders.append(PlaceOrder(account.organisation_id, account.id, instrument.id, "T2", "sell",
                                         "limit", lots, price + step * level))
        buyer, seller = own[0], own[1]
        orders.append(PlaceOrder(buyer.organisation_id, buyer.id, instrument.id, "T2", "buy", "limit",
                                 12, price + step))
        orders.append(PlaceOrder(seller.organisation_id, seller.id, instrument.id, "T0", "sell", "limit",
                                 25, price))
        orders.append(PlaceOrder(buyer.organisation_id, buyer.id, instrument.id, "T0", "buy", "limit",
                                 15, price))
    return orders

