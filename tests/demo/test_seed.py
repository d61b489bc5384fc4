"""`flask demo seed`: the logins printed, and a desk with something to show, seeded once."""
from sqlalchemy import select

from app.auctions.models import Auction
from app.demo.cli import USERS, demo_password
from app.extensions import db
from app.subscriptions.models import Subscription


def test_seed_prints_every_login_and_creates_the_demo_offerings_once(runner):
    first = runner.invoke(args=["demo", "seed"])
    second = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0 and second.exit_code == 0
    for role, login, _name, _org in USERS:
        assert f"{role} {login} {demo_password(login)}" in first.output
    statuses = sorted(db.session.scalars(select(Auction.status)))
    assert statuses == ["announced", "submitted"]
    assert [s.status for s in db.session.scalars(select(Subscription))] == ["announced"]
