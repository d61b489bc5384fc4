"""XLSX export: exact numbers, real dates, inert text, streamed rows."""
import re
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet._writer import ALL_TEMP_FILES

from app.domain.calendar import ALMATY
from app.registers import xlsx
from app.registers.xlsx import Sheet, decimal_format, sanitise_cell, workbook_bytes


def round_trip(*sheets: Sheet, title: str | None = None):
    return load_workbook(BytesIO(workbook_bytes(sheets, title=title)))


def sheet_xml(data: bytes, number: int = 1) -> str:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return archive.read(f"xl/worksheets/sheet{number}.xml").decode()


DECIMALS = [Decimal("1234567890.12"), Decimal("99.1234"), Decimal("-0.01"), Decimal("5"), Decimal("0.000001")]


def test_decimals_are_numeric_exact_and_formatted_by_their_decimals():
    data = workbook_bytes([Sheet("Deals", ["amount"], [[value] for value in DECIMALS])])
    cells = [row[0] for row in load_workbook(BytesIO(data)).active.iter_rows(min_row=2)]

    assert [cell.data_type for cell in cells] == ["n"] * len(DECIMALS)
    assert [Decimal(str(cell.value)) for cell in cells] == DECIMALS
    assert [cell.number_format for cell in cells] == ["#,##0.00", "#,##0.0000", "#,##0.00", "#,##0", "#,##0.000000"]
    stored = re.findall(r"<v>([^<]*)</v>", sheet_xml(data))
    assert [Decimal(text) for text in stored] == DECIMALS


@pytest.mark.parametrize(("value", "expected"), [
    (Decimal("1.50"), "#,##0.00"),
    (Decimal("100.0000"), "#,##0.0000"),
    (Decimal("1E+3"), "#,##0"),
    (Decimal("7"), "#,##0"),
])
def test_decimal_format(value, expected):
    assert decimal_format(value) == expected


DANGEROUS = ["=1+1", "+SUM(A1)", "-2", "@x", "\t=x", "\r=x", "  =HYPERLINK(\"http://x\")", "\n@x", "＝1+1"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_like_text_comes_back_as_inert_text(text):
    data = workbook_bytes([Sheet("Bids", ["comment"], [[text]])])
    cell = load_workbook(BytesIO(data)).active["A2"]

    assert cell.data_type == "s"
    # openpyxl writes through lxml, which escapes a bare CR (&#13;), so it comes back as written.
    assert cell.value == "'" + text
    assert "<f>" not in sheet_xml(data)


@pytest.mark.parametrize("text", ["Банк «Қазақстан»", "a=b", "1-2", "e-mail@bank.kz", "", "'quoted"])
def test_ordinary_text_is_kept_as_is(text):
    assert sanitise_cell(text) == text


@pytest.mark.parametrize("value", [None, 5, Decimal("-2"), -2.5, date(2026, 1, 1), True])
def test_sanitise_cell_leaves_non_text_alone(value):
    assert sanitise_cell(value) is value


def test_header_is_inert_bold_and_frozen():
    sheet = round_trip(Sheet("Register", ["=cmd", "Участник"], [["a", "b"]])).active

    assert sheet["A1"].value == "'=cmd"
    assert sheet["A1"].font.b and sheet["B1"].font.b
    assert sheet.freeze_panes == "A2"


def test_dates_and_datetimes_come_back_as_dates_in_almaty_time():
    instant = datetime(2026, 11, 20, 19, 30, tzinfo=UTC)
    sheet = round_trip(Sheet("Dates", ["day", "at"], [[date(2026, 11, 21), instant]])).active
    day, at = sheet["A2"], sheet["B2"]

    assert day.is_date and day.value == datetime(2026, 11, 21)
    assert day.number_format == "dd.mm.yyyy"
    assert at.is_date and at.value == instant.astimezone(ALMATY).replace(tzinfo=None)
    assert at.value == datetime(2026, 11, 21, 0, 30)
    assert at.number_format == "dd.mm.yyyy hh:mm:ss"


def test_naive_datetimes_are_refused_and_leave_no_temporary_files():
    rows = [[datetime(2026, 11, 21, 12, 0, tzinfo=UTC)], [datetime(2026, 11, 21, 12, 0)]]
    with pytest.raises(ValueError, match="naive"):
        workbook_bytes([Sheet("Dates", ["at"], rows)])
    assert ALL_TEMP_FILES == []


def test_other_values():
    sheet = round_trip(Sheet("Mixed", ["a", "b", "c", "d", "e"], [[None, 7, 2.5, False, "bad\x00\x07text"]])).active

    assert [cell.value for cell in sheet[2]] == [None, 7, 2.5, False, "badtext"]
    assert sheet["B2"].data_type == "n"


def test_sheet_titles_are_made_valid_and_unique_and_workbook_titled():
    long_title = "Реестр принятых заявок [GKO]: 2026/11/21 *?\\ and more"
    workbook = round_trip(Sheet(long_title, ["a"], []), Sheet(long_title, ["a"], []), Sheet("'", ["a"], []),
                          title="Accepted bids")

    first, second, third = workbook.sheetnames
    assert len(first) == 31 and not re.search(r"[\[\]:*?/\\]", first)
    assert first.startswith("Реестр принятых заявок _GKO__")
    assert second.endswith(" (2)") and len(second) <= 31 and second != first
    assert third == "Sheet"
    assert workbook.properties.title == "Accepted bids"


def test_column_widths_follow_the_content():
    sheet = round_trip(Sheet("Widths", ["No", "Participant"], [[1, "Банк «Қазақстан» " * 2], [2, "x" * 500]])).active

    assert sheet.column_dimensions["A"].width == 8
    assert 20 < sheet.column_dimensions["B"].width <= 60


def test_more_rows_than_excel_opens_are_refused(monkeypatch):
    monkeypatch.setattr(xlsx, "EXCEL_ROW_LIMIT", 4)
    assert workbook_bytes([Sheet("Fits", ["n"], [[1], [2], [3]])])
    with pytest.raises(ValueError, match="more rows than Excel opens"):
        workbook_bytes([Sheet("Too long", ["n"], [[1], [2], [3], [4]])])
    assert ALL_TEMP_FILES == []


def test_no_sheets_still_makes_a_valid_workbook():
    assert round_trip().sheetnames == ["Sheet"]


def test_many_rows_stream_through():
    rows_made = 0

    def rows():
        nonlocal rows_made
        for number in range(20_000):
            rows_made += 1
            yield (number, f"Bid {number}")

    data = workbook_bytes([Sheet("Big", ["No", "Bid"], rows())])

    assert rows_made == 20_000
    xml = sheet_xml(data)
    assert xml.count("<row ") == 20_001
    last_row = xml[xml.rindex('<row r="20001"'):]
    assert "<v>19999</v>" in last_row and "Bid 19999" in last_row
