"""In-process cost of one SMS-signed cabinet order, step by step, without HTTP or gunicorn.

    python bench/cabinet_profile.py [--cycles 40] [--database-url URL] [--profile place|code|confirm|all]

The set-up of bench/cabinet.py (the desk's market open, a share, clients with KZT), then N
cycles through the app's test client: `POST /api/v1/cabinet/orders`, `.../documents/<id>/code`,
`.../confirm`. Prints per step the mean and p50 milliseconds of CPU and wall time and the SQL
statements per request (a `before_cursor_execute` counter), and the same for `GET /api/v1/me`.
Without --database-url it uses a throwaway SQLite file. `--profile` prints the cProfile top
functions (cumulative) of that step.
"""
import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.clock.services import set_sandbox_time  # noqa: E402
from app.extensions import db  # noqa: E402
from app.secondary.engine.day import LoadBalance, OpenDay  # noqa: E402
from app.secondary.trading import services as market  # noqa: E402
from bench.bids import app_config  # noqa: E402
from bench.cabinet import (ACCOUNT, DAY, LOWEST, SHARE, STEP, almaty, firm_and_share, iins,  # noqa: E402
                           make_client)

STEPS = ("place", "code", "confirm", "me")


def set_up(app, count: int):
    with app.app_context():
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            db.create_all()
        else:
            upgrade()
        session = db.session
        set_sandbox_time(session, almaty(DAY, 12), frozen=True, user_id=None)
        firm, office, share = firm_and_share(session)
        session.commit()
        market.execute(session, OpenDay(DAY, almaty(DAY, 11), almaty(DAY, 17)))
        market.execute(session, LoadBalance(ACCOUNT, "KZT", "1000000000000"))
        people = iins(count, 1)
        clients = [make_client(session, firm, office, number, people[number]) for number in range(count)]
        session.commit()
        db.engine.dispose()
    return clients


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=40)
    parser.add_argument("--database-url")
    parser.add_argument("--profile", choices=[*STEPS, "all"])
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--sql", action="store_true", help="print the statements of the last cycle")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="cabinet-profile-")
    url = args.database_url or f"sqlite:///{folder}/desk.db"
    app = create_app(app_config(url))
    clients = set_up(app, max(2, args.cycles // 8 + 2))
    counted = {"n": 0}
    with app.app_context():
        def count(_connection, _cursor, statement, *_rest):
            counted["n"] += 1
            counted.setdefault("sql", []).append(" ".join(statement.split())[:160])
        event.listen(db.engine, "before_cursor_execute", count)
    client = app.test_client()
    times = {step: [] for step in STEPS}
    statements = {step: [] for step in STEPS}
    profiler = cProfile.Profile()
    price = LOWEST
    number_box = [0]

    def call(step, method, path, who, body=None):
        headers = {"Authorization": f"Bearer {who.token}"}
        counted["n"], counted["sql"] = 0, []
        profiling = args.profile in (step, "all")
        cpu, wall = time.process_time(), time.perf_counter()
        if profiling:
            profiler.enable()
        answer = client.open(path, method=method, headers=headers, json=body)
        if profiling:
            profiler.disable()
        times[step].append((time.process_time() - cpu, time.perf_counter() - wall))
        statements[step].append(counted["n"])
        if args.sql and number_box[0] == args.cycles + 2:
            print(f"--- {step}", *counted["sql"], sep="\n")
        if answer.status_code >= 300:
            sys.exit(f"{step}: {answer.status_code} {answer.get_data(as_text=True)[:500]}")
        return answer.get_json()

    outbox = select(text("body")).select_from(text("outbox_messages"))
    for number in range(args.cycles + 3):
        if number == 3:      # the first cycles warm caches and imports
            for step in STEPS:
                times[step].clear()
                statements[step].clear()
        number_box[0] = number
        who = clients[number % len(clients)]
        price += STEP
        placed = call("place", "POST", "/api/v1/cabinet/orders", who,
                      {"venue": "kase", "code": SHARE, "side": "buy", "type": "limit", "price": f"{price:.2f}",
                       "lots": 1})
        document = placed["document_id"]
        call("code", "POST", f"/api/v1/cabinet/documents/{document}/code", who)
        with app.app_context():
            body = db.session.execute(outbox.where(text("user_id = :u")).order_by(text("id DESC")).limit(1),
                                      {"u": who.user_id}).scalar()
            db.session.remove()
        call("confirm", "POST", f"/api/v1/cabinet/documents/{document}/confirm", who, {"code": body[-6:]})
        call("me", "GET", "/api/v1/me", who)
    total = 0.0
    for step in STEPS:
        cpu = [c * 1000 for c, _w in times[step]]
        wall = [w * 1000 for _c, w in times[step]]
        if step != "me":
            total += statistics.mean(cpu)
        print(f"{step:8s} cpu mean {statistics.mean(cpu):6.1f} ms p50 {statistics.median(cpu):6.1f}  "
              f"wall p50 {statistics.median(wall):6.1f} ms  statements {statistics.mean(statements[step]):5.1f}")
    print(f"cycle cpu mean {total:.1f} ms; statements per cycle "
          f"{sum(statistics.mean(statements[s]) for s in STEPS[:3]):.1f}  ({'PostgreSQL' if args.database_url else 'SQLite'})")
    if args.profile:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
