"""Registers: the XML and XLSX register writers against raw lxml / openpyxl loops, a million rows.

    python bench/registers.py [--rows 1000000] [--runs 1] [--keep DIR]

Each writer runs in a fresh subprocess (after `sync`, so no run pays for another's dirty pages)
over the same deterministic RegisterRows, generated lazily inside it (generation is part of
every timing alike). The raw loops write the same bytes the way one would without our writers —
new elements / styled cells per row, straight to the final path, no hash, no fsync, no rename —
and the run checks that they did (identical XML file, identical Register sheet). Memory is each
subprocess's own peak RSS (resource.getrusage(RUSAGE_SELF).ru_maxrss, read at its end),
interpreter and app imports included; peak_mb is the larger of our two writers'. One more
subprocess streams the XML through validate_register() to show its time and memory.
With --runs 2 each pair runs twice, the second time in the other order; the best run counts.
Ends with the line `xml_ratio=<r> xlsx_ratio=<r> peak_mb=<m>`.
"""
import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CATEGORIES = ("bank", "broker_dealer", "pension_fund", "other_institutional", "other_legal", "individual")
SETTLEMENT_CODES = ("T0", "Y0", "Z0", "B0")
PARTICIPANTS = 300
STARTED_AT = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 09:00 Almaty


def make_header(count: int):
    from app.registers.rows import RegisterHeader

    return RegisterHeader(register_kind="accepted", offering_number="SUB-2026-0001", security_isin="KZ2C00012345",
                          security_name="People's IPO bonds", seller_name="Seller Securities JSC",
                          seller_bin="123456789012", price_min=Decimal("95.0000"), price_max=Decimal("100.0000"),
                          currency="KZT", generated_at=STARTED_AT + timedelta(days=3), bid_count=count)


def make_rows(count: int):
    """Deterministic bids: 300 participants, prices on a 0.0001 grid in 95–100 (a fresh
    Decimal per row, as from a database), 5 % market bids, one bid per second."""
    from app.registers.rows import RegisterRow

    for number in range(1, count + 1):
        market = number % 20 == 0
        participant = number % PARTICIPANTS
        quantity = number * 7919 % 10_000 + 1
        price = None if market else Decimal(950_000 + number * 104_729 % 50_001).scaleb(-4)
        amount = Decimal(quantity * (price or Decimal(100)) * 1000).quantize(Decimal("0.01"))
        yield RegisterRow(bid_number=number, participant_name=f"Broker {participant} JSC",
                          participant_bin=f"{100000000000 + participant}", investor_iin_bin=f"{800101300000 + number}",
                          investor_name=f"Investor {number}", investor_category=CATEGORIES[number % 6],
                          qualified=number % 3 == 0, kind="market" if market else "limit", price=price,
                          quantity=quantity, amount=amount, submitted_at=STARTED_AT + timedelta(seconds=number),
                          settlement_code=SETTLEMENT_CODES[number % 4])


# --- raw loops -------------------------------------------------------------------------------------------

def raw_xml(path: Path, header, rows) -> None:
    from lxml import etree

    from app.domain.calendar import ALMATY
    from app.registers.xml import NAMESPACE, PREFIX, _header_element

    with etree.xmlfile(str(path), encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{NAMESPACE}}}AcceptedBidsRegister", {"version": "1"}, nsmap={PREFIX: NAMESPACE}):
            xf.write("\n", _header_element(header), "\n")
            with xf.element("Bids"):
                xf.write("\n")
                for row in rows:
                    bid = etree.Element("Bid")
                    etree.SubElement(bid, "BidNumber").text = str(row.bid_number)
                    etree.SubElement(bid, "ParticipantName").text = row.participant_name
                    etree.SubElement(bid, "ParticipantBIN").text = row.participant_bin
                    etree.SubElement(bid, "InvestorIINBIN").text = row.investor_iin_bin
                    etree.SubElement(bid, "InvestorName").text = row.investor_name
                    etree.SubElement(bid, "InvestorCategory").text = row.investor_category
                    etree.SubElement(bid, "Qualified").text = "true" if row.qualified else "false"
                    etree.SubElement(bid, "Kind").text = row.kind
                    if row.price is not None:
                        etree.SubElement(bid, "Price").text = f"{row.price:f}"
                    etree.SubElement(bid, "Quantity").text = str(row.quantity)
                    etree.SubElement(bid, "Amount").text = f"{row.amount:f}"
                    etree.SubElement(bid, "SubmittedAt").text = row.submitted_at.astimezone(ALMATY).isoformat()
                    etree.SubElement(bid, "SettlementCode").text = row.settlement_code
                    xf.write(bid, "\n")
            xf.write("\n")
    with open(path, "ab") as handle:
        handle.write(b"\n")


