"""Repo arithmetic (seed 004 Ch.2 §§28–32, App.5, App.6 §5), pure: no app, no database.

Expected values are worked by hand from the seed's formulas; the arithmetic is in the comments.
"""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.repo import (
    APP5_BANDS,
    REPO_TERMS,
    RepoKind,
    RepoLegs,
    RepoRuleBroken,
    SecurityClass,
    basket_order_sum,
    basket_quantity,
    check_auto_term,
    check_direct_term,
    check_early_close,
    check_no_redemption,
    closing_sum,
    early_close_sum,
    opening_discount,
    opening_price,
    opening_sum,
    percent_of_face,
    repo_discount,
    repo_income,
    repo_legs,
    single_quantity,
    year_basis,
)

D = date.fromisoformat
N = Decimal
BOND = percent_of_face(N(1000))  # one point of a 1 000-tenge bond quoted in % = 10 tenge


def broken(code: str):
    return pytest.raises(RepoRuleBroken, match=f"^{code}$")


def test_standard_terms_are_those_of_app2():
    assert REPO_TERMS == (1, 2, 3, 7, 14, 30)


def test_percent_of_face():
    assert BOND == N(10)
    assert percent_of_face(N("500")) == N(5)


@pytest.mark.parametrize("day, days", [
    (D("2024-01-01"), 366),
    (D("2024-12-31"), 366),
    (D("2000-02-29"), 366),   # divisible by 400
    (D("2025-06-30"), 365),
    (D("2100-03-01"), 365),   # a century that is not a leap year
])
def test_year_basis(day, days):
    assert year_basis(day) == days


@pytest.mark.parametrize("ptk, disc, expected", [
    (N("1250.50"), None, N("1250.50")),           # automatic repo with CCP: P = Ptk
    (N("98.7654"), N("0.05"), N("93.82713")),     # 98.7654 × 0.95, kept exact (5 places)
    (N("5000"), N("0.30"), N("3500")),            # a share at the App.5 equity discount
    (N("100"), N("0"), N("100")),                 # the parties may agree a zero discount
])
def test_opening_price(ptk, disc, expected):
    assert opening_price(ptk, disc) == expected


@pytest.mark.parametrize("ptk, disc, code", [
    (N("0"), None, "repo_price_not_positive"),
    (N("-1"), N("0.1"), "repo_price_not_positive"),
    (N("100"), N("1"), "repo_discount_out_of_range"),
    (N("100"), N("-0.01"), "repo_discount_out_of_range"),
])
def test_opening_price_refuses(ptk, disc, code):
    with broken(code):
        opening_price(ptk, disc)


@pytest.mark.parametrize("kind, with_ccp, agreed, app5, expected", [
    (RepoKind.AUTO, True, N("0.2"), N("0.03"), None),
    (RepoKind.AUTO, False, N("0.2"), N("0.03"), N("0.03")),
    ("direct", True, N("0.2"), N("0.03"), N("0.2")),
    ("direct", False, None, N("0.03"), None),     # clearing participation certificates
])
def test_opening_discount(kind, with_ccp, agreed, app5, expected):
    assert opening_discount(kind, with_ccp, agreed, app5) == expected


@pytest.mark.parametrize("amount, price, unit_value, expected", [
    # 1 000 000 / 1 250.50 = 799.68…: 799 × 1 250.50 = 999 149.50, 800 × = 1 000 400 > S
    (N("1000000"), N("1250.50"), N(1), 799),
    # one bond = 93.82713 % × 10 = 938.2713; 5 328 × 938.2713 = 4 999 109.4864 ≤ S,
    # 5 329 × 938.2713 = 5 000 047.7577 > S
    (N("5000000"), N("93.82713"), BOND, 5328),
    (N("1000"), N("250"), N(1), 4),               # S exactly 4 P
    (N("999.99"), N("250"), N(1), 3),
    (N("100"), N("250"), N(1), 0),                # less than one security
    # S / P = 5 − 10⁻³⁰: a 28-digit division would round to 5 and floor wrongly
    (N("4." + "9" * 30), N(1), N(1), 4),
])
def test_single_quantity(amount, price, unit_value, expected):
    assert single_quantity(amount, price, unit_value) == expected


