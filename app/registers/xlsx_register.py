"""The bids registers as XLSX: a "Register" sheet (one row per bid, the seller fills the two
"Satisfied" columns to answer) and a "Terms" sheet with the offering's header.

Column titles are part of the fixed form the seller's upload is read back with
(readers.XLSX_COLUMNS), so they are not translated. Each row is prepared once: text checked
for formula triggers by its first character only, decimals and times written into a few
reused styled cells, so a row costs little more than openpyxl's own append.
"""
import os
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from app.registers.rows import (ACCEPTED, PROGRESS_EVERY, RegisterHeader, RegisterRow, WrittenRegister,
                                check_kind, check_row_count, file_sha256, staged_file)
from app.registers.xlsx import (DATETIME_FORMAT, EXCEL_TEXT_LIMIT, FORMULA_TRIGGERS, Sheet, excel_datetime, text_value,
                                write_workbook)

REGISTER_SHEET, TERMS_SHEET = "Register", "Terms"
# (title, width in characters); the order is the column order.
COLUMNS = (
    ("Bid number", 12), ("Participant", 32), ("Participant BIN", 15), ("Investor IIN/BIN", 16),
    ("Investor", 32), ("Investor category", 18), ("Qualified investor", 10), ("Bid kind", 9),
    ("Price", 12), ("Quantity", 12), ("Amount, KZT", 18), ("Submitted at (Almaty)", 20),
    ("Settlement code", 10), ("Satisfied price", 14), ("Satisfied quantity", 14),
)
PRICE_FORMAT, AMOUNT_FORMAT = "#,##0.0000", "#,##0.00"
COLUMN_FORMATS = {8: PRICE_FORMAT, 10: AMOUNT_FORMAT, 11: DATETIME_FORMAT, 13: PRICE_FORMAT}
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_text(value: str) -> str:
    """text_value() only when the first character could start a formula or hide one behind
    whitespace, or the text holds a character openpyxl could refuse (isprintable() is False
    for every control character), or it is too long; names almost never need it."""
    first = value[:1]
    if first in FORMULA_TRIGGERS or first.isspace() or not value.isprintable() or len(value) > EXCEL_TEXT_LIMIT:
        return text_value(value)
    return value


def _prepared_row(row: RegisterRow, satisfied: bool) -> list:
    return [
        row.bid_number, safe_text(row.participant_name), row.participant_bin, row.investor_iin_bin,
        safe_text(row.investor_name), row.investor_category, row.qualified, row.kind, row.price, row.quantity,
        row.amount, excel_datetime(row.submitted_at), row.settlement_code,
        row.satisfied_price if satisfied else None, row.satisfied_quantity if satisfied else None,
    ]


def _terms(header: RegisterHeader) -> list[list]:
    return [
        ["Register", "Accepted bids" if header.register_kind == ACCEPTED else "Satisfied bids"],
        ["Offering number", safe_text(header.offering_number)],
        ["ISIN", header.security_isin],
        ["Security", safe_text(header.security_name)],
        ["Seller", safe_text(header.seller_name)],
        ["Seller BIN", header.seller_bin],
        ["Minimum price", header.price_min],
        ["Maximum price", header.price_max],
        ["Currency", header.currency],
        ["Generated at (Almaty)", header.generated_at],
        ["Bids", header.bid_count],
    ]


def write_register_xlsx(target: str | os.PathLike | BinaryIO, header: RegisterHeader,
                        rows: Iterable[RegisterRow],
                        progress: Callable[[int], None] | None = None) -> WrittenRegister:
    """Stream the register workbook to `target` (a path, or a binary file object); returns the
    SHA-256 of the file and the row count. Same rules as write_register_xml: the rows must
    number header.bid_count, a path receives the file only once it is complete, and
    `progress(rows_done)` runs every PROGRESS_EVERY rows and once at the end."""
    check_kind(header)
    counter = [0]

    def prepared_rows() -> Iterator[list]:
        satisfied = header.register_kind != ACCEPTED
        for counter[0], row in enumerate(rows, start=1):
            yield _prepared_row(row, satisfied)
            if progress is not None and counter[0] % PROGRESS_EVERY == 0:
                progress(counter[0])
        check_row_count(header, counter[0])

    register = Sheet(REGISTER_SHEET, [title for title, _ in COLUMNS], prepared_rows(),
                     widths=[width for _, width in COLUMNS], prepared=True, column_formats=COLUMN_FORMATS)
    terms = Sheet(TERMS_SHEET, ["Field", "Value"], _terms(header), widths=[24, 48])
    with staged_file(target) as staged:
        with open(staged, "wb") as handle:
            write_workbook(handle, [register, terms], title=f"{header.offering_number} bids register")
        digest = file_sha256(staged)
    if progress is not None:
        progress(counter[0])
    return WrittenRegister(digest, counter[0])
