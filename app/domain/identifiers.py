"""Kazakhstan's personal and business identification numbers (IIN / BIN), 12 digits.

The twelfth digit is a check digit: the sum of the first eleven digits weighted 1…11, modulo 11;
when that gives 10, the weights 3…11, 1, 2 are tried; a number for which both give 10 is never
issued."""

FIRST_WEIGHTS = tuple(range(1, 12))
SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def check_digit(first_eleven: str) -> int | None:
    """The check digit of eleven digits, or None when no valid number starts with them."""
    digits = [int(char) for char in first_eleven]
    for weights in (FIRST_WEIGHTS, SECOND_WEIGHTS):
        remainder = sum(digit * weight for digit, weight in zip(digits, weights)) % 11
        if remainder != 10:
            return remainder
    return None


def is_valid_iin(value: str) -> bool:
    """Twelve ASCII digits whose last one is the check digit of the others (IIN and BIN alike)."""
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        return False
    return check_digit(value[:11]) == int(value[11])
