"""The bids registers as XML (schemas/bids_register.xsd), streamed in constant memory.

The writer reuses one <Bid> element per row shape and only swaps its texts, so a row costs a
few text stores and one serialisation; lxml's xmlfile streams the bytes out. The
validator runs libxml2's streaming XSD validation under iterparse and drops each bid once
parsed, so a million-row register is checked in a few MB.
"""
import os
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from app.domain.calendar import ALMATY
from app.registers.rows import (ACCEPTED, PROGRESS_EVERY, SATISFIED, HashingWriter, RegisterHeader, RegisterRow,
                                WrittenRegister, check_kind, check_row_count, staged_file)

__all__ = ["RegisterHeader", "RegisterRow", "RegisterInvalid", "WrittenRegister", "hardened_parser",
           "register_schema", "validate_register", "write_register_xml"]

NAMESPACE = "urn:auction-desk:registers:1"
PREFIX = "reg"
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "bids_register.xsd"
ROOTS = {ACCEPTED: "AcceptedBidsRegister", SATISFIED: "SatisfiedBidsRegister"}
FORMAT_VERSION = "1"
XML_MIMETYPE = "application/xml"
# Control characters XML 1.0 cannot carry (tab, LF and CR can).
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
PRICE_PLACES, AMOUNT_PLACES = Decimal("0.0001"), Decimal("0.01")
# Distinct prices in a register are few (one per price level); past this many the cache restarts.
PRICE_CACHE_LIMIT = 4_096

HEADER_FIELDS = ("OfferingNumber", "SecurityISIN", "SecurityName", "SellerName", "SellerBIN", "PriceMin",
                 "PriceMax", "Currency", "GeneratedAt", "BidCount")
BID_FIELDS = ("BidNumber", "ParticipantName", "ParticipantBIN", "InvestorIINBIN", "InvestorName",
              "InvestorCategory", "Qualified", "Kind", "Price", "Quantity", "Amount", "SubmittedAt",
              "SettlementCode", "SatisfiedPrice", "SatisfiedQuantity")
PRICE_INDEX, SATISFIED_PRICE_INDEX = BID_FIELDS.index("Price"), BID_FIELDS.index("SatisfiedPrice")


class RegisterInvalid(ValueError):
    """A register file does not match the XSD; the message names the line and the rule."""


def qualified(local_name: str) -> str:
    return f"{{{NAMESPACE}}}{local_name}"


def fixed_places(value: Decimal, places: Decimal) -> str:
    """Plain notation with exactly the register's decimals; a value with more raises."""
    quantised = value.quantize(places)
    if quantised != value:
        raise ValueError(f"{value} has more decimals than {places}")
    return f"{quantised:f}"


