"""A public offering, a private placement and a GKO subscription through the services."""
from contextlib import contextmanager
from decimal import Decimal

import pytest

from app.placement.vocabulary import Confirmation
from app.extensions import db
from app.subscriptions import bidding, results, services
from app.subscriptions.bidding import OfferingBidEntry
from app.subscriptions.models import SubscriptionBidStatus, SubscriptionStatus
from app.subscriptions.services import OfferingError
from tests.subscriptions.conftest import END, FILED_ON, START, almaty


@contextmanager
def refused(code: str):
    with pytest.raises(OfferingError) as caught:
        yield
    assert caught.value.code == code, (caught.value.code, str(caught.value.message))


def announced(cast, clock, terms, seller="seller"):
    clock(almaty(FILED_ON, 10))
    subscription = services.file_application(db.session, cast[seller], terms, almaty(FILED_ON, 10))
    services.accept_application(db.session, subscription, almaty(FILED_ON, 11))
    services.record_consent(db.session, subscription, True, "", almaty(FILED_ON, 12))
    services.announce(db.session, subscription, almaty(FILED_ON, 13))
    db.session.commit()
    return subscription


def client_bid(subscription, broker, iin: int, quantity=10, price="1100", qualified=True, key=None, **extra):
    entry = OfferingBidEntry(kind="limit", quantity=quantity, price=Decimal(price), investor_iin=f"{iin:012d}",
                             investor_name=f"Investor {iin}", investor_category="individual", qualified=qualified,
                             **extra)
    bid, _ = bidding.submit_bid(db.session, subscription, broker, entry, key or f"{broker.login}-{iin}-{quantity}",
                                almaty(START, 11))
    return bid


def test_a_public_offering_from_application_to_settlement(offering_cast, clock, public_terms):
    subscription = announced(offering_cast, clock, public_terms)
    one, two = offering_cast["brokers"]
    for iin in range(1, 31):
        client_bid(subscription, one, iin)
    for iin in range(30, 61):                 # investor 30 bids through both brokers
        client_bid(subscription, two, iin)
    refusable = client_bid(subscription, two, 99, custodian_id=offering_cast["custodian_org"].id)
    bidding.confirm_bid(db.session, refusable, offering_cast["custodian"], False, almaty(START, 12))
    db.session.commit()
    counts = results.counts(db.session, subscription)
    assert (counts.participants, counts.investors, counts.shared_investors) == (2, 60, 1)

    results.advance_due(db.session, almaty(END, 18))
    assert subscription.status == SubscriptionStatus.CLOSED
    assert refusable.status == SubscriptionBidStatus.REFUSED
    bids = results.active_bids(subscription)
    bad = [results.SatisfiedLine(2, bids[0].id, Decimal("1100"), 11)]       # above the bid
    with refused("register_invalid"):
        results.apply_satisfied_register(db.session, subscription, bad, almaty(END, 20))
    lines = [results.SatisfiedLine(n + 2, bid.id, Decimal("1100"), 5 if n % 2 else 10) for n, bid in enumerate(bids)]
    results.apply_satisfied_register(db.session, subscription, lines, almaty(END, 20))
    deals = results.form_deals(db.session, subscription, almaty(END, 21))
    assert len(deals) == 61 and deals[0].amount == Decimal("11000.00")
    results.settle(db.session, subscription, almaty(END, 22))
    assert [notice.kind for notice in subscription.notices] == ["announcement", "results"]


def test_a_private_placement_enforces_its_limits_and_publishes_nothing(offering_cast, clock, private_terms):
    subscription = announced(offering_cast, clock, private_terms)
    broker = offering_cast["brokers"][0]
    with refused("private_minimum"):
        client_bid(subscription, broker, 1, quantity=90, price="1111")          # 99,990 ₸
    with refused("private_qualified_only"):
        client_bid(subscription, broker, 1, quantity=100, qualified=False)
    for iin in range(1, 51):
        client_bid(subscription, broker, iin, quantity=100)
    with refused("private_investor_limit"):
        client_bid(subscription, offering_cast["brokers"][1], 51, quantity=100)
    assert client_bid(subscription, offering_cast["brokers"][1], 50, quantity=100).id   # an existing investor
    assert all(notice.members_only for notice in subscription.notices)


def test_a_gko_subscription_takes_only_primary_dealers(offering_cast, clock, gko_terms):
    subscription = announced(offering_cast, clock, gko_terms, seller="minfin")
    assert subscription.number.startswith("GKS-")
    entry = OfferingBidEntry(kind="limit", quantity=100, price=Decimal("99"))
    with refused("not_primary_dealer"):
        bidding.submit_bid(db.session, subscription, offering_cast["brokers"][0], entry, "k1", almaty(START, 11))
    bid, created = bidding.submit_bid(db.session, subscription, offering_cast["dealer"], entry, "k2", almaty(START, 11))
    assert created and bid.is_own_account and bid.confirmation == Confirmation.NOT_REQUIRED


def test_a_public_offering_with_one_broker_and_few_investors_fails(offering_cast, clock, public_terms):
    subscription = announced(offering_cast, clock, public_terms)
    client_bid(subscription, offering_cast["brokers"][0], 1)
    results.advance_due(db.session, almaty(END, 18))
    assert subscription.status == SubscriptionStatus.FAILED
    assert subscription.failure_reason == "too_few_participants_and_investors"


def test_filing_late_names_the_rule(offering_cast, clock, public_terms):
    with refused("filing_late"):
        services.file_application(db.session, offering_cast["seller"], public_terms, almaty(START, 9).replace(day=6))  # Saturday, after Friday 5 March


def test_the_advance_command_closes_due_subscriptions(offering_cast, clock, public_terms, runner):
    subscription = announced(offering_cast, clock, public_terms)
    client_bid(subscription, offering_cast["brokers"][0], 1)
    db.session.commit()
    clock(almaty(END, 18))
    result = runner.invoke(args=["subscriptions", "advance"])
    assert result.exit_code == 0 and f"{subscription.number} failed" in result.output
