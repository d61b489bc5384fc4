"""A whole auction day through the services, on the sandbox clock."""
from contextlib import contextmanager
from dataclasses import replace
from datetime import time
from decimal import Decimal

import pytest

from app.auctions import bidding, results, services
from app.auctions.bidding import BidEntry
from app.auctions.models import AuctionStatus, BidStatus, DealStatus, NoticeKind
from app.auctions.results import DecisionEntry
from app.auctions.services import AuctionError
from app.extensions import db
from tests.auctions.conftest import FILED_ON, TRADE_DATE, almaty


@contextmanager
def refused(code: str):
    """The refusal names its rule by code; the message is in the user's language."""
    with pytest.raises(AuctionError) as caught:
        yield
    assert caught.value.code == code, caught.value.code


def announced(cast, clock, terms, initiator="minfin"):
    clock(almaty(FILED_ON, 10))
    auction = services.file_application(db.session, cast[initiator], terms, almaty(FILED_ON, 10))
    services.accept_application(db.session, auction, almaty(FILED_ON, 11))
    services.announce(db.session, auction, almaty(FILED_ON, 12))
    db.session.commit()
    return auction


def bid(auction, user, kind="limit", price=None, quantity=1, key=None, at=None, **extra):
    entry = BidEntry(kind=kind, quantity=quantity, price=Decimal(price) if price else None, **extra)
    made, _ = bidding.submit_bid(db.session, auction, user, entry, key or f"{user.login}-{price}-{quantity}",
                                 at or almaty(TRADE_DATE, 10))
    db.session.commit()
    return made


def test_gko_day_from_application_to_results(cast, clock, gko_terms):
    auction = announced(cast, clock, gko_terms)
    assert auction.number.startswith("GKO-2027-")
    d1, d2, d3 = cast["dealers"]
    first = bid(auction, d1, price="86.5000", quantity=400_000)
    bid(auction, d1, kind="market", quantity=100_000)
    bid(auction, d2, price="86.4000", quantity=500_000, custodian_id=cast["custodian_org"].id)
    lapsing = bid(auction, d3, price="86.3000", quantity=300_000, custodian_id=cast["custodian_org"].id)
    confirmable = [b for b in auction.bids if b.organisation_id == d2.organisation_id][0]
    bidding.confirm_bid(db.session, confirmable, cast["custodian"], True, almaty(TRADE_DATE, 12, 10))
    db.session.commit()

    results.advance_due(db.session, almaty(TRADE_DATE, 12, 30))
    db.session.commit()
    assert auction.status == AuctionStatus.CLOSED
    assert lapsing.status == BidStatus.ANNULLED
    register = results.summary_register(auction)
    assert [level.price for level in register.levels] == [Decimal("86.5000"), Decimal("86.4000")]
    assert register.market_quantity == 100_000

    # The explorer reads plain columns; they give the same domain bids as the ORM rows.
    assert results.explorer_bids(auction) == [replace(b, investor_type="")
                                              for b in results.to_domain(results.active_bids(auction))]
    scenarios = results.explore(auction, 1_000_000, Decimal(100))
    assert [s.cutoff_price for s in scenarios] == [Decimal("86.5000"), Decimal("86.4000")]
    assert scenarios[1].placed_quantity == 1_000_000

    results.decide(db.session, auction, cast["minfin"], DecisionEntry(True, Decimal("86.4000"), 800_000),
                   almaty(TRADE_DATE, 14))
    db.session.commit()
    with pytest.raises(AuctionError):
        results.form_deals(db.session, auction, almaty(TRADE_DATE, 14, 59))
    deals = results.form_deals(db.session, auction, almaty(TRADE_DATE, 15))
    db.session.commit()
    assert sum(deal.quantity for deal in deals) == 800_000
    assert {deal.bid_id for deal in deals} >= {first.id}
    results.settle(db.session, auction, set(), almaty(TRADE_DATE, 16))
    db.session.commit()
    assert {deal.status for deal in auction.deals} == {DealStatus.SETTLED}
    assert [notice.kind for notice in auction.notices] == [NoticeKind.ANNOUNCEMENT, NoticeKind.RESULTS]


def test_bids_are_refused_outside_the_window(cast, clock, gko_terms):
    auction = announced(cast, clock, gko_terms)
    dealer = cast["dealers"][0]
    for instant in (almaty(TRADE_DATE, 8, 59, 59), almaty(TRADE_DATE, 12)):
        with pytest.raises(AuctionError):
            bid(auction, dealer, price="86.0000", quantity=10, at=instant)
        db.session.rollback()
    assert bid(auction, dealer, price="86.0000", quantity=10, at=almaty(TRADE_DATE, 11, 59, 59)).id


def test_a_repeated_key_creates_one_bid(cast, clock, gko_terms):
    auction = announced(cast, clock, gko_terms)
    dealer = cast["dealers"][0]
    first = bid(auction, dealer, price="86.0000", quantity=10, key="same")
    again = bid(auction, dealer, price="87.0000", quantity=99, key="same")
    assert first.id == again.id and len(auction.bids) == 1


