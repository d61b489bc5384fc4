"""The pages' numbers, dates and times: the desk's fast formatters write what Babel's patterns write."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import formatting
from app.domain.calendar import ALMATY

LOCALES = {"ru": "ru_KZ", "kk": "kk_KZ", "en": "en"}
amounts = st.decimals(min_value=Decimal("-1e15"), max_value=Decimal("1e15"), allow_nan=False, places=6)


@pytest.mark.parametrize("language", sorted(LOCALES))
# The app is only read (a request context for the language): one for all the examples.
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=amounts)
def test_money_price_and_quantity_read_as_babel_writes_them(app, language, amount):
    locale = LOCALES[language]
    with app.test_request_context(), force_locale(language):
        two = amount.quantize(formatting.TWO_PLACES, "ROUND_HALF_UP")
        four = amount.quantize(formatting.FOUR_PLACES, "ROUND_HALF_UP")
        whole = amount.quantize(Decimal(1), "ROUND_HALF_UP")
        assert formatting.money(amount) == format_decimal(two, format="#,##0.00", locale=locale) + "\u00a0₸"
        assert formatting.price(amount) == format_decimal(four, format="#,##0.0000", locale=locale)
        assert formatting.percent(amount, 2) == format_decimal(two, format="#,##0.00", locale=locale) + "\u00a0%"
        assert formatting.quantity(whole) == format_decimal(whole, format="#,##0", locale=locale)


def test_the_separators_are_the_locales(app):
    with app.test_request_context():
        with force_locale("ru"):
            assert formatting.money(Decimal("-1234567.891")) == "-1\u00a0234\u00a0567,89\u00a0₸"
            assert formatting.quantity(12345) == "12\u00a0345"
        with force_locale("en"):
            assert formatting.money(Decimal("1234567.895"), "USD") == "1,234,567.90\u00a0USD"
            assert formatting.price(Decimal("99.12345")) == "99.1235"
            assert formatting.quantity(None) == "—"


instants = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


@pytest.mark.parametrize("language", sorted(LOCALES))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(at=instants)
def test_dates_and_times_read_as_babel_writes_them(app, language, at):
    locale = LOCALES[language]
    with app.test_request_context(), force_locale(language):
        assert formatting.almaty_datetime(at) == format_datetime(at, "dd.MM.yyyy HH:mm", tzinfo=ALMATY, locale=locale)
        assert formatting.almaty_datetime(at, "long") == format_datetime(at, "dd.MM.yyyy HH:mm:ss", tzinfo=ALMATY,
                                                                         locale=locale)
        assert formatting.almaty_time(at, seconds=False) == format_time(at, "HH:mm", tzinfo=ALMATY, locale=locale)
        assert formatting.short_date(at.date()) == format_date(at.date(), "dd.MM.yyyy", locale=locale)
        naive = at.replace(tzinfo=None)
        assert formatting.almaty_datetime(naive) == formatting.almaty_datetime(at)
