"""Bids and the close on two connections at once: firms bid side by side, one firm's changes that
could break its market-bid share queue, and the close waits for an open bid transaction.

On PostgreSQL bids share the auction's row; on SQLite every transaction takes the one write
lock (BEGIN IMMEDIATE), so there the second firm waits too — the test says which it expects."""
import threading
from decimal import Decimal

from app.auctions import bidding, results
from app.auctions.bidding import BidEntry
from app.auctions.models import Auction, AuctionStatus, Bid, BidStatus
from app.auth.models import User
from app.extensions import db
from tests.auctions.conftest import TRADE_DATE, almaty
from tests.auctions.test_lifecycle import announced, bid

IN_WINDOW = almaty(TRADE_DATE, 10)
AFTER_CONFIRMATION = almaty(TRADE_DATE, 12, 30)
QUEUED = 0.5     # seconds a transaction that queues is given, to show it does
FINISHES = 15    # seconds a transaction that does not queue has, on a busy machine


class Worker:
    """A request in its own app context (its own session and connection): it does its work, then
    holds the transaction open until released."""

    def __init__(self, app, work):
        self.worked, self.release, self.error = threading.Event(), threading.Event(), None
        self._thread = threading.Thread(target=self._run, args=(app, work), daemon=True)
        self._thread.start()

    def _run(self, app, work) -> None:
        with app.app_context():
            try:
                work(db.session)
                self.worked.set()
                self.release.wait(FINISHES * 2)
                db.session.commit()
            except Exception as error:  # reported by finish()
                self.error = error
                self.worked.set()

    def finish(self) -> Exception | None:
        """Commit (unless the work failed); the work's error, if any."""
        self.release.set()
        self._thread.join(FINISHES * 2)
        assert not self._thread.is_alive()
        return self.error


def submitting(user_id: int, auction_id: int, kind: str = "limit", price: str | None = "86.5000",
               quantity: int = 1000, key: str = "k"):
    def work(session) -> None:
        entry = BidEntry(kind=kind, quantity=quantity, price=Decimal(price) if price else None)
        bidding.submit_bid(session, session.get(Auction, auction_id), session.get(User, user_id), entry, key,
                           IN_WINDOW)
    return work


def closing(auction_id: int):
    def work(session) -> None:
        results.close_auction(session, session.get(Auction, auction_id), AFTER_CONFIRMATION)
    return work


def test_two_firms_bid_side_by_side(app, cast, clock, gko_terms):
    auction = announced(cast, clock, gko_terms)
    d1, d2 = cast["dealers"][:2]
    ids = auction.id, d1.id, d2.id
    db.session.commit()
    first = Worker(app, submitting(ids[1], ids[0], key="d1"))
    assert first.worked.wait(FINISHES)
    second = Worker(app, submitting(ids[2], ids[0], key="d2"))
    if db.engine.dialect.name == "postgresql":
        assert second.worked.wait(FINISHES), "the second firm's bid waited for the first firm's transaction"
    else:
        assert not second.worked.wait(QUEUED)  # SQLite: one writer at a time
    assert first.finish() is None and second.finish() is None
    assert {b.organisation_id for b in db.session.get(Auction, ids[0]).bids} == {d1.organisation_id,
                                                                                  d2.organisation_id}


def test_one_firms_market_bids_queue_for_the_share_check(app, cast, clock, gko_terms):
    """30 % share of 1,000: two concurrent market bids of 200 cannot both pass on stale sums."""
    auction = announced(cast, clock, gko_terms)
    dealer = cast["dealers"][0]
    bid(auction, dealer, price="86.5000", quantity=1000, at=IN_WINDOW)
    ids = auction.id, dealer.id
    db.session.commit()
    first = Worker(app, submitting(ids[1], ids[0], kind="market", price=None, quantity=200, key="m1"))
    assert first.worked.wait(FINISHES)
    second = Worker(app, submitting(ids[1], ids[0], kind="market", price=None, quantity=200, key="m2"))
    assert not second.worked.wait(QUEUED)
    assert first.finish() is None
    assert second.worked.wait(FINISHES)  # once the first committed, on the sums it left
    assert second.finish().code == "market_share_exceeded"
    active = [b for b in db.session.get(Auction, ids[0]).bids if b.status == BidStatus.ACTIVE]
    assert sorted(b.quantity for b in active) == [200, 1000]


def test_the_close_waits_for_an_open_bid(app, cast, clock, gko_terms):
    auction = announced(cast, clock, gko_terms)
    ids = auction.id, cast["dealers"][0].id
    db.session.commit()
    bidder = Worker(app, submitting(ids[1], ids[0], key="late"))
    assert bidder.worked.wait(FINISHES)
    closer = Worker(app, closing(ids[0]))
    assert not closer.worked.wait(QUEUED)
    assert bidder.finish() is None and closer.finish() is None
    closed = db.session.get(Auction, ids[0])
    # The only limit bid is the one the close waited for: without it the auction would fail.
    assert closed.status == AuctionStatus.CLOSED
    assert [b.status for b in db.session.query(Bid).filter_by(auction_id=ids[0])] == [BidStatus.ACTIVE]