def raw_xlsx(path: Path, header, rows) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from app.domain.calendar import ALMATY
    from app.registers.xlsx import DATETIME_FORMAT
    from app.registers.xlsx_register import AMOUNT_FORMAT, COLUMNS, PRICE_FORMAT

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Register")
    for index, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    titles = []
    for title, _ in COLUMNS:
        cell = WriteOnlyCell(sheet, title)
        cell.font = Font(bold=True)
        titles.append(cell)
    sheet.append(titles)

    def styled(value, number_format):
        if value is None:
            return None
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = number_format
        return cell

    for row in rows:
        sheet.append([row.bid_number, row.participant_name, row.participant_bin, row.investor_iin_bin,
                      row.investor_name, row.investor_category, row.qualified, row.kind,
                      styled(row.price, PRICE_FORMAT), row.quantity, styled(row.amount, AMOUNT_FORMAT),
                      styled(row.submitted_at.astimezone(ALMATY).replace(tzinfo=None), DATETIME_FORMAT),
                      row.settlement_code, None, None])
    workbook.save(str(path))


# --- one writer per subprocess ------------------------------------------------------------------------

def child(kind: str, rows: int, path: Path) -> dict:
    header, started = make_header(rows), time.perf_counter()
    if kind == "xml":
        from app.registers.xml import write_register_xml
        write_register_xml(path, header, make_rows(rows))
    elif kind == "xml_raw":
        raw_xml(path, header, make_rows(rows))
    elif kind == "xlsx":
        from app.registers.xlsx_register import write_register_xlsx
        write_register_xlsx(path, header, make_rows(rows))
    elif kind == "xlsx_raw":
        raw_xlsx(path, header, make_rows(rows))
    elif kind == "validate":
        from app.registers.xml import validate_register
        assert validate_register(path) == rows
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # What the run compares, taken once the clock and the memory reading have stopped.
    fingerprint = hashlib.sha256(register_sheet(path)).hexdigest() if kind.startswith("xlsx") else file_sha256(path)
    return {"seconds": seconds, "peak_mb": peak_mb, "sha256": fingerprint, "mb": path.stat().st_size / 2**20}


def run_child(kind: str, rows: int, path: Path) -> dict:
    os.sync()  # each writer starts with no earlier run's dirty pages left to flush
    output = subprocess.run([sys.executable, __file__, "--child", kind, "--rows", str(rows), "--out", str(path)],
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output.splitlines()[-1])


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def register_sheet(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def compare(pair: tuple[str, str], rows: int, folder: Path, runs: int, keep: bool) -> dict:
    """Best of `runs` for a raw loop and its writer, alternating which goes first."""
    results: dict[str, list] = {kind: [] for kind in pair}
    for round_number in range(runs):
        for kind in pair if round_number % 2 == 0 else reversed(pair):
            path = folder / f"register-{kind}.{kind.split('_')[0]}"
            results[kind].append(run_child(kind, rows, path))
            if kind == "xml" and round_number == 0:
                results["validate"] = [run_child("validate", rows, path)]
            if not keep:
                path.unlink()
    best = {}
    for kind, runs_of_kind in results.items():
        fastest = min(runs_of_kind, key=lambda result: result["seconds"])
        best[kind] = {**fastest, "peak_mb": max(result["peak_mb"] for result in runs_of_kind)}
        print(f"{kind:9} {best[kind]['seconds']:8.2f} s  peak {best[kind]['peak_mb']:6.1f} MB  "
              f"file {best[kind]['mb']:8.1f} MB", flush=True)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="write the files into this folder and keep them")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.rows, args.out)))
        return
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        timings = {**compare(("xml_raw", "xml"), args.rows, folder, args.runs, bool(args.keep)),
                   **compare(("xlsx_raw", "xlsx"), args.rows, folder, args.runs, bool(args.keep))}
    same_xml = timings["xml"]["sha256"] == timings["xml_raw"]["sha256"]
    same_sheet = timings["xlsx"]["sha256"] == timings["xlsx_raw"]["sha256"]
    print(f"rows={args.rows} identical_xml={same_xml} identical_register_sheet={same_sheet}")
    if not (same_xml and same_sheet):
        raise SystemExit("the raw loops must write what the writers write")
    xml_ratio = timings["xml"]["seconds"] / timings["xml_raw"]["seconds"]
    xlsx_ratio = timings["xlsx"]["seconds"] / timings["xlsx_raw"]["seconds"]
    peak = max(timings["xml"]["peak_mb"], timings["xlsx"]["peak_mb"])
    print(f"xml_ratio={xml_ratio:.2f} xlsx_ratio={xlsx_ratio:.2f} peak_mb={peak:.2f}")


if __name__ == "__main__":
    main()
