"""What a broken rule says to the user, in their language: each kind of offering keeps its own
table of rules; the values are shown the way every page shows them."""
from datetime import date, datetime

from app.formatting import almaty_datetime, short_date


def rule_message(messages: dict, rule: str, values: dict) -> str:
    shown = {key: show_value(value) for key, value in values.items()}
    return str(messages[rule]) % shown if shown else str(messages[rule])


def show_value(value) -> str:
    if isinstance(value, datetime):
        return almaty_datetime(value)
    if isinstance(value, date):
        return short_date(value)
    return str(value)
