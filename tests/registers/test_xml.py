"""The XML registers: schema-valid for both kinds, exact values, atomic files, flat memory."""
import hashlib
import subprocess
import sys
import tracemalloc
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from lxml import etree

from app.registers import xml
from app.registers.rows import RowCountMismatch
from app.registers.xml import (NAMESPACE, RegisterInvalid, register_schema, validate_register,
                               write_register_xml)
from tests.registers.conftest import register_header, register_row, register_rows

ROOT = Path(__file__).resolve().parent.parent.parent


def written(tmp_path, kind="accepted", count=6, name="register.xml") -> Path:
    path = tmp_path / name
    write_register_xml(path, register_header(kind, count), register_rows(count, kind))
    return path


def bids(path: Path) -> list[etree._Element]:
    return etree.parse(str(path)).getroot().find("Bids").findall("Bid")


@pytest.mark.parametrize("kind", ["accepted", "satisfied"])
def test_both_kinds_are_valid_against_the_xsd(tmp_path, kind):
    path = written(tmp_path, kind)
    document = etree.parse(str(path))

    register_schema().assertValid(document)
    assert validate_register(path) == 6
    assert document.getroot().tag == f"{{{NAMESPACE}}}{kind.capitalize()}BidsRegister"


def test_accepted_register_leaves_the_satisfied_fields_out(tmp_path):
    for bid in bids(written(tmp_path, "accepted")):
        assert bid.find("SatisfiedPrice") is None and bid.find("SatisfiedQuantity") is None


def test_values_are_written_exactly(tmp_path):
    first, market, refused = (bids(written(tmp_path, "satisfied"))[index] for index in (0, 3, 4))

    assert [child.tag for child in first] == list(xml.BID_FIELDS)
    assert first.findtext("Price") == "99.1250" and first.findtext("Amount") == "1000.50"
    assert first.findtext("SubmittedAt") == "2026-11-23T08:00:01.250000+05:00"  # Almaty, with its offset
    assert first.findtext("ParticipantBIN") == "000000000001" and first.findtext("Qualified") == "false"
    assert (first.findtext("SatisfiedPrice"), first.findtext("SatisfiedQuantity")) == ("98.5000", "5")
    assert market.findtext("Kind") == "market" and market.find("Price") is None
    assert refused.find("SatisfiedPrice") is None and refused.findtext("SatisfiedQuantity") == "0"


def test_header_carries_the_offering(tmp_path):
    header = etree.parse(str(written(tmp_path))).getroot().find("Header")

    assert header.findtext("SecurityName") == "Bonds & <Notes> \"A\""
    assert header.findtext("GeneratedAt") == "2026-11-26T11:30:00+05:00"
    assert (header.findtext("PriceMin"), header.findtext("BidCount")) == ("95.0000", "6")


def test_digest_and_count_describe_the_file(tmp_path):
    path = tmp_path / "register.xml"
    result = write_register_xml(path, register_header(count=4), register_rows(4))

    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert result.row_count == 4


def test_a_binary_file_object_receives_the_same_bytes(tmp_path):
    buffer = BytesIO()
    result = write_register_xml(buffer, register_header(count=4), register_rows(4))

    assert buffer.getvalue() == written(tmp_path, count=4).read_bytes()
    assert result.sha256 == hashlib.sha256(buffer.getvalue()).hexdigest()
    assert list(tmp_path.iterdir()) == [tmp_path / "register.xml"]


def test_control_characters_in_names_are_dropped(tmp_path):
    path = tmp_path / "register.xml"
    rows = [register_row(1, investor_name="Ivanov\x00 I.\x1b", participant_name="Tab\tand\nline")]
    write_register_xml(path, register_header(count=1), rows)

    bid = bids(path)[0]
    assert bid.findtext("InvestorName") == "Ivanov I."
    assert bid.findtext("ParticipantName") == "Tab\tand\nline"
    assert validate_register(path) == 1


def test_progress_is_reported_every_n_rows_and_at_the_end(tmp_path, monkeypatch):
    monkeypatch.setattr(xml, "PROGRESS_EVERY", 2)
    seen = []
    write_register_xml(tmp_path / "r.xml", register_header(count=5), register_rows(5), progress=seen.append)

    assert seen == [2, 4, 5]


def failing_rows():
    yield register_row(1)
    raise RuntimeError("database went away")


