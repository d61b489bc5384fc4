"""IIN/BIN check digits: weights 1…11, then 3…11, 1, 2 when the first sum leaves 10."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.identifiers import check_digit, is_valid_iin


@pytest.mark.parametrize("value, valid", [
    ("931240000220", True),      # a BIN: the first weights give 0
    ("850312300121", True),
    ("850312300123", False),     # wrong check digit
    ("85031230012", False),      # eleven digits
    ("8503123001211", False),    # thirteen
    ("85031230012a", False),
    ("８５０３１２３００１２１", False),  # full-width digits are not ASCII
    ("", False),
])
def test_check_digit_table(value, valid):
    assert is_valid_iin(value) is valid


def test_the_second_weights_are_used_when_the_first_sum_leaves_ten():
    stem = "00000000010"   # tenth digit 1: first weights 10 × 1 = 10; second weights 1 × 1 = 1
    assert check_digit(stem) == 1 and is_valid_iin(stem + "1") and not is_valid_iin(stem + "0")


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_exactly_one_last_digit_completes_a_valid_number(stem):
    completions = [digit for digit in "0123456789" if is_valid_iin(stem + digit)]
    assert completions == ([] if check_digit(stem) is None else [str(check_digit(stem))])
