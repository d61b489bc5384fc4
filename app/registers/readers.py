"""The satisfied bids register the seller uploads (SPEC §3 item 9), as XML or XLSX, read into
SatisfiedRows — or refused with every shape problem and its row.

Shape only: numbers, signs, decimals, columns, missing and repeated bid numbers. Whether a
bid exists, fits its bid and the offering's terms is the subscription's business check.

XML: lxml without DTDs, entity expansion or network (a DOCTYPE is refused outright), each
<Bid> validated against the register XSD as it streams by, then the whole file once more.
Row numbers are bid positions (1 = the first <Bid>).
XLSX: openpyxl read-only (defusedxml under it), no macros, bounded size; the "Register" sheet
(or the first), a header row naming the columns as the desk's register does. Row numbers are
the spreadsheet's own.
"""
import re
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from io import BytesIO
from pathlib import PurePath
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from lxml import etree
from openpyxl import load_workbook

from app.registers.rows import ACCEPTED, SATISFIED, Text
from app.registers.xml import (BID_FIELDS, NAMESPACE, ROOTS, SCHEMA_PATH, RegisterInvalid, drop_parsed,
                               hardened_parser, parser_options, qualified, refuse_doctype, validate_register)
from app.registers.xlsx_register import COLUMNS, REGISTER_SHEET

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024  # an XLSX is a zip: refuse a bomb before inflating it
MAX_ROWS = 1_000_000
MAX_PROBLEMS = 1_000
PRICE_PLACES = 4
MAX_DIGITS = 15  # integer digits of any number in the register (as the XSD's quantities)
BID_NUMBER, SATISFIED_PRICE, SATISFIED_QUANTITY = "BidNumber", "SatisfiedPrice", "SatisfiedQuantity"
# The XLSX columns the reader needs, by their title in the desk's register.
XLSX_FIELDS = {"Bid number": BID_NUMBER, "Satisfied price": SATISFIED_PRICE, "Satisfied quantity": SATISFIED_QUANTITY}
KNOWN_TITLES = {title.casefold(): title for title, _ in COLUMNS}
XSD_ELEMENT = re.compile(r"Element '(?:\{[^}]*\})?([^']+)'")
XSD_EXPECTED = re.compile(r"Expected is (?:one of )?\( ([^)]*) \)")


@dataclass(frozen=True, slots=True)
class SatisfiedRow:
    row_number: int
    bid_number: int
    satisfied_price: Decimal | None
    satisfied_quantity: int


@dataclass(frozen=True)
class RowProblem:
    row_number: int | None  # None: the file as a whole
    field: str  # the column title (XLSX) or element name (XML); "" when none applies
    message: Text  # str() gives it in the current language; templates escape it


class RegisterFileError(ValueError):
    def __init__(self, problems: list[RowProblem]):
        super().__init__(f"{len(problems)} problem(s) in the register file")
        self.problems = problems


class _TooMany(Exception):
    pass


class _Problems(list):
    def add(self, row_number: int | None, field: str, message) -> None:
        if len(self) >= MAX_PROBLEMS:
            self.append(RowProblem(None, "", Text(_l("More problems were found; correct these first."))))
            raise _TooMany
        self.append(RowProblem(row_number, field, Text(message)))


