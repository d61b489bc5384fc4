"""A secondary-market cast on the sandbox clock, built through the services and commands.

Wednesday 10 March 2027, Almaty: the session runs 11:00–17:00 and the clock stands at 12:00.
Two member firms — Alpha (a primary dealer) and Beta — hold accounts; a share (KZTK, T0 and
T2) and a coupon bond (MUM084_0017, clean price in % of face) have reference prices.

    def test_something(market_cast, clock):
        cast = market_cast                     # a dict, see the fixture
        clock(almaty(DAY, 17, 30))             # move the sandbox clock

`open_day(day, ...)` opens another trading day (close the previous one first).
"""
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal

import pytest

from app.auth.roles import OrganisationKind, Role
from app.clock.services import set_sandbox_time
from app.domain.calendar import ALMATY
from app.domain.isin import isin_is_valid
from app.extensions import db
from app.secondary.engine.day import LoadBalance, OpenDay
from app.secondary.reference import services as reference
from app.secondary.trading import services

DAY = date(2027, 3, 10)
OPENS, CLOSES = time(11), time(17)
SHARE_REFERENCE, BOND_REFERENCE = Decimal("30000"), Decimal("98")


def almaty(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ALMATY)


def isin(body: str) -> str:
    """`body` (11 characters) completed with its check digit."""
    return next(body + str(digit) for digit in range(10) if isin_is_valid(body + str(digit)))


SHARE = dict(code="KZTK", isin=isin("KZ1C0000087"), name="Kazakhtelecom", kind="share", group="Main, premium",
             currency="KZT", face_value=None, lot_size=1, price_step=Decimal("0.01"), price_subject="money",
             settlement_codes=["T0", "T2"], corridor_percent=Decimal("10"))
BOND = dict(code="MUM084_0017", isin=isin("KZKD0000088"), name="MEUKAM-84", kind="bond", group="Government",
            currency="KZT", face_value=Decimal("1000"), lot_size=1, price_step=Decimal("0.0001"),
            price_subject="clean", settlement_codes=["T0", "T2"], corridor_percent=Decimal("5"),
            coupon_rate=Decimal("12"), coupon_frequency=1, maturity_on=date(2029, 9, 1))
# Incoming positions loaded at the opening: (account code, asset, amount).
BALANCES = (("ALPHA_OWN", "KZT", "10000000"), ("ALPHA_CLIENTS", "KZT", "1000000"),
            ("BETA_OWN", "KZT", "500000"), ("BETA_OWN", "KZTK", "100"), ("BETA_OWN", "MUM084_0017", "500"))


@pytest.fixture
def clock(app) -> Callable[[datetime], None]:
    """Sets the (frozen) sandbox clock to an aware instant."""
    def set_to(instant: datetime) -> None:
        set_sandbox_time(db.session, instant, frozen=True, user_id=None)
        db.session.commit()
    return set_to


def open_day(day: date = DAY, opens: time = OPENS, closes: time = CLOSES):
    """Journal a trading day's opening (the sandbox clock must already stand on `day`)."""
    return services.execute(db.session, OpenDay(day, almaty(day, opens.hour, opens.minute),
                                                almaty(day, closes.hour, closes.minute)))


def load_balances(balances=BALANCES) -> None:
    for account_code, asset, amount in balances:
        services.execute(db.session, LoadBalance(account_code, asset, amount))


@pytest.fixture
def market_cast(make_org, make_user, clock) -> dict:
    """Firms, users, accounts, instruments and reference prices; the day is open at 12:00."""
    clock(almaty(DAY, 12))
    alpha = make_org(OrganisationKind.MEMBER_FIRM, name="Alpha Securities", primary_dealer=True)
    beta = make_org(OrganisationKind.MEMBER_FIRM, name="Beta Broker")
    cast = {
        "day": DAY, "alpha": alpha, "beta": beta,
        "dealer": make_user(Role.PRIMARY_DEALER, login="alpha_dealer", organisation=alpha),
        "trader": make_user(Role.PARTICIPANT, login="beta_trader", organisation=beta),
        "staff": make_user(Role.EXCHANGE_STAFF, login="market_staff"),
        "alpha_own": reference.create_account(db.session, organisation=alpha, code="ALPHA_OWN", kind="own"),
        "alpha_clients": reference.create_account(db.session, organisation=alpha, code="ALPHA_CLIENTS",
                                                  kind="aggregated"),
        "beta_own": reference.create_account(db.session, organisation=beta, code="BETA_OWN", kind="own"),
        "share": reference.create_instrument(db.session, **SHARE),
        "bond": reference.create_instrument(db.session, **BOND),
    }
    reference.set_reference_price(db.session, cast["share"], DAY, SHARE_REFERENCE)
    reference.set_reference_price(db.session, cast["bond"], DAY, BOND_REFERENCE)
    db.session.commit()
    open_day()
    load_balances()
    return cast
