"""The monitoring tests' cast on the secondary market's day (Wednesday 10 March 2027, 12:00): Alpha's
client `erzhan` bought 90 KZTK on credit — 100 KZTK and −2,200,000 ₸ — with KZTK on Alpha's
marginal list at 25 %: S = 800,000, M0 = 750,000, NPR1 = 50,000. Alpha's risk staff and back
office; Beta trades KZTK on its own account, which moves the valuation price.

    def test_something(desk, round_):
        desk.trade("29000")          # Beta sells 1 KZTK to Alpha's own account at 29,000
        round_()                     # the worker's timed steps, as in production
"""
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.auth.roles import Role
from app.brokerage import services as brokerage
from app.brokerage.models import BrokerClient, LedgerSource, Venue
from app.clock.services import now
from app.extensions import db
from app.jobs.worker import run_timed_steps
from app.margin import services as margin_services
from app.margin.models import MarginCall, MarginState
from app.notices.models import CabinetNotice
from app.secondary.engine.commands import PlaceOrder
from app.secondary.engine.day import CloseDay, LoadBalance
from app.secondary.reference import services as reference
from app.secondary.trading import services as market
from tests.conftest import TEST_PASSWORD
from tests.orders.conftest import as_client, kase, make_client, market_cast  # noqa: F401 — fixtures
from tests.secondary.conftest import DAY, almaty, clock, open_day  # noqa: F401

THURSDAY = DAY + timedelta(days=1)


@dataclass
class Desk:
    cast: dict
    client: BrokerClient
    risk: User
    office: User

    def post(self, client: BrokerClient, asset: str, amount, venue: str | None = None,
             source: LedgerSource = LedgerSource.DEAL) -> None:
        brokerage.post(db.session, client, venue, asset, Decimal(amount), source, "T 9", self.office, now())
        db.session.commit()

    def set_rate(self, code: str, long: str, short: str = "100", shortable: bool = False,
                 venue: str = Venue.KASE) -> None:
        entry = margin_services.RateEntry("standard", venue, code, Decimal(long), Decimal(short), True, shortable)
        margin_services.add_rate(db.session, self.cast["alpha"], entry, self.risk, now())
        db.session.commit()

    def trade(self, price: str, lots: int = 1) -> None:
        """Beta sells to Alpha's own account on the desk's market: the day's last trade."""
        cast = self.cast
        market.execute(db.session, PlaceOrder(cast["beta"].id, cast["beta_own"].id, cast["share"].id, "T2", "sell",
                                              "limit", lots, Decimal(price)))
        market.execute(db.session, PlaceOrder(cast["alpha"].id, cast["alpha_own"].id, cast["share"].id, "T2", "buy",
                                              "limit", lots, Decimal(price)))

    def crash(self) -> None:
        """KZTK trades at 27,000 and its rate goes to 50 %: S = 500,000, M0 = 1,350,000, Mx = 675,000,
        so NPR1 = −850,000 and NPR2 = −175,000. Selling q shares at 27,000 raises NPR1 by q × 13,500:
        the minimal close-out is 63 of them (NPR1 = 500 after; 62 would leave −13,000)."""
        self.trade("27000")
        self.set_rate("KZTK", "50")

    def next_day(self, clock) -> date:
        """Wednesday closes; Thursday's session runs 10:00–18:00 (past the calls' 17:00) with
        KZTK's reference price at 27,000, and the clock stands at 10:00."""
        clock(almaty(DAY, 17, 30))
        market.execute(db.session, CloseDay())
        reference.set_reference_price(db.session, self.cast["share"], THURSDAY, Decimal("27000"))
        reference.set_reference_price(db.session, self.cast["bond"], THURSDAY, Decimal("98"))
        db.session.commit()
        clock(almaty(THURSDAY, 10))
        open_day(THURSDAY, time(10), time(18))
        return THURSDAY

    def resting_buy(self, lots: int, price: str = "30000") -> None:
        """Beta bids for KZTK: what a close-out's market sell fills against."""
        cast = self.cast
        market.execute(db.session, LoadBalance("BETA_OWN", "KZT", str(lots * int(price) * 2)))
        market.execute(db.session, PlaceOrder(cast["beta"].id, cast["beta_own"].id, cast["share"].id, "T2", "buy",
                                              "limit", lots, Decimal(price)))


@pytest.fixture
def desk(kase, make_user) -> Desk:
    alpha = kase["alpha"]
    cast = Desk(kase, kase["client"], make_user(Role.BROKER_RISK, login="alpha_risk", organisation=alpha),
                make_user(Role.BROKER_OFFICE, login="alpha_back", organisation=alpha))
    cast.set_rate("KZTK", "25")
    cast.post(cast.client, "KZTK", 90, Venue.KASE)
    cast.post(cast.client, "KZT", "-2700000")
    # The firm's aggregated account holds its client's 100 KZTK (a close-out sells from it).
    market.execute(db.session, LoadBalance("ALPHA_CLIENTS", "KZTK", "100"))
    return cast


@pytest.fixture
def round_(app):
    """One round of the worker's timed steps (each commits, as the worker does)."""
    def run() -> None:
        run_timed_steps()
        db.session.expire_all()
    return run


def state_of(client: BrokerClient) -> MarginState | None:
    db.session.expire_all()
    return db.session.get(MarginState, client.id)


def notices(client: BrokerClient, kind: str) -> list[CabinetNotice]:
    return list(db.session.scalars(select(CabinetNotice).where(CabinetNotice.user_id == client.user_id,
                                                               CabinetNotice.kind == kind)))


def calls_of(client: BrokerClient) -> list[MarginCall]:
    return list(db.session.scalars(select(MarginCall).where(MarginCall.client_id == client.id)
                                   .order_by(MarginCall.id)))


def count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def log_in(http, user: User, language: str = "en"):
    http.post("/logout")
    assert http.post("/login", data={"login": user.login, "password": TEST_PASSWORD}).status_code == 302
    http.post("/language", data={"lang": language})
    return http
