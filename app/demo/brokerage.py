"""The demo broker's client: the demo `client` login under a brokerage agreement with
АО «Алатау Брокер», with money and securities on its sub-accounts."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from app.auth.models import User
from app.brokerage import services
from app.brokerage.models import BrokerClient, Venue

CLIENT = services.ClientEntry(iin="850312300121", full_name="Сатпаев Ержан Болатович", phone="+77012345678",
                              email="client@demo.kz", agreement_number="АБ-2026/001",
                              agreement_date=date(2026, 1, 15), login="client")
DEPOSITS = ((None, "KZT", Decimal("5000000.00"), "ПП 1"), (None, "USD", Decimal("10000.00"), "ПП 2"),
            (Venue.AIX, "KZAP", Decimal(25), "Перевод 7"))


def seed_brokerage(session, now: datetime) -> None:
    """Once: later seeds leave the client and its ledger as they are."""
    user = session.scalar(select(User).where(User.login == CLIENT.login))
    office = session.scalar(select(User).where(User.login == "backoffice"))
    if user is None or office is None or session.scalar(select(BrokerClient.id).where(BrokerClient.user_id == user.id)):
        return
    client = services.attach_client(session, user.organisation.parent, user.organisation, user, CLIENT, now)
    for venue, asset, amount, reference in DEPOSITS:
        services.record_deposit(session, client, amount, asset, reference, office, now, venue=venue)
