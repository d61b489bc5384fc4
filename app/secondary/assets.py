"""Ledger assets: money is kept per currency code, securities per instrument code."""
CURRENCIES = ("KZT", "USD", "EUR", "RUB", "CNY")


def is_currency(asset: str) -> bool:
    return asset in CURRENCIES
