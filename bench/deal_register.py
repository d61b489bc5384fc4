"""Deal register PDF: `documents.deal_register_pdf()` of a big auction, against a floor.

    python bench/deal_register.py [--deals 2000] [--runs 3]

Sets up a fresh SQLite file with the explorer benchmark's closed GKO placement, N bids and one
settled deal per bid (50 primary dealers, a client name and IIN on every third). Times, best of
R, in one process with a fresh session each time: **WeasyPrint** laying out the same rows as a
plain HTML table with the print CSS (how the register was drawn before 2026-12-07; no template
logic) — and the **register**, the whole call the desk makes (read the deals, format them, lay
out, write the PDF), and saves the last PDF beside the database for a look.
Ends with `pdf_seconds=<t> weasyprint_seconds=<f> ratio=<r> pages=<n> deals=<n>`.
"""
import argparse
import re
import random
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, update  # noqa: E402

from explorer import OPENED, config, set_up  # noqa: E402

from app import create_app  # noqa: E402
from app.registers import auction_documents as documents  # noqa: E402
from app.auctions.models import Auction, Bid, Deal  # noqa: E402
from app.extensions import db  # noqa: E402
from app.registers.pdf import render_pdf  # noqa: E402


def add_deals(url: str, auction_id: int, seed: int) -> None:
    rng = random.Random(seed)
    with create_app(config(url)).app_context():
        session = db.session
        session.execute(update(Auction).where(Auction.id == auction_id).values(
            status="settled", cutoff_price=Decimal("97.0000")))
        bids = session.execute(select(Bid.id, Bid.organisation_id, Bid.quantity, Bid.price)
                               .where(Bid.auction_id == auction_id).order_by(Bid.id)).all()
        for bid_id, _org, _quantity, _price in bids[::3]:
            session.execute(update(Bid).where(Bid.id == bid_id).values(
                client_name=f"Клиент {bid_id} ТОО «Қазақ инвест»", client_iin=f"{900101300000 + bid_id}"))
        rows = [{"number": f"GKO-BENCH-1-D{n:05d}", "auction_id": auction_id, "bid_id": bid_id,
                 "organisation_id": organisation_id, "quantity": quantity,
                 "price": price or Decimal("97.0000"), "yield_pct": Decimal(rng.randint(30_000, 40_000)).scaleb(-4),
                 "accrued_interest": Decimal(0), "amount": ((price or Decimal("97.0000")) * 10 * quantity).quantize(Decimal("0.01")),
                 "settlement_date": date(2027, 3, 10), "status": "settled", "created_at": OPENED}
                for n, (bid_id, organisation_id, quantity, price) in enumerate(bids, start=1)]
        session.execute(insert(Deal), rows)
        session.commit()


def register(auction_id: int) -> bytes:
    return documents.deal_register_pdf(db.session, db.session.get(Auction, auction_id))


def floor(auction_id: int) -> bytes:
    rows = db.session.execute(select(Deal.number, Deal.quantity, Deal.price, Deal.amount)
                              .where(Deal.auction_id == auction_id).order_by(Deal.number)).all()
    body = "".join(f"<tr><td>{row[0]}</td><td>Bench dealer</td><td></td><td></td><td>{row[1]}</td><td>{row[2]}</td>"
                   f"<td></td><td>{row[3]}</td><td>settled</td></tr>" for row in rows)
    return render_pdf("<!doctype html><html><body><table><tbody>" + body + "</tbody></table></body></html>")


def timed(call, auction_id: int) -> tuple[float, bytes]:
    db.session.remove()
    began = time.perf_counter()
    pdf = call(auction_id)
    return time.perf_counter() - began, pdf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()
    url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-deals-')}/bench.db"
    auction_id = set_up(url, args.deals, args.seed)
    add_deals(url, auction_id, args.seed)
    app = create_app(config(url))
    with app.test_request_context("/", headers={"Accept-Language": "ru"}):
        floors, registers = [], []
        for run in range(args.runs):
            floors.append(timed(floor, auction_id)[0])
            seconds, pdf = timed(register, auction_id)
            registers.append(seconds)
            print(f"run {run + 1}: weasyprint {floors[-1]:.3f} s, register {seconds:.3f} s", flush=True)
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    saved = Path(url.removeprefix("sqlite:///")).with_name("deal-register.pdf")
    saved.write_bytes(pdf)
    print(f"saved={saved}")
    best, base = min(registers), min(floors)
    print(f"pdf_seconds={best:.3f} weasyprint_seconds={base:.3f} ratio={best / base:.2f} pages={pages} deals={args.deals}")


if __name__ == "__main__":
    main()
