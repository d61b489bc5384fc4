"""A client of a firm with money on its account, that firm's back office, and banks."""
from datetime import date
from decimal import Decimal

import pytest

from app.auth.roles import Role
from app.brokerage.services import ClientEntry, attach_client, record_deposit
from app.clock.services import now
from app.extensions import db
from app.withdrawals.services import add_bank
from tests.cabinet_signing.conftest import (IIN, PHONE, app, clock, last_sms_code,  # noqa: F401
                                           sandbox_pki_dir, sent_messages)

IBAN = "KZ86125KZT5004100100"


@pytest.fixture
def bank(app):
    found = add_bank(db.session, "Halyk Bank", "HSBKKZKX", now())
    db.session.commit()
    return found


@pytest.fixture
def office(make_user, login_as, clock):
    """The back office of the client's firm (logged in separately, on its own test client)."""
    return make_user


@pytest.fixture
def customer(login_as, make_user, clock, bank):
    user = login_as(Role.CLIENT)
    user.locale = "en"
    firm = user.organisation.parent
    entry = ClientEntry(iin=IIN, full_name=user.full_name, phone=PHONE, email="client@example.kz",
                        agreement_number=f"A-{user.id}", agreement_date=date(2026, 11, 2), login=user.login)
    client = attach_client(db.session, firm, user.organisation, user, entry, now())
    staff = make_user(Role.BROKER_OFFICE, organisation=firm)
    record_deposit(db.session, client, Decimal("1000000.00"), "KZT", "PP 1", staff, now())
    db.session.commit()
    return user, client, staff
