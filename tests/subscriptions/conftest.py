"""An offering's cast and terms on the sandbox clock: period 10–11 March 2027, filed 1 March."""
from dataclasses import replace
from datetime import date, datetime, time
from decimal import Decimal
from typing import Callable

import pytest

from app.auth.roles import OrganisationKind, Role
from app.clock.services import set_sandbox_time
from app.domain.calendar import ALMATY
from app.extensions import db
from app.subscriptions.services import OfferingTerms
from tests.auctions.conftest import valid_isin

FILED_ON = date(2027, 3, 1)
START, END = date(2027, 3, 10), date(2027, 3, 11)


def almaty(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ALMATY)


@pytest.fixture
def clock(app) -> Callable[[datetime], None]:
    def set_to(instant: datetime) -> None:
        set_sandbox_time(db.session, instant, frozen=True, user_id=None)
        db.session.commit()
    return set_to


@pytest.fixture
def offering_cast(make_org, make_user) -> dict:
    issuer_org = make_org(OrganisationKind.ISSUER, name="KazEnergo JSC")
    seller_org = make_org(OrganisationKind.MEMBER_FIRM, name="Seller Capital")
    brokers = [make_org(OrganisationKind.MEMBER_FIRM, name=f"Broker {n}") for n in (1, 2)]
    dealer_org = make_org(OrganisationKind.MEMBER_FIRM, name="Dealer One", primary_dealer=True)
    custodian_org = make_org(OrganisationKind.CUSTODIAN, name="Custody Bank")
    minfin_org = make_org(OrganisationKind.MINFIN, name="Ministry of Finance")
    return {
        "issuer_org": issuer_org, "custodian_org": custodian_org,
        "seller": make_user(Role.PARTICIPANT, login="seller", organisation=seller_org),
        "brokers": [make_user(Role.PARTICIPANT, login=f"broker{n}", organisation=org)
                    for n, org in enumerate(brokers, start=1)],
        "dealer": make_user(Role.PRIMARY_DEALER, login="dealer", organisation=dealer_org),
        "staff": make_user(Role.EXCHANGE_STAFF, login="staff"),
        "custodian": make_user(Role.COLLATERAL_CONTROLLER, login="custodian", organisation=custodian_org),
        "issuer": make_user(Role.ISSUER, login="issuer", organisation=issuer_org),
        "minfin": make_user(Role.MINFIN, login="minfin", organisation=minfin_org),
    }


@pytest.fixture
def public_terms(offering_cast) -> OfferingTerms:
    return OfferingTerms(
        security_name="KazEnergo common shares", isin=valid_isin("KZ1C0000000"), face_value=Decimal(1000),
        quantity=1_000_000, price_min=Decimal("1000"), price_max=Decimal("1200"),
        period_start_at=almaty(START, 10), period_end_at=almaty(END, 18), settlement_code="T0",
        minimum_bid_amount=Decimal("10000"), register_due_at=almaty(END, 19), answer_due_at=almaty(date(2027, 3, 12), 12),
        collateral_check_at=almaty(END, 17), issuer_id=offering_cast["issuer_org"].id)


@pytest.fixture
def private_terms(public_terms) -> OfferingTerms:
    return replace(public_terms, is_private=True, minimum_bid_amount=Decimal("100000"))


@pytest.fixture
def gko_terms(public_terms) -> OfferingTerms:
    return replace(public_terms, security_name="MEOKAM-24", isin=valid_isin("KZK20000000"), is_bond=True,
                   price_min=Decimal("95"), price_max=Decimal("100"), issuer_id=None)
