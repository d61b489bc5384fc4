"""Audit chain: how fast rows are appended (one transaction per state change, as in requests)
and how fast `flask audit verify` walks the chain.

    python bench/audit_chain.py [--rows 5000] [--database-url URL]

Without --database-url it uses a fresh SQLite file in a temporary directory.
Prints one line: `append_per_second=<n> verify_rows_per_second=<n> rows=<n>`.
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.audit.services import record, verify_chain  # noqa: E402
from app.extensions import db  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" * 8})
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            for number in range(args.rows):
                record(db.session, "bench.changed", "bench", number, {"value": number}, {"value": number + 1})
                db.session.commit()
            append_seconds = time.perf_counter() - started
            started = time.perf_counter()
            report = verify_chain(db.session)
            verify_seconds = time.perf_counter() - started
            assert report.intact, report
            print(f"append_per_second={args.rows / append_seconds:.0f} "
                  f"verify_rows_per_second={report.checked / verify_seconds:.0f} rows={report.checked}")


if __name__ == "__main__":
    main()