def instant(value: datetime) -> str:
    """ISO 8601 in Almaty time with its offset; naive datetimes are refused."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: registers carry aware datetimes only")
    return value.astimezone(ALMATY).isoformat()


def xml_text(value: str) -> str:
    return XML_ILLEGAL.sub("", value)


class _BidTemplates:
    """One reusable <Bid> per row shape (which optional fields are present)."""

    def __init__(self, satisfied: bool):
        self.satisfied = satisfied
        self.shapes: dict[tuple[bool, bool], tuple[etree._Element, list]] = {}
        self.prices: dict[Decimal, str] = {}

    def price(self, value: Decimal) -> str:
        text = self.prices.get(value)
        if text is None:
            if len(self.prices) >= PRICE_CACHE_LIMIT:
                self.prices.clear()
            text = self.prices[value] = fixed_places(value, PRICE_PLACES)
        return text

    def fill(self, row: RegisterRow) -> etree._Element:
        has_price = row.price is not None
        has_satisfied_price = self.satisfied and row.satisfied_price is not None
        element, setters = self._shape(has_price, has_satisfied_price)
        texts = [str(row.bid_number), row.participant_name, row.participant_bin, row.investor_iin_bin,
                 row.investor_name, row.investor_category, "true" if row.qualified else "false", row.kind,
                 self.price(row.price) if has_price else None, str(row.quantity),
                 fixed_places(row.amount, AMOUNT_PLACES), instant(row.submitted_at), row.settlement_code]
        if self.satisfied:
            texts.append(self.price(row.satisfied_price) if has_satisfied_price else None)
            texts.append(None if row.satisfied_quantity is None else str(row.satisfied_quantity))
        for setter, text in zip(setters, texts):
            if setter is not None:
                _set_text(setter, text)
        return element

    def _shape(self, has_price: bool, has_satisfied_price: bool):
        key = (has_price, has_satisfied_price)
        if key not in self.shapes:
            element = etree.Element("Bid")
            setters = []
            for index, name in enumerate(BID_FIELDS if self.satisfied else BID_FIELDS[:SATISFIED_PRICE_INDEX]):
                absent = (index == PRICE_INDEX and not has_price) or (
                    index == SATISFIED_PRICE_INDEX and not has_satisfied_price)
                setters.append(None if absent else etree.SubElement(element, name))
            self.shapes[key] = (element, setters)
        return self.shapes[key]


def _set_text(element: etree._Element, text: str | None) -> None:
    try:
        element.text = text
    except ValueError:  # lxml refuses control characters; they carry no meaning in a name
        element.text = xml_text(text)


def _header_element(header: RegisterHeader) -> etree._Element:
    values = (header.offering_number, header.security_isin, header.security_name, header.seller_name,
              header.seller_bin,
              None if header.price_min is None else fixed_places(header.price_min, PRICE_PLACES),
              None if header.price_max is None else fixed_places(header.price_max, PRICE_PLACES),
              header.currency, instant(header.generated_at), str(header.bid_count))
    element = etree.Element("Header")
    for name, value in zip(HEADER_FIELDS, values):
        if value is not None:
            _set_text(etree.SubElement(element, name), value)
    return element


def write_register_xml(target: str | os.PathLike | BinaryIO, header: RegisterHeader,
                       rows: Iterable[RegisterRow],
                       progress: Callable[[int], None] | None = None) -> WrittenRegister:
    """Stream the register to `target` (a path, or a binary file object); returns the SHA-256
    of the bytes written and the row count. The rows must number header.bid_count. A path
    receives the file only once it is complete; on any error nothing is left behind.
    `progress(rows_done)` is called every PROGRESS_EVERY rows and once at the end."""
    check_kind(header)
    templates = _BidTemplates(satisfied=header.register_kind != ACCEPTED)
    count = 0
    with staged_file(target) as staged, open(staged, "wb") as raw:
        output = HashingWriter(raw)
        with etree.xmlfile(output, encoding="UTF-8") as xf:
            xf.write_declaration()
            root = qualified(ROOTS[header.register_kind])
            with xf.element(root, {"version": FORMAT_VERSION}, nsmap={PREFIX: NAMESPACE}):
                xf.write("\n", _header_element(header), "\n")
                with xf.element("Bids"):
                    xf.write("\n")
                    for count, row in enumerate(rows, start=1):
                        xf.write(templates.fill(row), "\n")
                        if progress is not None and count % PROGRESS_EVERY == 0:
                            progress(count)
                xf.write("\n")
        output.write(b"\n")
        raw.flush()
        check_row_count(header, count)
    if progress is not None:
        progress(count)
    return WrittenRegister(output.hexdigest(), count)


def parser_options() -> dict:
    """Nothing from outside the file: no DTD loading, no entity expansion, no network, and
    libxml2's limits on depth and text size stay on."""
    return {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}


def hardened_parser() -> etree.XMLParser:
    """For whole (small) documents: signatures, manifests. A DOCTYPE is still parsed, so
    callers refuse it with refuse_doctype()."""
    return etree.XMLParser(dtd_validation=False, remove_pis=True, **parser_options())


_schema: etree.XMLSchema | None = None


def register_schema() -> etree.XMLSchema:
    global _schema
    if _schema is None:
        _schema = etree.XMLSchema(etree.parse(str(SCHEMA_PATH), hardened_parser()))
    return _schema


def validate_register(path: str | os.PathLike | BinaryIO) -> int:
    """Validate a register file against the XSD while streaming it (libxml2 validates during
    the parse; each bid is dropped once read). Returns the number of bids; raises
    RegisterInvalid with the first error. A DOCTYPE is refused."""
    if isinstance(path, (str, os.PathLike)):
        with open(path, "rb") as handle:
            return validate_register(handle)
    bids = 0
    try:
        events = etree.iterparse(path, events=("end",), tag="Bid", schema=register_schema(),
                                 remove_comments=True, remove_pis=True, **parser_options())
        for _, element in events:
            if bids == 0:
                refuse_doctype(element)
            bids += 1
            drop_parsed(element)
        refuse_doctype(events.root)
    except etree.XMLSyntaxError as error:
        raise RegisterInvalid(f"line {error.lineno}: {error.msg}") from error
    return bids


def refuse_doctype(element: etree._Element) -> None:
    """Registers never need a DTD; one is refused whatever it declares (entities included)."""
    info = element.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise RegisterInvalid("a DOCTYPE is not allowed in a register")


def drop_parsed(element: etree._Element) -> None:
    """Free a parsed bid and the siblings before it: memory stays flat however long the file."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]
