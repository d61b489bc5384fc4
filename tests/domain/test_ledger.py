"""The five positions of a trading-clearing account (App.6 §1), worked by hand."""
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from app.domain.ledger import Ledger

TODAY = date(2026, 3, 10)
YESTERDAY, T1, T2, T3 = (TODAY + timedelta(days=n) for n in (-1, 1, 2, 3))


def worked_example() -> Ledger:
    """incoming 1000; today a T0 buy for 200 and a T0 sale for 50 settled (moved);
    active T0 buy orders block 300 today; deals of two days ago settle today: −100 and +40;
    a T+1 deal −200; on T+2 a deal +30 and active T+2 buy orders for 100."""
    return Ledger(incoming=D("1000"), moved=D("-150"),
                  due={TODAY: D("-60"), T1: D("-200"), T2: D("30")},
                  blocked={TODAY: D("300"), T2: D("100")})


def test_the_five_positions_of_the_worked_example():
    ledger = worked_example()
    assert ledger.incoming == D("1000")
    assert ledger.current == D("850")                  # 1000 − 200 + 50
    assert ledger.planned(TODAY) == D("550")           # 850 − 300
    assert ledger.settlement(TODAY) == D("490")        # 550 − 100 + 40
    assert ledger.planned_ahead(TODAY) == [(T1, D("290")),          # 490 − 200
                                           (T2, D("220"))]          # 290 + 30 − 100
    assert ledger.lowest(TODAY) == D("220")


def test_planned_ahead_accumulates_in_date_order_whatever_the_insertion_order():
    ledger = Ledger(incoming=D("100"))
    for day, amount in [(T3, D("5")), (T1, D("-30")), (T2, D("10"))]:
        ledger.add(ledger.due, day, amount)
    ledger.add(ledger.blocked, T2, D("50"))
    # 100 → T1: 70 → T2: 70 + 10 − 50 = 30 → T3: 35
    assert ledger.planned_ahead(TODAY) == [(T1, D("70")), (T2, D("30")), (T3, D("35"))]
    assert ledger.lowest(TODAY) == D("30")


def test_an_empty_later_day_is_not_listed_and_past_days_are_ignored():
    ledger = Ledger(incoming=D("100"), due={YESTERDAY: D("-999")}, blocked={YESTERDAY: D("5")})
    assert ledger.planned(TODAY) == D("100")
    assert ledger.settlement(TODAY) == D("100")
    assert ledger.planned_ahead(TODAY) == []


@pytest.mark.parametrize("ledger, lowest", [
    # a dip on T+1 that T+2 makes good still counts
    (Ledger(incoming=D("100"), due={T1: D("-150"), T2: D("500")}), D("-50")),
    # planned itself is the lowest
    (Ledger(incoming=D("100"), blocked={TODAY: D("120")}, due={T1: D("500")}), D("-20")),
    # the settlement position (planned T+ of today's date) with no later day at all
    (Ledger(incoming=D("100"), due={TODAY: D("-130")}), D("-30")),
    # money coming in today does not lift planned
    (Ledger(incoming=D("100"), due={TODAY: D("50")}, blocked={TODAY: D("100")}), D("0")),
])
def test_lowest_is_the_minimum_over_every_position_full_cover_guards(ledger, lowest):
    assert ledger.lowest(TODAY) == lowest


def test_add_drops_a_date_that_nets_to_zero():
    ledger = Ledger()
    ledger.add(ledger.blocked, T2, D("10.50"))
    ledger.add(ledger.blocked, T2, D("-4.50"))
    assert ledger.blocked == {T2: D("6.00")}
    ledger.add(ledger.blocked, T2, D("-6.00"))
    assert ledger.blocked == {}


def test_roll_carries_current_into_incoming_and_forgets_past_dates():
    ledger = worked_example()
    ledger.add(ledger.blocked, YESTERDAY, D("7"))
    ledger.roll(T1)
    assert ledger.incoming == D("850") and ledger.moved == 0 and ledger.current == D("850")
    assert ledger.due == {T1: D("-200"), T2: D("30")}
    assert ledger.blocked == {T2: D("100")}
    # on T1: planned 850; settlement 650; T+2: 650 + 30 − 100 = 580
    assert ledger.settlement(T1) == D("650")
    assert ledger.planned_ahead(T1) == [(T2, D("580"))]


def test_dict_round_trip_keeps_every_figure():
    ledger = worked_example()
    copy = Ledger.from_dict(ledger.to_dict())
    assert copy == ledger
    assert copy.to_dict() == ledger.to_dict()
    assert list(ledger.to_dict()["due"]) == sorted(ledger.to_dict()["due"])
