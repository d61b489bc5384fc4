"""What-if explorer: `results.explore()` on a big closed auction against a floor of reading its bids.

    python bench/explorer.py [--bids 200000] [--database-url URL] [--runs 3]

Sets up a throwaway database (a fresh SQLite file unless --database-url names one, e.g. a
`scripts/pg_throwaway.sh` cluster) with one closed GKO placement (a MEKKAM discount bill,
multiple pricing, declared 1/2 of the demand) and N active bids inserted in bulk: 50 primary
dealers, prices on a 0.0001 grid in 97.0000–97.5000 (≤ 5,001 levels), quantities 1–10,000,
~5 % market bids. The floor is a Core select of the limit bids' three columns (price,
quantity, participant), a Python sort by price and one cumulative pass; `explore()` is the
whole service call (read, yields, money, every scenario). Both run in turn, best of R, in one
process with a fresh session each time. Peak RSS is that of a subprocess that runs `explore()`
once (getrusage at its end, interpreter and app imports included).
Ends with `explore_seconds=<t> floor_seconds=<f> ratio=<r> peak_mb=<m> bids=<n>`.
"""
import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from operator import itemgetter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from app import create_app  # noqa: E402
from app.auctions import results  # noqa: E402
from app.auctions.models import Auction, Bid  # noqa: E402
from app.auth.roles import OrganisationKind, Role  # noqa: E402
from app.auth.services import create_organisation, create_user  # noqa: E402
from app.extensions import db  # noqa: E402

DEALERS = 50
OPENED = datetime(2027, 3, 10, 3, 0, tzinfo=UTC)  # 09:00 Almaty
BATCH = 10_000


def config(url: str) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" * 8}


def set_up(url: str, count: int, seed: int) -> int:
    app = create_app(config(url))
    with app.app_context():
        upgrade()
        session, now = db.session, datetime.now(UTC)
        minfin = create_organisation(session, "Bench Ministry", OrganisationKind.MINFIN, now)
        user = create_user(session, "bench.minfin", "Bench", Role.MINFIN, minfin, "Bench-password-2026!", now)
        dealers = [create_organisation(session, f"Bench dealer {n}", OrganisationKind.MEMBER_FIRM, now,
                                       is_primary_dealer=True) for n in range(DEALERS)]
        session.flush()
        auction = Auction(
            number="GKO-BENCH-1", column="gko", kind="placement", status="closed", initiator_id=minfin.id,
            filed_by_id=user.id, security_type="mekkam", security_name="MEKKAM-12 bench", isin="KZK100000019",
            exchange_code="MKM012_BENCH", face_value=Decimal(1000), issue_date=date(2027, 3, 10),
            maturity_date=date(2028, 3, 10), time_base="act_act", coupon_dates=[], trade_date=date(2027, 3, 10),
            declared_quantity=count * 5_000 // 2, trade_subject="price", market_share_percent=Decimal(30),
            submission_method="closed", pricing="multiple", bids_open_at=OPENED,
            bids_close_at=OPENED + timedelta(hours=3), confirm_until=OPENED + timedelta(hours=3, minutes=30),
            decision_at=OPENED + timedelta(hours=6), settlement_scheme="T0", payment_date=date(2027, 3, 10),
            filed_at=OPENED - timedelta(days=9), closed_at=OPENED + timedelta(hours=3, minutes=30))
        session.add(auction)
        session.flush()
        rng = random.Random(seed)
        rows = [bid_row(auction.id, dealers[n % DEALERS].id, user.id, n, rng) for n in range(count)]
        for first in range(0, count, BATCH):
            session.execute(insert(Bid), rows[first:first + BATCH])
        session.commit()
        return auction.id


def bid_row(auction_id: int, organisation_id: int, user_id: int, number: int, rng: random.Random) -> dict:
    market = rng.random() < 0.05
    at = OPENED + timedelta(microseconds=number * 50_000)
    return {"auction_id": auction_id, "organisation_id": organisation_id, "submitted_by_id": user_id,
            "idempotency_key": f"bench-{number}", "kind": "market" if market else "limit",
            "price": None if market else Decimal(970_000 + rng.randint(0, 5_000)).scaleb(-4),
            "quantity": rng.randint(1, 10_000), "investor_type": "bank", "confirmation": "not_required",
            "status": "active", "created_at": at, "updated_at": at, "priority_at": at}


def floor(auction_id: int) -> int:
    rows = db.session.execute(select(Bid.price, Bid.quantity, Bid.organisation_id)
                              .where(Bid.auction_id == auction_id, Bid.kind == "limit")).all()
    rows.sort(key=itemgetter(0), reverse=True)
    return list(accumulate(row[1] for row in rows))[-1]


def explore(auction_id: int) -> int:
    auction = db.session.get(Auction, auction_id)
    return len(results.explore(auction, auction.declared_quantity, Decimal(100)))


def timed(call, auction_id: int) -> float:
    db.session.remove()
    began = time.perf_counter()
    call(auction_id)
    return time.perf_counter() - began


def child(url: str, auction_id: int) -> None:
    with create_app(config(url)).app_context():
        levels = explore(auction_id)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"levels={levels} peak_mb={peak_kb / 1024:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=200_000)
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.database_url, args.child)
    folder = tempfile.mkdtemp(prefix="bench-explorer-")
    url = args.database_url or f"sqlite:///{folder}/bench.db"
    auction_id = set_up(url, args.bids, args.seed)
    print(f"database={url.split(':')[0]} bids={args.bids}", flush=True)
    with create_app(config(url)).app_context():
        floors, explores = [], []
        for run in range(args.runs):
            floors.append(timed(floor, auction_id))
            explores.append(timed(explore, auction_id))
            print(f"run {run + 1}: floor {floors[-1]:.3f} s, explore {explores[-1]:.3f} s", flush=True)
        db.engine.dispose()
    out = subprocess.run([sys.executable, __file__, "--database-url", url, "--child", str(auction_id)],
                         check=True, capture_output=True, text=True).stdout.split()
    measured = dict(item.split("=") for item in out)
    best, base = min(explores), min(floors)
    print(f"levels={measured['levels']}")
    print(f"explore_seconds={best:.3f} floor_seconds={base:.3f} ratio={best / base:.2f} "
          f"peak_mb={measured['peak_mb']} bids={args.bids}")


if __name__ == "__main__":
    main()
