"""Demo auctions: a GKO placement announced for a coming business day and an issuer's share
placement awaiting the exchange's review, so the desk has something to show on first start."""
from dataclasses import replace
from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from app.auctions import services
from app.auctions.models import Auction
from app.auctions.services import ApplicationTerms
from app.auth.models import User
from app.calendar.services import business_calendar
from app.domain.calendar import almaty_date
from app.domain.isin import isin_is_valid

GKO = ApplicationTerms(
    kind="placement", security_type="mekkam", security_name="МЕККАМ-12 выпуск 154", isin="",
    exchange_code="MKM012_0154", face_value=Decimal(1000), trade_date=None, declared_quantity=1_000_000,
    trade_subject="price", market_share_percent=Decimal(30), submission_method="closed", pricing="multiple",
    bids_open=time(9, 0), bids_close=time(12, 0), confirm_until=time(12, 30), decision=time(15, 0),
    settlement_scheme="T0", time_base="act_act",
)
SHARES = ApplicationTerms(
    kind="placement", security_type="share", security_name="АО «ҚазЭнергоТранзит», простые акции", isin="",
    exchange_code="KZET", face_value=Decimal(1000), trade_date=None, declared_quantity=100_000,
    trade_subject="price", market_share_percent=Decimal(0), submission_method="closed", pricing="uniform",
    bids_open=time(11, 0), bids_close=time(13, 0), confirm_until=time(13, 30), decision=time(16, 0),
    settlement_scheme="T2", issuable_quantity=120_000,
)


def with_check_digit(stem: str) -> str:
    return next(stem + digit for digit in "0123456789" if isin_is_valid(stem + digit))


def seed_auctions(session, now: datetime) -> int:
    """Create the demo auctions once; returns how many were created."""
    if session.scalar(select(func.count(Auction.id))):
        return 0
    today = almaty_date(now)
    calendar = business_calendar(session, today.year)
    trade_date = calendar.business_days_after(today, 5)
    while not calendar.is_trading_day(trade_date):
        trade_date = calendar.next_business_day(trade_date)
    minfin = session.scalar(select(User).where(User.login == "minfin"))
    issuer = session.scalar(select(User).where(User.login == "issuer"))
    gko = replace(GKO, trade_date=trade_date, isin=with_check_digit("KZK10000154"),
                  maturity_date=trade_date + timedelta(days=364), issue_date=trade_date)
    auction = services.file_application(session, minfin, gko, now)
    services.accept_application(session, auction, now)
    services.announce(session, auction, now)
    shares = replace(SHARES, trade_date=trade_date, isin=with_check_digit("KZ1C0000821"))
    services.file_application(session, issuer, shares, now)
    return 2