def test_money_is_never_float():
    with pytest.raises(TypeError):
        single_quantity(1000.0, N(1))


@pytest.mark.parametrize("lot, price, lots, unit_value, with_ccp, expected", [
    # 100 000 / 1 234.56 = 81.0005…: 81 × 1 234.56 = 99 999.36 < L, so ceil 82, floor 81
    (N("100000"), N("1234.56"), 3, N(1), True, 246),
    (N("100000"), N("1234.56"), 3, N(1), False, 243),
    (N("100000"), N("1250"), 2, N(1), True, 160),   # exact: 80 per lot either way
    (N("100000"), N("1250"), 2, N(1), False, 160),
    # 938.2713 a bond: 1 065 × = 999 258.9345 < 1 000 000 < 1 066 × = 1 000 197.2058
    (N("1000000"), N("93.82713"), 1, BOND, True, 1066),
    (N("1000000"), N("93.82713"), 1, BOND, False, 1065),
])
def test_basket_quantity(lot, price, lots, unit_value, with_ccp, expected):
    assert basket_quantity(lot, price, lots, with_ccp, unit_value) == expected


def test_basket_quantity_needs_whole_lots():
    with broken("repo_lots_not_positive"):
        basket_quantity(N("100000"), N("1"), 0, True)


@pytest.mark.parametrize("lot, lots, max_price, disc, unit_value, expected", [
    (N("100000"), 3, N("1500"), None, N(1), N("304500.00")),        # 300 000 + 1 500 × 3
    (N("100000"), 3, N("1500"), N("0.10"), N(1), N("304050.00")),   # 300 000 + 1 350 × 3
    # 2 × 50 000 + 1 012.345 × 0.95 × 2 = 100 000 + 1 923.4555 → .4555 half up to .46
    (N("50000"), 2, N("101.2345"), N("0.05"), BOND, N("101923.46")),
])
def test_basket_order_sum(lot, lots, max_price, disc, unit_value, expected):
    assert basket_order_sum(lot, lots, max_price, disc, unit_value) == expected


@pytest.mark.parametrize("price, quantity, unit_value, expected", [
    (N("1250.50"), 799, N(1), N("999149.50")),
    (N("93.82713"), 5328, BOND, N("4999109.49")),   # 4 999 109.4864
    (N("1.0125"), 1, BOND, N("10.13")),             # 10.125: half up (half even gives 10.12)
    (N("2.345"), 1, N(1), N("2.35")),               # half even would give 2.34
    (N("0.0045"), 1, N(1), N("0.00")),              # one rounding: not 0.0045 → 0.005 → 0.01
    (N("0.005"), 3, N(1), N("0.02")),               # 0.015
])
def test_opening_sum(price, quantity, unit_value, expected):
    assert opening_sum(price, quantity, unit_value) == expected


def test_opening_sum_needs_a_security():
    with broken("repo_quantity_not_positive"):
        opening_sum(N("100"), 0)


@pytest.mark.parametrize("open_sum, rate, days, year_days, expected", [
    # 999 149.50 × 15 × 7 / 36 500 = 104 910 697.5 / 36 500 = 2 874.2656… → 1 002 023.7656…
    (N("999149.50"), N("15"), 7, 365, N("1002023.77")),
    # 4 999 109.49 × 12.5 × 14 / 36 500 = 874 844 160.75 / 36 500 = 23 968.3331…
    (N("4999109.49"), N("12.5"), 14, 365, N("5023077.82")),
    (N("100.00"), N("1.825"), 1, 365, N("100.01")),   # 100 × 1.825 / 36 500 = 0.005 exactly
    (N("36600.00"), N("10"), 1, 366, N("36610.00")),  # 36 600 × 10 / 36 600 = 10
    (N("36600.00"), N("10"), 1, 365, N("36610.03")),  # 36 600 × 10 / 36 500 = 10.0274
    (N("1000.00"), N("0"), 30, 365, N("1000.00")),
])
def test_closing_sum(open_sum, rate, days, year_days, expected):
    assert closing_sum(open_sum, rate, days, year_days) == expected


