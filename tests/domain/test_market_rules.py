"""Reference-data order checks (SPEC §4, App.6): corridor, price step, lots, client code,
session window."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

import pytest

from app.domain.market import MarketRefusal
from app.domain.market_rules import (
    MAX_LOTS,
    Corridor,
    check_client_code,
    check_corridor,
    check_lots,
    check_session,
    to_ticks,
)


@pytest.mark.parametrize("reference, percent, step, low, high", [
    ("100", "10", "0.01", 9000, 11000),              # exact ends
    ("100", "15", "0.05", 1700, 2300),
    ("100.03", "10", "0.01", 9003, 11003),           # 90.027 rounds up, 110.033 down
    ("99.99", "30", "0.5", 140, 259),                # 69.993/0.5 = 139.986; 129.987/0.5 = 259.97
    ("1", "0", "0.01", 100, 100),                    # zero width: only the reference itself
    ("0.01", "50", "0.01", 1, 1),                    # 0.5 tick rounds up to 1, 1.5 down to 1
    ("10", "100", "0.01", 1, 2000),                  # never below one tick
    ("10", "150", "0.01", 1, 2500),
])
def test_corridor_rounds_inwards_to_whole_ticks(reference, percent, step, low, high):
    assert Corridor.around(D(reference), D(percent), D(step)) == Corridor(low, high)


def test_a_reference_off_the_step_with_zero_width_admits_no_price():
    corridor = Corridor.around(D("1.005"), D("0"), D("0.01"))
    assert corridor.low > corridor.high
    for ticks in (100, 101):
        with pytest.raises(MarketRefusal):
            check_corridor(ticks, corridor, D("0.01"))


@pytest.mark.parametrize("ticks, ok", [(8999, False), (9000, True), (10000, True),
                                       (11000, True), (11001, False)])
def test_corridor_includes_both_ends(ticks, ok):
    corridor = Corridor(9000, 11000)
    if ok:
        check_corridor(ticks, corridor, D("0.01"))
    else:
        with pytest.raises(MarketRefusal) as refused:
            check_corridor(ticks, corridor, D("0.01"))
        assert refused.value.code == "outside_corridor"
        assert refused.value.details == {"low": D("90.00"), "high": D("110.00")}


def test_no_reference_price_means_no_corridor():
    with pytest.raises(MarketRefusal) as refused:
        check_corridor(100, None, D("0.01"))
    assert refused.value.code == "no_reference_price"


@pytest.mark.parametrize("price, step, ticks", [
    ("100.25", "0.05", 2005), ("100.250", "0.05", 2005), ("0.01", "0.01", 1),
    ("101.5", "0.0001", 1015000), ("7", "1", 7),
])
def test_to_ticks_counts_whole_steps(price, step, ticks):
    assert to_ticks(D(price), D(step)) == ticks


@pytest.mark.parametrize("price, step", [
    ("100.26", "0.05"), ("0.001", "0.01"), ("0", "0.01"), ("-0.05", "0.05"),
    ("-5", "1"), ("NaN", "0.01"), ("sNaN", "0.01"), ("Infinity", "0.01"),
    ("-Infinity", "0.01"),
])
def test_to_ticks_refuses_off_step_and_non_positive_prices(price, step):
    with pytest.raises(MarketRefusal) as refused:
        to_ticks(D(price), D(step))
    assert refused.value.code == "price_off_step"
    assert refused.value.details == {"step": D(step)}


@pytest.mark.parametrize("lots, ok", [(1, True), (MAX_LOTS, True), (0, False), (-3, False),
                                      (MAX_LOTS + 1, False)])
def test_check_lots(lots, ok):
    if ok:
        check_lots(lots)
    else:
        with pytest.raises(MarketRefusal, match="bad_lots"):
            check_lots(lots)


@pytest.mark.parametrize("kind, code, ok", [
    ("aggregated", "C-17", True), ("aggregated", None, False), ("aggregated", "", False),
    ("aggregated", "   ", False), ("own", None, True), ("client", None, True),
])
def test_aggregated_accounts_need_a_client_code(kind, code, ok):
    if ok:
        check_client_code(kind, code)
    else:
        with pytest.raises(MarketRefusal, match="client_code_required"):
            check_client_code(kind, code)


OPENS = datetime(2026, 3, 10, 5, 30, tzinfo=timezone.utc)
CLOSES = OPENS + timedelta(hours=6)


@pytest.mark.parametrize("now, opens_at, closes_at, closed, ok", [
    (OPENS, OPENS, CLOSES, False, True),                             # the opening instant
    (CLOSES - timedelta(microseconds=1), OPENS, CLOSES, False, True),
    (CLOSES, OPENS, CLOSES, False, False),                           # the closing instant
    (OPENS - timedelta(seconds=1), OPENS, CLOSES, False, False),
    (OPENS + timedelta(hours=1), OPENS, CLOSES, True, False),        # closed early by hand
    (OPENS, None, None, False, False),                               # no session today
])
def test_session_window_is_open_on_the_left_closed_on_the_right(now, opens_at, closes_at,
                                                                 closed, ok):
    if ok:
        check_session(now, opens_at, closes_at, closed)
    else:
        with pytest.raises(MarketRefusal, match="session_closed"):
            check_session(now, opens_at, closes_at, closed)