def read_satisfied_register(source: bytes | BinaryIO, filename: str) -> list[SatisfiedRow]:
    """Dispatch on the file name (.xml / .xlsx), or on the content when the name says neither."""
    data = source if isinstance(source, bytes) else source.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _single(_l("The file is larger than %(limit)d MB.", limit=MAX_FILE_BYTES // 2**20))
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xlsx" or (suffix not in (".xml", ".xlsm", ".xls") and data[:4] == b"PK\x03\x04"):
        return read_satisfied_xlsx(data)
    if suffix == ".xml" or (not suffix and data.lstrip()[:1] == b"<"):
        return read_satisfied_xml(data)
    if suffix in (".xlsm", ".xls"):
        raise _single(_l("Macro-enabled and old-format workbooks are not accepted; save the register as .xlsx."))
    raise _single(_l("Upload the satisfied register as an .xml or .xlsx file."))


def _single(message) -> RegisterFileError:
    return RegisterFileError([RowProblem(None, "", Text(message))])


# --- values, shared by both formats ---------------------------------------------------------------------

class _Bad(ValueError):
    def __init__(self, message):
        super().__init__()
        self.message = message


def _decimal(value) -> Decimal | None:
    """A cell or element value as a Decimal: None when empty. Spreadsheet floats come back as
    their shortest repr (99.1234, not 99.12339999); text may use a decimal comma and spaces
    between thousands."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _Bad(_l("Not a number."))
    if isinstance(value, int):
        return Decimal(value)
    text = re.sub(r"[\s\u00a0\u202f]", "", repr(value) if isinstance(value, float) else value)
    if not text:
        return None
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _Bad(_l("Not a number.")) from None
    if not number.is_finite():
        raise _Bad(_l("Not a number."))
    if number.adjusted() >= MAX_DIGITS:
        raise _Bad(_l("Too large."))
    return number


def _whole(value) -> int | None:
    number = _decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise _Bad(_l("Not a whole number."))
    if number < 0:
        raise _Bad(_l("Must not be negative."))
    return int(number)


def _price(value) -> Decimal | None:
    number = _decimal(value)
    if number is None:
        return None
    if number < 0:
        raise _Bad(_l("Must not be negative."))
    if number == 0:
        raise _Bad(_l("Must be greater than zero."))
    if number.as_tuple().exponent < -PRICE_PLACES and number != number.quantize(Decimal(1).scaleb(-PRICE_PLACES)):
        raise _Bad(_l("At most %(places)d decimal places.", places=PRICE_PLACES))
    return number


INVALID = object()  # a value that already has its problem reported


class _RowReader:
    """Turns (bid number, price, quantity) values into SatisfiedRows, collecting problems."""

    def __init__(self, problems: _Problems, labels: dict[str, str]):
        self.problems, self.labels = problems, labels
        self.rows: list[SatisfiedRow] = []
        self.first_row: dict[int, int] = {}

    def _field(self, row_number: int, field: str, parse, value):
        try:
            return parse(value)
        except _Bad as bad:
            self.problems.add(row_number, self.labels[field], bad.message)
            return INVALID

    def read(self, row_number: int, number_value, price_value, quantity_value) -> set[str]:
        """Keeps the row if its three fields are sound; returns the fields that had a problem."""
        bid_number = self._field(row_number, BID_NUMBER, _whole, number_value)
        price = self._field(row_number, SATISFIED_PRICE, _price, price_value)
        quantity = self._field(row_number, SATISFIED_QUANTITY, _whole, quantity_value)
        failed = {name for name, value in ((BID_NUMBER, bid_number), (SATISFIED_PRICE, price),
                                           (SATISFIED_QUANTITY, quantity)) if value is INVALID}
        number_problem = self._bid_number_problem(row_number, bid_number)
        if number_problem is not None:
            self.problems.add(row_number, self.labels[BID_NUMBER], number_problem)
            failed.add(BID_NUMBER)
        if quantity is None:
            self.problems.add(row_number, self.labels[SATISFIED_QUANTITY],
                              _l("The satisfied quantity is missing (0 refuses the bid)."))
            failed.add(SATISFIED_QUANTITY)
        elif quantity is not INVALID and quantity > 0 and price is None:
            self.problems.add(row_number, self.labels[SATISFIED_PRICE],
                              _l("A satisfied quantity needs a satisfied price."))
            failed.add(SATISFIED_PRICE)
        if not failed:
            self.rows.append(SatisfiedRow(row_number, bid_number, price, quantity))
        return failed

    def _bid_number_problem(self, row_number: int, bid_number):
        if bid_number is INVALID:
            return None
        if bid_number is None:
            return _l("The bid number is missing.")
        if bid_number == 0:
            return _l("Must be greater than zero.")
        if bid_number in self.first_row:
            return _l("Bid %(number)d appears again (first in row %(row)d).", number=bid_number,
                      row=self.first_row[bid_number])
        self.first_row[bid_number] = row_number
        return None


# --- XML ------------------------------------------------------------------------------------------------

_part_schemas: dict[str, etree.XMLSchema] = {}


def _part_schema(element: str, type_name: str) -> etree.XMLSchema:
    """A schema that validates one unqualified element (a <Bid>, the <Header>) of the register
    on its own: the register XSD imported, one global element of its type."""
    if element not in _part_schemas:
        wrapper = (f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:reg="{NAMESPACE}">'
                   f'<xs:import namespace="{NAMESPACE}" schemaLocation="{SCHEMA_PATH.as_uri()}"/>'
                   f'<xs:element name="{element}" type="reg:{type_name}"/></xs:schema>')
        _part_schemas[element] = etree.XMLSchema(etree.fromstring(wrapper.encode(), hardened_parser()))
    return _part_schemas[element]


def read_satisfied_xml(data: bytes) -> list[SatisfiedRow]:
    problems = _Problems()
    reader = _RowReader(problems, {BID_NUMBER: BID_NUMBER, SATISFIED_PRICE: SATISFIED_PRICE,
                                   SATISFIED_QUANTITY: SATISFIED_QUANTITY})
    try:
        declared = _scan_xml(data, problems, reader)
        if not problems:
            _check_whole(data, problems, declared, len(reader.rows))
    except _TooMany:
        pass
    if problems:
        raise RegisterFileError(list(problems))
    return reader.rows


def _scan_xml(data: bytes, problems: _Problems, reader: _RowReader) -> int | None:
    """Check the root, the header and every bid; returns the header's BidCount."""
    declared, position = None, 0
    events = etree.iterparse(BytesIO(data), events=("end",), tag=("Header", "Bid"), remove_comments=True,
                             remove_pis=True, **parser_options())
    try:
        for _, element in events:
            if position == 0 and declared is None:
                _check_root(element)
            if element.tag == "Header" and element.getparent().getparent() is None:
                declared = _check_header(element, problems)
            elif element.tag == "Bid":
                position += 1
                if position > MAX_ROWS:
                    problems.add(None, "", _l("The file has more than %(limit)d bids.", limit=MAX_ROWS))
                    break
                _check_bid(position, element, problems, reader)
                drop_parsed(element)
        _check_root(events.root)
    except etree.XMLSyntaxError as error:
        problems.add(None, "", _l("The file is not well-formed XML (line %(line)s: %(detail)s).",
                                                   line=error.lineno, detail=error.msg))
    except _Bad as bad:
        problems.add(None, "", bad.message)
    if position == 0 and not problems:
        problems.add(None, "Bids", _l("The register lists no bids."))
    return declared


def _check_root(element) -> None:
    if element is None:
        return
    try:
        refuse_doctype(element)
    except RegisterInvalid:
        raise _Bad(_l("A DOCTYPE (and with it any entity declaration) is not allowed in a register.")) from None
    root = element.getroottree().getroot()
    if root.tag == qualified(ROOTS[ACCEPTED]):
        raise _Bad(_l("This is the accepted bids register. Answer with a SatisfiedBidsRegister that gives "
                      "SatisfiedPrice and SatisfiedQuantity for every bid."))
    if root.tag != qualified(ROOTS[SATISFIED]):
        raise _Bad(_l("This is not a satisfied bids register (root element %(expected)s).",
                      expected=f"reg:{ROOTS[SATISFIED]}"))


def _check_header(element, problems: _Problems) -> int | None:
    schema = _part_schema("Header", "HeaderType")
    if not schema.validate(element):
        for error in schema.error_log:
            problems.add(None, _xsd_field(error.message, "Header"),
                         _l("Does not match the register schema: %(detail)s", detail=error.message))
    count = element.findtext("BidCount")
    return int(count) if count and count.isdigit() else None


def _check_bid(position: int, element, problems: _Problems, reader: _RowReader) -> None:
    failed = reader.read(position, element.findtext(BID_NUMBER), element.findtext(SATISFIED_PRICE),
                         element.findtext(SATISFIED_QUANTITY))
    schema = _part_schema("Bid", "SatisfiedBidType")
    if schema.validate(element):
        return
    for error in schema.error_log:
        field = _xsd_field(error.message, "Bid")
        if field in failed or _xsd_expected(error.message) & failed:
            continue  # already reported in plain words (a missing element shows up on the next one)
        if "This element is not expected" in error.message and field not in BID_FIELDS:
            problems.add(position, field, _l("Unknown field."))
        else:
            problems.add(position, field, _l("Does not match the register schema: %(detail)s", detail=error.message))
    if not failed:  # valid for our three fields but not for the schema: not a row to use
        reader.rows.pop()


def _check_whole(data: bytes, problems: _Problems, declared: int | None, found: int) -> None:
    try:
        validate_register(BytesIO(data))
    except RegisterInvalid as error:
        problems.add(None, "", _l("Does not match the register schema: %(detail)s", detail=str(error)))
    if declared is not None and declared != found:
        problems.add(None, "BidCount", _l("The header says %(declared)d bids; the file has %(found)d.",
                                          declared=declared, found=found))


def _xsd_expected(message: str) -> set[str]:
    match = XSD_EXPECTED.search(message)
    return {name.strip() for name in match.group(1).split(",")} if match else set()


def _xsd_field(message: str, default: str) -> str:
    match = XSD_ELEMENT.search(message)
    return match.group(1) if match else default


# --- XLSX -----------------------------------------------------------------------------------------------

def read_satisfied_xlsx(data: bytes) -> list[SatisfiedRow]:
    _check_archive(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
            workbook = load_workbook(BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as error:  # noqa: BLE001 — any failure to open is the same answer to the seller
        raise _single(_l("The file is not a readable XLSX workbook.")) from error
    try:
        sheet = workbook[REGISTER_SHEET] if REGISTER_SHEET in workbook.sheetnames else workbook.worksheets[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _read_sheet(sheet.iter_rows(values_only=True))
    except RegisterFileError:
        raise
    except Exception as error:  # noqa: BLE001 — a sheet defusedxml refuses (entities) or cannot parse
        raise _single(_l("The file is not a readable XLSX workbook.")) from error
    finally:
        workbook.close()


def _check_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            entries = archive.infolist()
            content_types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in archive.namelist() else b""
    except (zipfile.BadZipFile, KeyError, OSError) as error:
        raise _single(_l("The file is not a readable XLSX workbook.")) from error
    if any(PurePath(entry.filename).name.lower() == "vbaproject.bin" for entry in entries) \
            or b"macroEnabled" in content_types:
        raise _single(_l("Macro-enabled and old-format workbooks are not accepted; save the register as .xlsx."))
    if sum(entry.file_size for entry in entries) > MAX_UNCOMPRESSED_BYTES:
        raise _single(_l("The workbook unpacks to more than %(limit)d MB.", limit=MAX_UNCOMPRESSED_BYTES // 2**20))


def _read_sheet(rows: Iterable[tuple]) -> list[SatisfiedRow]:
    problems = _Problems()
    iterator = iter(rows)
    header = next(iterator, None)
    columns = _columns(header or (), problems)
    reader = _RowReader(problems, {field: title for title, field in XLSX_FIELDS.items()})
    try:
        if any(field not in columns for field in XLSX_FIELDS.values()):
            raise _TooMany  # without its columns no row can be read
        count = 0
        for row_number, values in enumerate(iterator, start=2):
            if all(value is None or (isinstance(value, str) and not value.strip()) for value in values):
                continue
            count += 1
            if count > MAX_ROWS:
                problems.add(None, "", _l("The file has more than %(limit)d bids.", limit=MAX_ROWS))
                break
            reader.read(row_number, *(_at(values, columns[field]) for field in XLSX_FIELDS.values()))
        if count == 0 and not problems:
            problems.add(None, "", _l("The register lists no bids."))
    except _TooMany:
        pass
    if problems:
        raise RegisterFileError(list(problems))
    return reader.rows


def _columns(header: tuple, problems: _Problems) -> dict[str, int]:
    """Column index per field; a title the register does not have is an unknown column."""
    columns = {}
    for index, title in enumerate(header):
        if title is None or (isinstance(title, str) and not title.strip()):
            continue
        known = KNOWN_TITLES.get(str(title).strip().casefold())
        if known is None:
            problems.add(1, str(title)[:60], _l("Unknown column."))
        elif known in XLSX_FIELDS:
            columns[XLSX_FIELDS[known]] = index
    for title, field in XLSX_FIELDS.items():
        if field not in columns:
            problems.add(1, title, _l("This column is missing."))
    return columns


def _at(values: tuple, index: int):
    return values[index] if index < len(values) else None