def test_market_share_is_checked_per_participant(cast, clock, gko_terms):
    auction = announced(cast, clock, gko_terms)  # 30 %
    dealer = cast["dealers"][0]
    with refused("market_bid_needs_limit_bids"):
        bid(auction, dealer, kind="market", quantity=10)
    db.session.rollback()
    limit = bid(auction, dealer, price="86.0000", quantity=1000)
    market = bid(auction, dealer, kind="market", quantity=300)
    with pytest.raises(AuctionError):
        bid(auction, dealer, kind="market", quantity=1, key="one-more")
    db.session.rollback()
    with pytest.raises(AuctionError):
        bidding.withdraw_bid(db.session, limit, dealer, almaty(TRADE_DATE, 10))
    db.session.rollback()
    assert limit.status == BidStatus.ACTIVE
    # Less limit volume can break the share; less market volume cannot.
    with refused("market_share_exceeded"):
        bidding.amend_bid(db.session, limit, dealer, BidEntry("limit", 900, Decimal("86.0000")),
                          almaty(TRADE_DATE, 10))
    db.session.rollback()
    bidding.amend_bid(db.session, market, dealer, BidEntry("market", 200), almaty(TRADE_DATE, 10))
    bidding.amend_bid(db.session, limit, dealer, BidEntry("limit", 700, Decimal("86.0000")), almaty(TRADE_DATE, 10))
    db.session.commit()
    assert (limit.quantity, market.quantity) == (700, 200)


def test_gko_bids_only_from_primary_dealers_on_own_account(cast, clock, gko_terms):
    auction = announced(cast, clock, gko_terms)
    with refused("not_primary_dealer"):
        bid(auction, cast["broker"], price="86.0000", quantity=10)
    db.session.rollback()
    with pytest.raises(AuctionError):
        bid(auction, cast["dealers"][0], price="86.0000", quantity=10, client_name="X", client_iin="850312300123")


def test_filing_deadlines_name_the_rule(cast, clock, gko_terms, share_terms):
    late = almaty(TRADE_DATE, 9) .replace(day=6)  # Saturday 6 March: after Friday 5 March
    with refused("minfin_filing_late"):
        services.file_application(db.session, cast["minfin"], gko_terms, late)
    with refused("issuer_filing_late"):
        services.file_application(db.session, cast["issuer"], share_terms, almaty(TRADE_DATE, 9).replace(day=5))
    emergency = replace(gko_terms, is_emergency_repeat=True)
    assert services.file_application(db.session, cast["minfin"], emergency, almaty(TRADE_DATE, 16, 59).replace(day=9))
    with refused("emergency_filing_late"):
        services.file_application(db.session, cast["minfin"], emergency, almaty(TRADE_DATE, 17).replace(day=9))


def test_issuer_moves_twice_at_most_and_not_late_on_the_same_day(cast, clock, share_terms):
    auction = announced(cast, clock, share_terms, initiator="issuer")
    services.postpone_auction(db.session, auction, TRADE_DATE, time(12, 0), almaty(TRADE_DATE, 9))
    with refused("same_day_move_too_late"):
        services.postpone_auction(db.session, auction, TRADE_DATE, time(13, 0), almaty(TRADE_DATE, 11, 31))
    services.postpone_auction(db.session, auction, TRADE_DATE.replace(day=11), time(11, 0), almaty(TRADE_DATE, 9))
    assert auction.payment_date == TRADE_DATE.replace(day=16)  # T+2; Monday 15 March is a holiday
    with refused("postponed_twice"):
        services.postpone_auction(db.session, auction, TRADE_DATE.replace(day=12), time(11, 0), almaty(TRADE_DATE, 9))


def test_issuer_sale_with_one_participant_fails(cast, clock, share_terms):
    auction = announced(cast, clock, replace(share_terms, kind="sale"), initiator="issuer")
    bid(auction, cast["broker"], price="1500.0000", quantity=100, at=almaty(TRADE_DATE, 12))
    results.advance_due(db.session, almaty(TRADE_DATE, 13, 30))
    assert auction.status == AuctionStatus.FAILED and auction.failure_reason == "too_few_participants"
    assert auction.notices[-1].kind == NoticeKind.FAILED


def test_issuer_cannot_place_beyond_the_issuable_quantity(cast, clock, share_terms):
    auction = announced(cast, clock, share_terms, initiator="issuer")
    bid(auction, cast["broker"], price="1500.0000", quantity=200_000, at=almaty(TRADE_DATE, 12))
    results.advance_due(db.session, almaty(TRADE_DATE, 13, 30))
    with refused("above_issuable"):
        results.decide(db.session, auction, cast["issuer"], DecisionEntry(True, Decimal("1500.0000"), 120_001),
                       almaty(TRADE_DATE, 14))


def test_the_advance_command_closes_due_auctions(cast, clock, gko_terms, runner):
    auction = announced(cast, clock, gko_terms)
    bid(auction, cast["dealers"][0], price="86.0000", quantity=10)
    clock(almaty(TRADE_DATE, 12, 30))
    result = runner.invoke(args=["auctions", "advance"])
    assert result.exit_code == 0 and f"{auction.number} closed" in result.output
    db.session.expire_all()
    assert auction.status == AuctionStatus.CLOSED
