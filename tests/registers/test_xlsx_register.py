"""The XLSX register: exact numbers, text kept as text, the Terms sheet, atomic files."""
import hashlib
from datetime import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from app.registers import xlsx_register
from app.registers.rows import RowCountMismatch
from app.registers.xlsx import Sheet, write_workbook
from app.registers.xlsx_register import COLUMNS, write_register_xlsx
from tests.registers.conftest import register_header, register_row, register_rows


def workbook(tmp_path, kind="accepted", count=5, rows=None):
    path = tmp_path / "register.xlsx"
    write_register_xlsx(path, register_header(kind, count), rows if rows is not None else register_rows(count, kind))
    return load_workbook(path)


def test_register_sheet_has_the_fixed_columns_and_exact_values(tmp_path):
    sheet = workbook(tmp_path, "satisfied")["Register"]
    rows = list(sheet.iter_rows(max_row=5))
    header, first, market = rows[0], rows[1], rows[4]

    assert [cell.value for cell in header] == [title for title, _ in COLUMNS]
    assert first[0].value == 1 and first[2].value == "000000000001" and first[3].value == "800101300001"
    assert Decimal(str(first[8].value)) == Decimal("99.1250") and first[8].number_format == "#,##0.0000"
    assert Decimal(str(first[10].value)) == Decimal("1000.50") and first[10].number_format == "#,##0.00"
    assert first[11].value == datetime(2026, 11, 23, 8, 0, 1, 250_000)  # Almaty wall time
    assert (Decimal(str(first[13].value)), first[14].value) == (Decimal("98.5"), 5)
    assert market[7].value == "market" and market[8].value is None
    assert sheet.freeze_panes == "A2"


def test_accepted_register_leaves_the_satisfied_columns_for_the_seller(tmp_path):
    sheet = workbook(tmp_path, "accepted")["Register"]

    assert all(row[13] is None and row[14] is None for row in sheet.iter_rows(min_row=2, values_only=True))
    assert sheet.max_row == 6


def test_terms_sheet_carries_the_header(tmp_path):
    terms = dict(workbook(tmp_path)["Terms"].iter_rows(min_row=2, values_only=True))

    assert terms["Register"] == "Accepted bids"
    assert terms["ISIN"] == "KZ2C00012345" and terms["Seller BIN"] == "012345678901"
    assert terms["Security"] == "Bonds & <Notes> \"A\"" and terms["Bids"] == 5
    assert terms["Generated at (Almaty)"] == datetime(2026, 11, 26, 11, 30)


@pytest.mark.parametrize(("name", "stored"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("  @SUM(A1)", "'  @SUM(A1)"),
    ("+7 701 000", "'+7 701 000"),
    ("Ivanov\x00 I.\x1b", "Ivanov I."),
    ("Plain Name LLP", "Plain Name LLP"),
])
def test_text_is_stored_inert(tmp_path, name, stored):
    sheet = workbook(tmp_path, count=1, rows=[register_row(1, investor_name=name)])["Register"]

    assert sheet["E2"].value == stored and sheet["E2"].data_type == "s"


def test_digest_and_count_describe_the_file(tmp_path):
    path, buffer = tmp_path / "r.xlsx", BytesIO()
    result = write_register_xlsx(path, register_header(count=3), register_rows(3))
    to_buffer = write_register_xlsx(buffer, register_header(count=3), register_rows(3))

    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() and result.row_count == 3
    assert to_buffer.sha256 == hashlib.sha256(buffer.getvalue()).hexdigest()
    assert sorted(tmp_path.iterdir()) == [path]


def test_progress_is_reported_every_n_rows_and_at_the_end(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_register, "PROGRESS_EVERY", 2)
    seen = []
    write_register_xlsx(tmp_path / "r.xlsx", register_header(count=3), register_rows(3), progress=seen.append)

    assert seen == [2, 3]


def failing_rows():
    yield register_row(1)
    raise RuntimeError("database went away")


@pytest.mark.parametrize(("rows", "count", "error"), [
    (lambda: register_rows(2), 3, RowCountMismatch),
    (failing_rows, 2, RuntimeError),
    (lambda: [register_row(1, submitted_at=datetime(2026, 11, 23, 9))], 1, ValueError),
])
def test_a_failed_write_leaves_the_previous_file_and_no_temporary(tmp_path, rows, count, error):
    path = tmp_path / "register.xlsx"
    path.write_bytes(b"previous version")

    with pytest.raises(error):
        write_register_xlsx(path, register_header(count=count), rows())

    assert path.read_bytes() == b"previous version"
    assert list(tmp_path.iterdir()) == [path]


def test_write_workbook_to_a_path_is_atomic_too(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"previous version")

    def rows():
        yield ["a"]
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        write_workbook(path, [Sheet("S", ["h"], rows())])
    assert path.read_bytes() == b"previous version"

    write_workbook(path, [Sheet("S", ["h"], [["a"], [Decimal("1.50")]])], title="Book")
    book = load_workbook(path)
    assert [row for row in book["S"].iter_rows(values_only=True)] == [("h",), ("a",), (1.5,)]
    assert book.properties.title == "Book" and list(tmp_path.iterdir()) == [path]


def test_a_prepared_sheet_needs_its_widths():
    with pytest.raises(ValueError, match="widths"):
        write_workbook(BytesIO(), [Sheet("S", ["h"], [[1]], prepared=True)])
