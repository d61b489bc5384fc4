"""XLSX workbooks from plain rows, streamed (openpyxl write-only mode).

Cell rules: Decimal → number with as many decimals shown as the value carries; int, float →
number; date → date; aware datetime → Almaty wall time (Excel has no time zones); None →
empty; text → inline string, sanitised against formula injection. Rows are consumed as they
are written, so a register of any length never sits in memory.
"""
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from itertools import chain, islice
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.domain.calendar import ALMATY
from app.registers.rows import staged_file

# A spreadsheet treats text starting with these as a formula (or DDE) when it is typed in,
# pasted, saved as CSV or re-evaluated; full-width forms are included for spreadsheets that
# normalise them. Checked at the start and again after leading whitespace.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
DATE_FORMAT = "dd.mm.yyyy"
DATETIME_FORMAT = "dd.mm.yyyy hh:mm:ss"
SHEET_TITLE_MAX = 31
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Column widths are estimated from the header and this many first rows (the rest stream by).
WIDTH_SAMPLE_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 8, 60
EXCEL_TEXT_LIMIT = 32_767
EXCEL_ROW_LIMIT = 1_048_576  # the header row included


@dataclass
class Sheet:
    """`widths`: column widths in characters; when given, no rows are sampled to estimate them.
    `prepared`: the rows already hold what openpyxl stores (sanitised text, naive Almaty
    datetimes, numbers) and are appended as they are — for long registers, whose writer
    prepares each row once; a prepared sheet needs `widths`, and `column_formats` (column
    index → number format) styles its numbers and datetimes through one reused cell per column."""
    title: str
    header: list[str]
    rows: Iterable[Sequence]
    widths: Sequence[float] | None = None
    prepared: bool = False
    column_formats: Mapping[int, str] = field(default_factory=dict)


def sanitise_cell(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe and stays
    text ("=1+1" → "'=1+1"); any other value is returned unchanged."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in FORMULA_TRIGGERS or value.lstrip()[:1] in FORMULA_TRIGGERS:
        return "'" + value
    return value


def decimal_format(value: Decimal) -> str:
    """Thousands separators and exactly the decimals the value carries: 1.50 → '#,##0.00'."""
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return "#,##0." + "0" * places if places else "#,##0"


def excel_datetime(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: the desk stores aware datetimes only")
    return value.astimezone(ALMATY).replace(tzinfo=None)


def sheet_title(title: str, taken: set[str]) -> str:
    """Excel's rules: 1–31 characters, none of []:*?/\\, no apostrophe at either end, unique
    (case-insensitively) within the workbook."""
    base = SHEET_TITLE_FORBIDDEN.sub("_", title).strip().strip("'")[:SHEET_TITLE_MAX] or "Sheet"
    candidate, number = base, 1
    while candidate.lower() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = base[: SHEET_TITLE_MAX - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate


def _cell(sheet, value):
    if isinstance(value, Decimal) and value.is_finite():
        return _formatted(sheet, value, decimal_format(value))
    if isinstance(value, datetime):
        return _formatted(sheet, excel_datetime(value), DATETIME_FORMAT)
    if isinstance(value, date):
        return _formatted(sheet, value, DATE_FORMAT)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return text_value(str(value))


def _formatted(sheet, value, number_format: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value)
    cell.number_format = number_format
    return cell


def text_value(text: str) -> str:
    """Text as it is stored: sanitised, without the control characters XML cannot carry, cut
    to Excel's cell limit. It never starts with "=", so openpyxl stores it as text, not as a
    formula."""
    return sanitise_cell(ILLEGAL_CHARACTERS_RE.sub("", text))[:EXCEL_TEXT_LIMIT]


def _display_length(value) -> int:
    if isinstance(value, datetime):
        return len(DATETIME_FORMAT)
    if isinstance(value, date):
        return len(DATE_FORMAT)
    if isinstance(value, Decimal):
        return len(f"{value:,}")
    return max((len(line) for line in str(value).splitlines()), default=0) if value is not None else 0


def _set_widths(sheet, header: list[str], sample: list[Sequence]) -> None:
    for index, title in enumerate(header):
        longest = max([len(title) + 2] + [_display_length(row[index]) for row in sample if index < len(row)])
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(max(longest + 1, MIN_WIDTH), MAX_WIDTH)


def _write_sheet(workbook: Workbook, spec: Sheet, taken: set[str]) -> None:
    sheet = workbook.create_sheet(sheet_title(spec.title, taken))
    rows: Iterator[Sequence] = iter(spec.rows)
    if spec.widths is not None:
        sample = []
        for index, width in enumerate(spec.widths):
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
    elif spec.prepared:
        raise ValueError("a prepared sheet needs its column widths")
    else:
        sample = list(islice(rows, WIDTH_SAMPLE_ROWS))
        _set_widths(sheet, spec.header, sample)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = [WriteOnlyCell(sheet, text_value(title)) for title in spec.header]
    for cell in header_cells:
        cell.font = bold
    sheet.append(header_cells)
    if spec.prepared:
        _append_prepared(sheet, spec, rows)
        return
    for number, row in enumerate(chain(sample, rows), start=2):
        if number > EXCEL_ROW_LIMIT:
            raise ValueError(f"sheet {spec.title!r} has more rows than Excel opens ({EXCEL_ROW_LIMIT - 1})")
        sheet.append([_cell(sheet, value) for value in row])


def _append_prepared(sheet, spec: Sheet, rows: Iterator[Sequence]) -> None:
    """openpyxl writes an appended row at once, so one styled cell per formatted column
    serves every row."""
    styled = [(index, _formatted(sheet, None, number_format)) for index, number_format in spec.column_formats.items()]
    for number, row in enumerate(rows, start=2):
        if number > EXCEL_ROW_LIMIT:
            raise ValueError(f"sheet {spec.title!r} has more rows than Excel opens ({EXCEL_ROW_LIMIT - 1})")
        for index, cell in styled:
            value = row[index]
            if value is not None:
                cell.value = value
                row[index] = cell
        sheet.append(row)


def workbook_bytes(sheets: Iterable[Sheet], *, title: str | None = None) -> bytes:
    """An .xlsx file with one worksheet per Sheet, header row bold and frozen."""
    buffer = BytesIO()
    write_workbook(buffer, sheets, title=title)
    return buffer.getvalue()


def write_workbook(target: str | os.PathLike | BinaryIO, sheets: Iterable[Sheet], *,
                   title: str | None = None) -> None:
    """Stream an .xlsx (one worksheet per Sheet, header row bold and frozen) to a binary file
    object, or to a path — which receives the file only once it is complete."""
    if isinstance(target, (str, os.PathLike)):
        with staged_file(target) as staged, open(staged, "wb") as handle:
            _save_workbook(handle, sheets, title)
    else:
        _save_workbook(target, sheets, title)


def _save_workbook(target: BinaryIO, sheets: Iterable[Sheet], title: str | None) -> None:
    workbook = Workbook(write_only=True)
    if title:
        workbook.properties.title = title
    taken: set[str] = set()
    try:
        for spec in sheets:
            _write_sheet(workbook, spec, taken)
    except BaseException:
        # Finish the half-written sheets into the null device: that closes their writers and
        # removes their temporary files without holding a long sheet in memory; the original
        # error is what the caller sees.
        with suppress(Exception), open(os.devnull, "wb") as sink:
            workbook.save(sink)
        raise
    if not taken:
        _write_sheet(workbook, Sheet("Sheet", [], []), taken)  # a workbook needs one sheet
    workbook.save(target)