def test_closing_sum_refuses():
    with broken("repo_days_not_positive"):
        closing_sum(N("100"), N("10"), 0, 365)
    with pytest.raises(ValueError, match="365 or 366"):
        closing_sum(N("100"), N("10"), 1, 360)


def test_early_close():
    # 999 149.50 × 15 × 3 / 36 500 = 44 961 727.5 / 36 500 = 1 231.8281… → 1 231.83
    income = repo_income(N("999149.50"), N("15"), 3, 365)
    assert income == N("1231.83")
    assert early_close_sum(N("999149.50"), income) == N("1000381.33")


@pytest.mark.parametrize("args, expected", [
    # shares, automatic repo with CCP: the hand-worked sums above
    ((N("1250.50"), None, N("1000000"), N("15"), D("2025-03-03"), 7, N(1)),
     RepoLegs(799, N("1250.50"), N("999149.50"), N("1002023.77"), D("2025-03-03"), D("2025-03-10"))),
    # a bond at 98.7654 % with a 5 % discount, 14 days at 12.5 %
    ((N("98.7654"), N("0.05"), N("5000000"), N("12.5"), D("2025-03-03"), 14, BOND),
     RepoLegs(5328, N("93.82713"), N("4999109.49"), N("5023077.82"), D("2025-03-03"),
              D("2025-03-17"))),
    # opened in a leap year, closed in a common one: T is the opening year's 366
    ((N("366.00"), None, N("36600"), N("10"), D("2024-12-31"), 1, N(1)),
     RepoLegs(100, N("366.00"), N("36600.00"), N("36610.00"), D("2024-12-31"), D("2025-01-01"))),
    ((N("366.00"), None, N("36600"), N("10"), D("2025-12-31"), 1, N(1)),
     RepoLegs(100, N("366.00"), N("36600.00"), N("36610.03"), D("2025-12-31"), D("2026-01-01"))),
    # calendar days across 29 February; a Saturday closing date is not moved
    ((N("100"), None, N("1000"), N("0"), D("2024-02-28"), 2, N(1)),
     RepoLegs(10, N("100"), N("1000.00"), N("1000.00"), D("2024-02-28"), D("2024-03-01"))),
    ((N("100"), None, N("1000"), N("0"), D("2025-03-07"), 1, N(1)),
     RepoLegs(10, N("100"), N("1000.00"), N("1000.00"), D("2025-03-07"), D("2025-03-08"))),
])
def test_repo_legs(args, expected):
    assert repo_legs(*args) == expected


@pytest.mark.parametrize("amount, term, code", [
    (N("100"), 7, "repo_amount_below_one_security"),
    (N("0"), 7, "repo_amount_not_positive"),
    (N("1000"), 0, "repo_term_not_positive"),
])
def test_repo_legs_refuses(amount, term, code):
    with broken(code):
        repo_legs(N("250"), None, amount, N("10"), D("2025-03-03"), term)


@pytest.mark.parametrize("days", REPO_TERMS)
def test_standard_auto_terms_pass(days):
    check_auto_term(days)


@pytest.mark.parametrize("days, terms", [
    (0, REPO_TERMS), (4, REPO_TERMS), (31, REPO_TERMS), (90, REPO_TERMS), (True, REPO_TERMS),
    (14, (1, 7)),
])
def test_other_auto_terms_fail(days, terms):
    with broken("repo_term_not_standard"):
        check_auto_term(days, terms)


@pytest.mark.parametrize("days, longest, ok", [
    (1, 90, True), (90, 90, True), (91, 90, False), (0, 30, False), (31, 30, False),
])
def test_direct_term(days, longest, ok):
    if ok:
        check_direct_term(days, longest)
    else:
        with broken("repo_term_out_of_range"):
            check_direct_term(days, longest)


@pytest.mark.parametrize("redemptions, ok", [
    ((), True),
    ((D("2025-03-02"), D("2025-03-18")), True),
    ((D("2025-03-03"),), False),     # on the opening day
    ((D("2025-03-10"),), False),
    ((D("2025-03-17"),), False),     # on the closing day
])
def test_no_redemption_during_term(redemptions, ok):
    if ok:
        check_no_redemption(D("2025-03-03"), D("2025-03-17"), redemptions)
    else:
        with broken("repo_redemption_in_term"):
            check_no_redemption(D("2025-03-03"), D("2025-03-17"), redemptions)


