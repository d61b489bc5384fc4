"""`flask demo seed` gives the demo broker a risk login and its margin tables, once."""
from decimal import Decimal

from sqlalchemy import func, select

from app.brokerage.models import BrokerClient
from app.demo.cli import demo_password
from app.extensions import db
from app.margin.categories.models import CategoryRequest
from app.margin.fees.models import MarginTariff
from app.margin.models import DiscountRate, FxRate


def test_the_demo_seeds_the_risk_login_and_its_tables_once(runner):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0 and f"broker_risk risk {demo_password('risk')}" in first.output
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert db.session.scalar(select(func.count(FxRate.id))) == 2
    rates = {(row.category, row.venue, row.code): row for row in db.session.scalars(select(DiscountRate))}
    assert rates[("standard", "kase", "KZTK")].shortable and rates[("standard", "kase", "KZTK")].short_rate == 30
    assert rates[("standard", None, "USD")].long_rate == Decimal("20.00")
    assert rates[("standard", "international", "AAPL")].long_rate == Decimal("50.00")
    assert all(row.long_rate >= 25 for row in rates.values() if row.venue is not None and row.marginal)
    assert {category for category, _venue, _code in rates} == {"standard", "special_risk"}


def test_the_demo_seeds_the_margin_fee_tariff_once_and_leaves_the_client_standard(runner):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    [tariff] = db.session.scalars(select(MarginTariff))
    assert (tariff.money_rate, tariff.securities_rate) == (Decimal("0.0500"), Decimal("0.0500"))
    assert {client.margin_category for client in db.session.scalars(select(BrokerClient))} == {"standard"}
    assert db.session.scalar(select(func.count(CategoryRequest.id))) == 0
