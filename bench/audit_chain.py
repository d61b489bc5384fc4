"""Audit chain: how fast rows are appended (one transaction per state change, as in requests)
and how fast `flask audit verify` walks the chains.

    python bench/audit_chain.py [--rows 5000] [--writers 1] [--shared-stream] [--hold-ms 0] [--database-url URL]

Each writer is a thread with its own session that appends its share of the rows, committing each;
writers append to a stream each (as two firms' bids do) unless --shared-stream puts them all on
one head (as the single-chain trail did). --hold-ms keeps each transaction open that long after
its append, as a request does while it finishes its work: a shared head makes writers queue for
it. Without --database-url it uses a fresh SQLite file in a
temporary directory. Prints one line: `append_per_second=<n> verify_rows_per_second=<n> rows=<n>`.
"""
import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.audit.services import record, verify_chain  # noqa: E402
from app.extensions import db  # noqa: E402


def append(app, rows: int, stream: str, hold_seconds: float) -> None:
    with app.app_context():
        for number in range(rows):
            record(db.session, "bench.changed", "bench", number, {"value": number}, {"value": number + 1},
                   stream=stream)
            if hold_seconds:
                time.sleep(hold_seconds)
            db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--writers", type=int, default=1)
    parser.add_argument("--shared-stream", action="store_true")
    parser.add_argument("--hold-ms", type=float, default=0)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" * 8})
        with app.app_context():
            upgrade()
        share = args.rows // args.writers
        streams = ["bench" if args.shared_stream else f"bench:{n}" for n in range(args.writers)]
        writers = [threading.Thread(target=append, args=(app, share, stream, args.hold_ms / 1000))
                   for stream in streams]
        started = time.perf_counter()
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()
        append_seconds = time.perf_counter() - started
        with app.app_context():
            started = time.perf_counter()
            report = verify_chain(db.session)
            verify_seconds = time.perf_counter() - started
            assert report.intact, report
            print(f"append_per_second={share * args.writers / append_seconds:.0f} "
                  f"verify_rows_per_second={report.checked / verify_seconds:.0f} rows={report.checked}")


if __name__ == "__main__":
    main()
