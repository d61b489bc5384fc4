"""A demo public offering: announced, its bid period on the sixth and seventh business days ahead."""
from datetime import datetime, time
from decimal import Decimal

from sqlalchemy import func, select

from app.auth.models import Organisation, User
from app.auth.roles import OrganisationKind
from app.calendar.services import business_calendar
from app.demo.auctions import with_check_digit
from app.domain.calendar import almaty_date, almaty_instant
from app.subscriptions import services
from app.subscriptions.models import Subscription
from app.subscriptions.services import OfferingTerms


def seed_subscriptions(session, now: datetime) -> int:
    if session.scalar(select(func.count(Subscription.id))):
        return 0
    calendar = business_calendar(session, almaty_date(now).year)
    first = calendar.business_days_after(almaty_date(now), 6)
    last = calendar.next_business_day(first)
    seller = session.scalar(select(User).where(User.login == "broker1"))
    issuer = session.scalar(select(Organisation).where(Organisation.kind == OrganisationKind.ISSUER))
    terms = OfferingTerms(
        security_name="АО «ҚазЭнергоТранзит», простые акции (народное IPO)", isin=with_check_digit("KZ1C0000823"),
        face_value=Decimal(1000), quantity=2_000_000, price_min=Decimal(1000), price_max=Decimal(1200),
        period_start_at=almaty_instant(first, time(10)), period_end_at=almaty_instant(last, time(18)),
        settlement_code="T0", minimum_bid_amount=Decimal(10000),
        collateral_check_at=almaty_instant(last, time(17)), register_due_at=almaty_instant(last, time(19)),
        answer_due_at=almaty_instant(calendar.next_business_day(last), time(12)), issuer_id=issuer.id)
    offering = services.file_application(session, seller, terms, now)
    services.accept_application(session, offering, now)
    services.record_consent(session, offering, True, "", now)
    services.announce(session, offering, now)
    return 1