@pytest.mark.parametrize(("rows", "count", "error"), [
    (lambda: register_rows(2), 3, RowCountMismatch),
    (failing_rows, 2, RuntimeError),
    (lambda: [register_row(1, price=Decimal("99.12345"))], 1, ValueError),
    (lambda: [register_row(1, submitted_at=datetime(2026, 11, 23, 9))], 1, ValueError),
])
def test_a_failed_write_leaves_the_previous_file_and_no_temporary(tmp_path, rows, count, error):
    path = tmp_path / "register.xml"
    path.write_bytes(b"previous version")

    with pytest.raises(error):
        write_register_xml(path, register_header(count=count), rows())

    assert path.read_bytes() == b"previous version"
    assert list(tmp_path.iterdir()) == [path]


def test_an_unknown_kind_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown register kind"):
        write_register_xml(tmp_path / "r.xml", register_header("summary", 0), [])


def edit(path: Path, old: str, new: str, count: int = 1) -> Path:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, count))
    return path


@pytest.mark.parametrize(("kind", "old", "new", "rule"), [
    ("accepted", "<SecurityISIN>KZ2C00012345<", "<SecurityISIN>KZ2C0001234<", "SecurityISIN"),
    ("accepted", "<SellerBIN>012345678901<", "<SellerBIN>01234567890<", "SellerBIN"),
    ("accepted", "<InvestorIINBIN>800101300001<", "<InvestorIINBIN>80010130000A<", "InvestorIINBIN"),
    ("accepted", "<Price>99.1250<", "<Price>99.12501<", "Price"),
    ("accepted", "<Amount>1000.50<", "<Amount>1000.505<", "Amount"),
    ("accepted", "<Amount>1000.50<", "<Amount>-1000.50<", "Amount"),
    ("accepted", "+05:00</SubmittedAt>", "</SubmittedAt>", "SubmittedAt"),
    ("accepted", "<SettlementCode>T0<", "<SettlementCode>Y2<", "SettlementCode"),
    ("accepted", "<Kind>limit<", "<Kind>stop<", "Kind"),
    ("accepted", "<InvestorCategory>individual<", "<InvestorCategory>alien<", "InvestorCategory"),
    ("accepted", "<Currency>KZT<", "<Currency>USD<", "Currency"),
    ("accepted", "</SettlementCode></Bid>", "</SettlementCode><SatisfiedQuantity>3</SatisfiedQuantity></Bid>",
     "SatisfiedQuantity"),
    ("satisfied", "<SatisfiedQuantity>5</SatisfiedQuantity>", "", "Bid"),
    ("satisfied", "<SatisfiedQuantity>5<", "<SatisfiedQuantity>-5<", "SatisfiedQuantity"),
    ("satisfied", "<Kind>limit</Kind>", "<Kind>limit</Kind><Comment>x</Comment>", "Comment"),
    ("accepted", 'version="1"', 'version="2"', "version"),
])
def test_validation_refuses_what_the_schema_forbids(tmp_path, kind, old, new, rule):
    path = edit(written(tmp_path, kind), old, new)

    with pytest.raises(RegisterInvalid, match=rule):
        validate_register(path)


def test_validation_refuses_a_doctype(tmp_path):
    path = edit(written(tmp_path), "<reg:AcceptedBidsRegister", "<!DOCTYPE x []><reg:AcceptedBidsRegister")

    with pytest.raises(RegisterInvalid, match="DOCTYPE"):
        validate_register(path)


def test_validation_reads_a_file_object(tmp_path):
    assert validate_register(BytesIO(written(tmp_path).read_bytes())) == 6


def test_a_20000_row_write_keeps_python_memory_flat(tmp_path):
    """The rows stream through: nothing grows with their number."""
    tracemalloc.start()
    try:
        write_register_xml(tmp_path / "r.xml", register_header(count=20_000), register_rows(20_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024
    assert (tmp_path / "r.xml").stat().st_size > 9 * 1024 * 1024


MEMORY_PROBE = """
import resource, sys
sys.path.insert(0, {root!r})
from app.registers.xml import validate_register, write_register_xml
from tests.registers.conftest import register_header, register_rows
path = sys.argv[1]
write_register_xml(path, register_header(count=100), register_rows(100))
validate_register(path)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
write_register_xml(path, register_header(count=20_000), register_rows(20_000))
assert validate_register(path) == 20_000
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


def test_writing_and_validating_20000_rows_grows_the_process_by_a_few_mb(tmp_path):
    """Whole-tree parsing of this 9 MB file would take some 60 MB of libxml2 nodes."""
    probe = subprocess.run([sys.executable, "-c", MEMORY_PROBE.format(root=str(ROOT)), str(tmp_path / "r.xml")],
                           capture_output=True, text=True, check=True, cwd=ROOT)
    assert int(probe.stdout.strip()) < 10
