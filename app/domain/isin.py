"""ISIN check digits (ISO 6166)."""
import re

ISIN_SHAPE = re.compile(r"^[A-Z]{2}[A-Z0-9]{9}[0-9]$")


def isin_is_valid(isin: str) -> bool:
    """Letters become 10–35, then the Luhn check runs over the digit string."""
    if not ISIN_SHAPE.match(isin):
        return False
    digits = "".join(str(int(char, 36)) for char in isin[:-1])
    return _luhn_check_digit(digits) == int(isin[-1])


def _luhn_check_digit(digits: str) -> int:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            value = value - 9 if value > 9 else value
        total += value
    return (10 - total % 10) % 10
