"""Jinja filters: tenge, prices with 4 decimals, yields, dates and times in Almaty time."""
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from flask import Flask
from flask_babel import get_locale

from app.domain.calendar import ALMATY

# Babel locales used for numbers and dates; Kazakhstan's own formats where Babel has them.
NUMBER_LOCALES = {"ru": "ru_KZ", "kk": "kk_KZ", "en": "en"}
FOUR_PLACES = Decimal("0.0001")
TWO_PLACES = Decimal("0.01")


def _locale() -> str:
    return NUMBER_LOCALES.get(str(get_locale() or "ru"), "ru_KZ")


@lru_cache(maxsize=8)
def _separators(locale: str) -> dict:
    symbols = Locale.parse(locale).number_symbols["latn"]
    return str.maketrans({",": symbols["group"], ".": symbols["decimal"], "-": symbols["minusSign"]})


def grouped(number: Decimal | int, places: int) -> str:
    """What Babel's `#,##0.00…` pattern gives for a number already rounded to `places`: Python's
    own grouping with the locale's separators. Babel's general formatter was most of the time a
    long table took to render (a portfolio of 200 rows formats 800 numbers)."""
    return format(number, f",.{places}f").translate(_separators(_locale()))


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def money(value, currency: str = "KZT") -> str:
    """Tenge to the tiyn, rounded half up: `1 234 567,89 ₸`."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    text = grouped(amount.quantize(TWO_PLACES, ROUND_HALF_UP), 2)
    symbol = "₸" if currency == "KZT" else currency
    return f"{text}\u00a0{symbol}"


def price(value) -> str:
    """A clean price in % of face value, 4 decimals as the exchange shows it."""
    number = _decimal(value)
    if number is None:
        return "—"
    return grouped(number.quantize(FOUR_PLACES, ROUND_HALF_UP), 4)


def percent(value, places: int = 4) -> str:
    """Yields and rates with 4 decimals; shares of a plan or of demand with 2 (`|percent(2)`)."""
    number = _decimal(value)
    if number is None:
        return "—"
    if places == 4:
        return f"{price(number)}\u00a0%"
    text = grouped(number.quantize(TWO_PLACES, ROUND_HALF_UP), 2)
    return f"{text}\u00a0%"


def quantity(value) -> str:
    """Whole units (a fraction is rounded half up, as the money is)."""
    number = _decimal(value)
    return "—" if number is None else grouped(number.quantize(Decimal(1), ROUND_HALF_UP), 0)


# The numeric patterns read the same in every language of the desk, so they are written with
# strftime: Babel's general formatter was slow in tables of a hundred rows.

def _in_almaty(value: datetime) -> datetime:
    """A stored instant is UTC even when the driver hands it over naive (as Babel took it)."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(ALMATY)


def almaty_datetime(value: datetime | None, style: str = "short") -> str:
    """`07.12.2026 14:05` in Almaty time; any other style than "short" with the seconds."""
    if value is None:
        return "—"
    return _in_almaty(value).strftime("%d.%m.%Y %H:%M" if style == "short" else "%d.%m.%Y %H:%M:%S")


def almaty_time(value: datetime | None, seconds: bool = True) -> str:
    return "—" if value is None else _in_almaty(value).strftime("%H:%M:%S" if seconds else "%H:%M")


def long_date(value: date | None) -> str:
    return "—" if value is None else format_date(value, "full", locale=_locale())


def short_date(value: date | None) -> str:
    """`07.12.2026`."""
    if value is None:
        return "—"
    # A datetime gives its own calendar date, as Babel's format_date did.
    return (value.date() if isinstance(value, datetime) else value).strftime("%d.%m.%Y")


def register_filters(app: Flask) -> None:
    app.add_template_filter(money)
    app.add_template_filter(price)
    app.add_template_filter(percent)
    app.add_template_filter(quantity)
    app.add_template_filter(almaty_datetime, "datetime")
    app.add_template_filter(almaty_time, "time")
    app.add_template_filter(long_date)
    app.add_template_filter(short_date)