OPENED, CLOSES = D("2025-03-03"), D("2025-03-17")


@pytest.mark.parametrize("kind, today, agree, new_date, code", [
    ("direct", D("2025-03-10"), True, None, None),
    ("direct", D("2025-03-10"), True, D("2025-03-12"), None),
    ("direct", D("2025-03-10"), False, None, "repo_early_close_needs_both"),
    ("auto", D("2025-03-10"), True, None, "repo_auto_no_early_close"),
    ("direct", OPENED, True, None, "repo_early_close_same_day"),
    ("direct", CLOSES, True, None, "repo_early_close_same_day"),
    ("direct", D("2025-03-01"), True, D("2025-03-10"), "repo_early_close_outside_term"),
    ("direct", D("2025-03-18"), True, None, "repo_no_extension"),
    ("direct", D("2025-03-10"), True, D("2025-03-20"), "repo_no_extension"),
    ("auto", D("2025-03-10"), True, D("2025-03-20"), "repo_no_extension"),
    ("direct", D("2025-03-10"), True, D("2025-03-09"), "repo_early_close_date_invalid"),
    ("direct", D("2025-03-10"), True, CLOSES, "repo_early_close_date_invalid"),
])
def test_early_close_rules(kind, today, agree, new_date, code):
    if code is None:
        check_early_close(kind, OPENED, CLOSES, today, agree, new_date)
    else:
        with broken(code):
            check_early_close(kind, OPENED, CLOSES, today, agree, new_date)


def test_early_close_knows_only_two_kinds():
    with pytest.raises(ValueError):
        check_early_close("swap", OPENED, CLOSES, D("2025-03-10"), True)


def test_app5_has_all_nine_rows():
    assert set(APP5_BANDS) == set(SecurityClass)
    assert len(SecurityClass) == 9


@pytest.mark.parametrize("row, valued, matures, expected", [
    (SecurityClass.GS_DISCOUNT_KZT, D("2025-01-15"), None, N("0.03")),
    (SecurityClass.EQUITY, D("2025-01-15"), None, N("0.30")),
    # row 2: "не более трех лет – 3 %; от трех лет и более – 5 %"
    (SecurityClass.GS_FIXED_COUPON_KZT, D("2025-01-15"), D("2026-01-01"), N("0.03")),
    (SecurityClass.GS_FIXED_COUPON_KZT, D("2025-01-15"), D("2028-01-15"), N("0.03")),
    (SecurityClass.GS_FIXED_COUPON_KZT, D("2025-01-15"), D("2028-01-16"), N("0.05")),
    (SecurityClass.IFI_AA, D("2025-01-15"), D("2028-01-15"), N("0.03")),
    (SecurityClass.IFI_AA, D("2025-01-15"), D("2035-01-15"), N("0.05")),
    # rows 3–4: "не более 360 дней – 10 %; 361 день и более – 15 %"; 1 Jan + 360 d = 27 Dec
    (SecurityClass.GS_FX, D("2025-01-01"), D("2025-12-27"), N("0.10")),
    (SecurityClass.GS_FX, D("2025-01-01"), D("2025-12-28"), N("0.15")),
    (SecurityClass.GS_INDEXED_COUPON_KZT, D("2025-01-01"), D("2025-01-01"), N("0.10")),
    (SecurityClass.GS_INDEXED_COUPON_KZT, D("2025-01-01"), D("2025-12-28"), N("0.15")),
    # rows 6–8: "до года – 5 %; от одного года до трех лет – 10 %; от трех и более лет – 20 %"
    (SecurityClass.IFI_AA_MINUS_TO_BBB_MINUS, D("2025-01-15"), D("2026-01-14"), N("0.05")),
    (SecurityClass.IFI_AA_MINUS_TO_BBB_MINUS, D("2025-01-15"), D("2026-01-15"), N("0.10")),
    (SecurityClass.IFI_KZ_SHARE_30, D("2025-01-15"), D("2028-01-14"), N("0.10")),
    (SecurityClass.IFI_KZ_SHARE_30, D("2025-01-15"), D("2028-01-15"), N("0.20")),
    (SecurityClass.NBK_OWNED_BBB, D("2025-01-15"), D("2027-06-30"), N("0.10")),
    (SecurityClass.NBK_OWNED_BBB, D("2025-01-15"), D("2040-01-01"), N("0.20")),
    # a year from 29 February 2024 ends on 28 February 2025
    (SecurityClass.NBK_OWNED_BBB, D("2024-02-29"), D("2025-02-27"), N("0.05")),
    (SecurityClass.NBK_OWNED_BBB, D("2024-02-29"), D("2025-02-28"), N("0.10")),
    ("equity", D("2025-01-15"), D("2030-01-01"), N("0.30")),
])
def test_repo_discount(row, valued, matures, expected):
    assert repo_discount(row, valued, matures) == expected


