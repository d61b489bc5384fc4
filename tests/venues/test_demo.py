"""`flask demo seed` gives the demo broker its venues, quotes and the client's list, once."""
from sqlalchemy import func, select

from app.extensions import db
from app.venues.models import VenueInstrument, VenueQuote, WatchedInstrument


def test_the_demo_seeds_venues_and_the_clients_list_once(runner):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert db.session.scalar(select(func.count(VenueInstrument.id))) == 6
    assert db.session.scalar(select(func.count(VenueQuote.id))) == 6
    assert sorted(db.session.scalars(select(WatchedInstrument.venue))) == ["aix", "aix", "international",
                                                                           "international", "kase"]
