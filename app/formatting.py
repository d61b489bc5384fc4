"""Jinja filters: tenge, prices with 4 decimals, yields, dates and times in Almaty time."""
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal
from flask import Flask
from flask_babel import get_locale

from app.domain.calendar import ALMATY

# Babel locales used for numbers and dates; Kazakhstan's own formats where Babel has them.
NUMBER_LOCALES = {"ru": "ru_KZ", "kk": "kk_KZ", "en": "en"}
FOUR_PLACES = Decimal("0.0001")
TWO_PLACES = Decimal("0.01")


def _locale() -> str:
    return NUMBER_LOCALES.get(str(get_locale() or "ru"), "ru_KZ")


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def money(value, currency: str = "KZT") -> str:
    """Tenge to the tiyn, rounded half up: `1 234 567,89 ₸`."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    text = format_decimal(amount.quantize(TWO_PLACES, ROUND_HALF_UP), format="#,##0.00", locale=_locale())
    symbol = "₸" if currency == "KZT" else currency
    return f"{text}\u00a0{symbol}"


def price(value) -> str:
    """A clean price in % of face value, 4 decimals as the exchange shows it."""
    number = _decimal(value)
    if number is None:
        return "—"
    return format_decimal(number.quantize(FOUR_PLACES, ROUND_HALF_UP), format="#,##0.0000", locale=_locale())


def percent(value, places: int = 4) -> str:
    """Yields and rates with 4 decimals; shares of a plan or of demand with 2 (`|percent(2)`)."""
    number = _decimal(value)
    if number is None:
        return "—"
    if places == 4:
        return f"{price(number)}\u00a0%"
    text = format_decimal(number.quantize(TWO_PLACES, ROUND_HALF_UP), format="#,##0.00", locale=_locale())
    return f"{text}\u00a0%"


def quantity(value) -> str:
    return "—" if value is None else format_decimal(value, format="#,##0", locale=_locale())


def almaty_datetime(value: datetime | None, style: str = "short") -> str:
    if value is None:
        return "—"
    pattern = "dd.MM.yyyy HH:mm" if style == "short" else "dd.MM.yyyy HH:mm:ss"
    return format_datetime(value, pattern, tzinfo=ALMATY, locale=_locale())


def almaty_time(value: datetime | None, seconds: bool = True) -> str:
    pattern = "HH:mm:ss" if seconds else "HH:mm"
    return "—" if value is None else format_time(value, pattern, tzinfo=ALMATY, locale=_locale())


def long_date(value: date | None) -> str:
    return "—" if value is None else format_date(value, "full", locale=_locale())


def short_date(value: date | None) -> str:
    return "—" if value is None else format_date(value, "dd.MM.yyyy", locale=_locale())


def register_filters(app: Flask) -> None:
    app.add_template_filter(money)
    app.add_template_filter(price)
    app.add_template_filter(percent)
    app.add_template_filter(quantity)
    app.add_template_filter(almaty_datetime, "datetime")
    app.add_template_filter(almaty_time, "time")
    app.add_template_filter(long_date)
    app.add_template_filter(short_date)
