"""App.8 rules: filing deadline, private-placement limits counted by IIN/BIN, failure, and the
checks on the seller's satisfied register."""
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain import offering_rules as rules
from app.domain.calendar import ALMATY, BusinessCalendar

CALENDAR = BusinessCalendar(2026, 2028, public_holidays=frozenset({date(2027, 3, 8)}))


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ALMATY)


def investor(bid_id: int, participant: int, iin: str, amount: str = "200000", qualified: bool = True):
    return rules.InvestorBid(bid_id, participant, iin, qualified, Decimal(amount))


@pytest.mark.parametrize(("filed", "ok"), [
    (at(date(2027, 3, 4), 23), True),     # Thursday: 2 business days before Tuesday 9 March (8th a holiday)
    (at(date(2027, 3, 5), 0), False),
])
def test_filing_two_business_days_before_the_period(filed, ok):
    if ok:
        rules.check_filing(CALENDAR, date(2027, 3, 9), date(2027, 3, 10), filed)
    else:
        with pytest.raises(rules.OfferingRuleBroken) as caught:
            rules.check_filing(CALENDAR, date(2027, 3, 9), date(2027, 3, 10), filed)
        assert caught.value.rule == "filing_late"


def test_private_bids_need_the_minimum_and_a_qualified_investor():
    with pytest.raises(rules.OfferingRuleBroken, match="private_minimum"):
        rules.check_private_bid(Decimal("99999.99"), True)
    with pytest.raises(rules.OfferingRuleBroken, match="private_qualified_only"):
        rules.check_private_bid(Decimal("100000"), False)
    rules.check_private_bid(Decimal("100000"), True)


def test_the_fifty_investor_limit_counts_one_investor_through_two_brokers_once():
    bids = [investor(n, participant=n % 2, iin=f"{n:012d}") for n in range(50)]
    bids.append(investor(99, participant=1, iin=f"{0:012d}"))  # investor 0 again, through the other broker
    rules.check_investor_limit(bids, f"{7:012d}")               # an existing investor may bid again
    with pytest.raises(rules.OfferingRuleBroken, match="private_investor_limit"):
        rules.check_investor_limit(bids, f"{50:012d}")


@given(st.lists(st.tuples(st.integers(1, 5), st.integers(0, 80)), max_size=120))
def test_the_investor_count_is_the_number_of_distinct_iins(pairs):
    bids = [investor(n, participant, f"{iin:012d}") for n, (participant, iin) in enumerate(pairs)]
    assert len(rules.distinct_investors(bids)) == len({iin for _, iin in pairs})


@pytest.mark.parametrize(("participants", "investors", "public", "reason"), [
    (0, 0, True, "no_bids"),
    (0, 0, False, "no_bids"),
    (1, 49, True, "too_few_participants_and_investors"),
    (1, 50, True, None),          # 50 investors are enough even through one broker
    (2, 3, True, None),           # two participants are enough
    (1, 1, False, None),          # a subscription needs only one bid
])
def test_failure_rules(participants, investors, public, reason):
    bids = [investor(n, participant=n % max(participants, 1), iin=f"{n % max(investors, 1):012d}")
            for n in range(max(participants, investors))] if participants else []
    assert rules.failure_reason(bids, public) == reason


def accepted(*bids):
    return {bid.bid_id: bid for bid in bids}


def test_every_problem_of_a_satisfied_register_is_reported_with_its_row():
    book = accepted(rules.AcceptedBid(1, 10, "1" * 12, Decimal("100"), 50),
                    rules.AcceptedBid(2, 11, "2" * 12, Decimal("101"), 70))
    rows = [rules.Satisfaction(2, 1, Decimal("100"), 60),        # above the bid
            rules.Satisfaction(3, 2, Decimal("120"), 10),        # price outside the terms
            rules.Satisfaction(4, 9, Decimal("100"), 1)]         # unknown bid
    problems = rules.check_satisfied_register(book, rows, Decimal("95"), Decimal("110"), False, False)
    assert [(problem.row_number, problem.rule) for problem in problems] == [
        (2, "above_bid"), (3, "price_outside_terms"), (4, "unknown_bid")]


def test_the_ministry_must_treat_dealers_equally_at_one_price():
    book = accepted(rules.AcceptedBid(1, 10, "1" * 12, Decimal("99"), 100, True),
                    rules.AcceptedBid(2, 11, "2" * 12, Decimal("99"), 100, True))
    unequal = [rules.Satisfaction(2, 1, Decimal("99"), 100), rules.Satisfaction(3, 2, Decimal("99"), 40)]
    equal = [rules.Satisfaction(2, 1, Decimal("99"), 50), rules.Satisfaction(3, 2, Decimal("99"), 50)]
    assert {p.rule for p in rules.check_satisfied_register(book, unequal, Decimal(90), Decimal(100), False, True)} \
        == {"unequal_dealers"}
    assert rules.check_satisfied_register(book, equal, Decimal(90), Decimal(100), False, True) == []


def test_a_private_register_may_not_satisfy_more_than_fifty_investors():
    book = accepted(*[rules.AcceptedBid(n, 1, f"{n:012d}", Decimal("100"), 10) for n in range(1, 52)])
    rows = [rules.Satisfaction(n + 1, n, Decimal("100"), 10) for n in range(1, 52)]
    problems = rules.check_satisfied_register(book, rows, Decimal(100), Decimal(100), True, False)
    assert [problem.rule for problem in problems] == ["private_investor_limit"]
