"""Incoming balances at the start of the day (App.6 §1): rows of account code, asset, amount,
from pasted text, a CSV file or an XLSX workbook.

Every row is read and checked before anything is sent; one bad row refuses the whole file, with
each problem named by its row number.  A clean file goes to the sequencer as one batch that is
all or nothing: a row it refuses rolls the others back too.
"""
from __future__ import annotations

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook
from sqlalchemy import select

from app.refusals import Refusal
from app.secondary.assets import is_currency
from app.secondary.engine.day import LoadBalance
from app.secondary.messages import MarketError
from app.secondary.models import Instrument, TradingAccount
from app.secondary.trading import services

MAX_ROWS = 10_000
HEADER_WORDS = {"account", "account code", "asset", "amount", "quantity", "счёт", "счет", "код счёта",
                "код счета", "актив", "сумма", "количество", "шот", "сома"}


class BalancesRefused(Refusal):
    """`problems`: (row number, message) for every row that cannot be loaded."""

    def __init__(self, problems: list[tuple[int | None, str]]):
        super().__init__(_l("Nothing was loaded: correct the rows below and send the file again."),
                         code="balances_refused", problems=problems)


@dataclass(frozen=True)
class BalanceRow:
    row: int
    account_code: str
    asset: str
    amount: Decimal


# --- reading ---------------------------------------------------------------------------------

def rows_from_text(text: str) -> list[tuple[int, list[str]]]:
    """CSV or pasted lines; the separator is a tab, a semicolon or a comma (in that order of
    preference, so a decimal comma survives in `;`- and tab-separated text)."""
    lines = text.splitlines()
    sample = next((line for line in lines if line.strip()), "")
    delimiter = "\t" if "\t" in sample else ";" if ";" in sample else ","
    reader = csv.reader(lines, delimiter=delimiter)
    return [(number, [cell.strip() for cell in cells]) for number, cells in enumerate(reader, start=1)]


def rows_from_file(filename: str, data: bytes) -> list[tuple[int, list[str]]]:
    if filename.lower().endswith(".xlsx"):
        return rows_from_xlsx(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BalancesRefused([(None, str(_l("The file is not UTF-8 text: save it as CSV UTF-8 or XLSX.")))]) \
            from None
    return rows_from_text(text)


def rows_from_xlsx(data: bytes) -> list[tuple[int, list[str]]]:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise BalancesRefused([(None, str(_l("The file is not a readable XLSX workbook.")))])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # openpyxl warns about styles it skips
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
            try:
                return [(number, [_cell_text(value) for value in values]) for number, values
                        in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1)]
            finally:
                workbook.close()
    except BalancesRefused:
        raise
    except Exception:  # noqa: BLE001 — any unreadable workbook gets the same answer
        raise BalancesRefused([(None, str(_l("The file is not a readable XLSX workbook.")))]) from None


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return str(value).strip()


# --- checking --------------------------------------------------------------------------------

def parse_balances(session, rows: list[tuple[int, list[str]]]) -> list[BalanceRow]:
    """Every row checked; raises BalancesRefused listing each bad row, or returns them all."""
    rows = [(number, cells) for number, cells in rows if any(cells)]
    if rows and _is_header(rows[0][1]):
        rows = rows[1:]
    if not rows:
        raise BalancesRefused([(None, str(_l("There are no rows to load.")))])
    if len(rows) > MAX_ROWS:
        raise BalancesRefused([(None, str(_l("At most %(limit)d rows at a time.", limit=MAX_ROWS)))])
    known = _Known(session)
    problems, parsed, seen = [], [], {}
    for number, cells in rows:
        try:
            row = _parse_row(number, cells, known)
        except ValueError as error:
            problems.append((number, str(error.args[0])))
            continue
        key = (row.account_code, row.asset)
        if key in seen:
            problems.append((number, str(_l("Account %(account)s and %(asset)s are already in row %(row)d.",
                                            account=row.account_code, asset=row.asset, row=seen[key]))))
            continue
        seen[key] = number
        parsed.append(row)
    if problems:
        raise BalancesRefused(problems)
    return parsed


def _is_header(cells: list[str]) -> bool:
    return len(cells) >= 3 and all(cell.strip().lower() in HEADER_WORDS for cell in cells[:3])


class _Known:
    def __init__(self, session):
        self.accounts = set(session.scalars(select(TradingAccount.code).where(TradingAccount.is_active)))
        self.instruments = set(session.scalars(select(Instrument.code)))


def _parse_row(number: int, cells: list[str], known: _Known) -> BalanceRow:
    cells = list(cells) + [""] * (3 - len(cells))
    if any(cells[3:]):
        raise ValueError(_l("Expected three columns: account code, asset, amount."))
    account, asset, amount = cells[0].strip(), cells[1].strip().upper(), cells[2]
    if not account or not asset or not amount.strip():
        raise ValueError(_l("Expected three columns: account code, asset, amount."))
    if account not in known.accounts:
        raise ValueError(_l("No active trading account %(account)s.", account=account))
    if not is_currency(asset) and asset not in known.instruments:
        raise ValueError(_l("Unknown asset %(asset)s: use a currency code or an instrument code.", asset=asset))
    return BalanceRow(number, account, asset, _amount(amount, asset))


# A balance column holds 18 whole digits; a load stays well inside, so sums of loads still fit.
AMOUNT_LIMIT = Decimal(10) ** 15


def _amount(text: str, asset: str) -> Decimal:
    """Money to the tiyn; securities in whole units; never negative."""
    try:
        value = Decimal(text.strip().replace("\u00a0", "").replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise ValueError(_l("The amount %(amount)s is not a number.", amount=text)) from None
    places = 2 if is_currency(asset) else 0
    if not value.is_finite() or value < 0:
        raise ValueError(_l("The amount must be zero or more."))
    if value >= AMOUNT_LIMIT:  # before rounding: a 60-digit number overflows the decimal context
        raise ValueError(_l("The amount %(amount)s is too large: at most 15 digits before the point.",
                            amount=text.strip()))
    if value != round(value, places):
        if places:
            raise ValueError(_l("Money has at most 2 decimal places."))
        raise ValueError(_l("Securities are counted in whole units."))
    return value


# --- loading ---------------------------------------------------------------------------------

@dataclass
class LoadBalances:
    """The rows as one sequenced instruction, all or nothing: a refused row raises, and the
    sequencer journals none of them (the rest of its group is sequenced again without it).
    The problems keep their messages unworded, to be shown in the requester's language."""
    rows: list[BalanceRow]
    user_id: int | None = None

    def run(self, batch):
        results = [LoadBalance(row.account_code, row.asset, str(row.amount), self.user_id).run(batch)
                   for row in self.rows]
        problems = [(row.row, result.message) for row, result in zip(self.rows, results)
                    if isinstance(result, MarketError)]
        if problems:
            raise BalancesRefused(problems)
        return len(results)


def load_balances(session, rows: list[BalanceRow], user_id: int | None = None) -> int:
    """Journal the incoming balances; the number loaded.  Commits (through the sequencer)."""
    return services.execute_many(session, [LoadBalances(rows, user_id)])[0]
