"""An auction day's cast and timetable: the Ministry, an issuer, three primary dealers, a broker,
a custodian, and terms that meet the filing deadlines on the sandbox clock."""
from dataclasses import replace
from datetime import date, datetime, time
from decimal import Decimal
from typing import Callable

import pytest

from app.auctions.services import ApplicationTerms
from app.auth.roles import OrganisationKind, Role
from app.clock.services import set_sandbox_time
from app.domain.calendar import ALMATY
from app.extensions import db

# Wednesday 10 March 2027: filed on Monday 1 March (7 business days before; 8 March is a holiday).
TRADE_DATE = date(2027, 3, 10)
FILED_ON = date(2027, 3, 1)


def almaty(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=ALMATY)


@pytest.fixture
def clock(app) -> Callable[[datetime], None]:
    """Freeze the desk's business clock at an instant (the sandbox clock, kept in the database)."""
    def set_to(instant: datetime) -> None:
        set_sandbox_time(db.session, instant, frozen=True, user_id=None)
        db.session.commit()
    return set_to


@pytest.fixture
def cast(make_org, make_user) -> dict:
    minfin_org = make_org(OrganisationKind.MINFIN, name="Ministry of Finance")
    issuer_org = make_org(OrganisationKind.ISSUER, name="KazEnergo JSC")
    custodian_org = make_org(OrganisationKind.CUSTODIAN, name="Custody Bank")
    dealers = [make_org(OrganisationKind.MEMBER_FIRM, name=f"Dealer {n}", primary_dealer=True) for n in (1, 2, 3)]
    broker_org = make_org(OrganisationKind.MEMBER_FIRM, name="Broker Four")
    return {
        "minfin": make_user(Role.MINFIN, login="minfin", organisation=minfin_org),
        "issuer": make_user(Role.ISSUER, login="issuer", organisation=issuer_org),
        "staff": make_user(Role.EXCHANGE_STAFF, login="staff"),
        "custodian": make_user(Role.COLLATERAL_CONTROLLER, login="custodian", organisation=custodian_org),
        "dealers": [make_user(Role.PRIMARY_DEALER, login=f"dealer{n}", organisation=org)
                    for n, org in enumerate(dealers, start=1)],
        "broker": make_user(Role.PARTICIPANT, login="broker", organisation=broker_org),
        "custodian_org": custodian_org,
    }


GKO_TERMS = ApplicationTerms(
    kind="placement", security_type="mekkam", security_name="MEKKAM-12 issue 154",
    isin="", exchange_code="MKM012_0154", face_value=Decimal(1000),
    trade_date=TRADE_DATE, declared_quantity=1_000_000, trade_subject="price",
    market_share_percent=Decimal(30), submission_method="closed", pricing="multiple",
    bids_open=time(9, 0), bids_close=time(12, 0), confirm_until=time(12, 30), decision=time(15, 0),
    settlement_scheme="T0", issue_date=TRADE_DATE, maturity_date=date(2028, 3, 10), time_base="act_act",
)

SHARE_TERMS = ApplicationTerms(
    kind="placement", security_type="share", security_name="KazEnergo common shares",
    isin="", exchange_code="KZEN", face_value=Decimal(1),
    trade_date=TRADE_DATE, declared_quantity=100_000, trade_subject="price",
    market_share_percent=Decimal(0), submission_method="closed", pricing="uniform",
    bids_open=time(11, 0), bids_close=time(13, 0), confirm_until=time(13, 30), decision=time(16, 0),
    settlement_scheme="T2", issuable_quantity=120_000,
)


def valid_isin(stem: str) -> str:
    """Append the ISO 6166 check digit to an 11-character stem."""
    from app.domain.isin import isin_is_valid

    for digit in "0123456789":
        if isin_is_valid(stem + digit):
            return stem + digit
    raise AssertionError(stem)


@pytest.fixture
def gko_terms() -> ApplicationTerms:
    return replace(GKO_TERMS, isin=valid_isin("KZK10000001"))


@pytest.fixture
def share_terms() -> ApplicationTerms:
    return replace(SHARE_TERMS, isin=valid_isin("KZ1C0000000"))
