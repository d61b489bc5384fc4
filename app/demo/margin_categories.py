"""The demo broker's margin fee tariff, seeded once by its risk staff: 0.05 % a day on money debt
and on lent securities. Demo figures, not anyone's real tariff. The demo client stays standard:
the category request is for a trainee to send from its cabinet."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from app.auth.models import User
from app.margin.fees import services
from app.margin.fees.models import MarginTariff

DAILY_RATE = Decimal("0.05")


def seed_margin_categories(session, now: datetime) -> None:
    risk = session.scalar(select(User).where(User.login == "risk"))
    if risk is None or session.scalar(select(MarginTariff.id).where(MarginTariff.firm_id == risk.organisation_id)
                                      .limit(1)):
        return
    services.add_tariff(session, risk.organisation, services.TariffEntry(DAILY_RATE, DAILY_RATE), risk, now)
