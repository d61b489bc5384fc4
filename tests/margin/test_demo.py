"""`flask demo seed` gives the demo broker a risk login and its margin tables, once."""
from decimal import Decimal

from sqlalchemy import func, select

from app.demo.cli import demo_password
from app.extensions import db
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