def test_repo_discount_refuses():
    with broken("repo_maturity_required"):
        repo_discount(SecurityClass.GS_FX, D("2025-01-01"))
    with broken("repo_security_matured"):
        repo_discount(SecurityClass.GS_FX, D("2025-01-02"), D("2025-01-01"))


money = st.decimals(min_value=N("0.01"), max_value=N("1e12"), places=2,
                    allow_nan=False, allow_infinity=False)
prices = st.decimals(min_value=N("0.0001"), max_value=N("1e6"), places=4,
                     allow_nan=False, allow_infinity=False)
rates = st.decimals(min_value=N("0"), max_value=N("100"), places=4,
                    allow_nan=False, allow_infinity=False)
unit_values = st.sampled_from([N(1), N(10), N("0.01"), N(5)])
days = st.integers(min_value=1, max_value=400)
years = st.sampled_from([365, 366])


@given(money, rates, days, years)
def test_closing_sum_never_below_opening_sum(open_sum, rate, n, year_days):
    assert closing_sum(open_sum, rate, n, year_days) >= open_sum


@given(money, rates, days, years)
def test_closing_sum_is_opening_sum_plus_income(open_sum, rate, n, year_days):
    income = repo_income(open_sum, rate, n, year_days)
    assert closing_sum(open_sum, rate, n, year_days) == early_close_sum(open_sum, income)


@given(money, rates, days, years)
def test_closing_sum_grows_with_the_term(open_sum, rate, n, year_days):
    assert closing_sum(open_sum, rate, n, year_days) <= closing_sum(open_sum, rate, n + 1, year_days)


@given(money, prices, unit_values)
def test_floor_quantity_brackets_the_amount(amount, price, unit_value):
    k = single_quantity(amount, price, unit_value)
    value = price * unit_value
    assert k * value <= amount < (k + 1) * value


@given(money, prices, st.integers(min_value=1, max_value=50), unit_values)
def test_basket_quantity_brackets_the_lot(lot, price, lots, unit_value):
    value = price * unit_value
    up = basket_quantity(lot, price, lots, True, unit_value) // lots
    down = basket_quantity(lot, price, lots, False, unit_value) // lots
    assert (up - 1) * value < lot <= up * value
    assert down * value <= lot < (down + 1) * value
    assert up - down == (0 if lot % value == 0 else 1)


@given(prices, st.integers(min_value=1, max_value=10**6), unit_values)
def test_opening_sum_within_half_a_tiyn(price, quantity, unit_value):
    exact = price * unit_value * quantity
    assert abs(opening_sum(price, quantity, unit_value) - exact) <= N("0.005")


@given(money, prices, rates, st.sampled_from(REPO_TERMS), st.dates(D("2020-01-01"), D("2040-12-31")))
def test_legs_are_consistent(amount, ptk, rate, term, opened):
    try:
        legs = repo_legs(ptk, N("0.1"), amount, rate, opened, term)
    except RepoRuleBroken as error:
        assert error.code == "repo_amount_below_one_security"
        assert amount < ptk * N("0.9")
        return
    assert legs.open_sum <= amount + N("0.005")
    assert legs.close_sum >= legs.open_sum
    assert legs.close_date - legs.open_date == timedelta(days=term)
