"""A large accepted bids register is built by the worker process, as a job: the page shows it
queued and its progress, and a worker killed mid-file leaves a job the next worker finishes."""
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from app.extensions import db
from app.jobs.models import Job
from app.jobs.worker import run_next_job
from app.registers.signing import verify_register
from app.registers import bid_register_exports as registers
from app.registers.models import RegisterExport
from app.subscriptions.models import SubscriptionBid
from tests.conftest import base_config
from tests.subscriptions.conftest import END, START, almaty
from tests.subscriptions.test_pages import announce_in_pages, as_user, bid, download  # noqa: F401 — fixture

ROOT = Path(__file__).resolve().parents[2]
LEASE = timedelta(seconds=30)


def many_bids(subscription, count: int) -> None:
    """Copies of one real bid under other investors: a people's IPO without a day of clicking."""
    model = db.session.scalars(select(SubscriptionBid)).one()
    columns = {column.key: getattr(model, column.key) for column in SubscriptionBid.__table__.columns
               if column.key != "id"}
    rows = [{**columns, "idempotency_key": f"bulk-{n}", "investor_iin": f"{900000000000 + n}"}
            for n in range(count)]
    db.session.execute(insert(SubscriptionBid), rows)
    db.session.commit()


@pytest.fixture
def big_offering(as_user, offering_cast, clock, public_terms):
    subscription = announce_in_pages(as_user, offering_cast, clock, public_terms)
    clock(almaty(START, 11))
    assert "The bid is accepted." in bid(as_user(offering_cast["brokers"][0]), subscription, 1).text
    many_bids(subscription, registers.INLINE_ROWS + 20_000)
    clock(almaty(END, 19))
    return subscription


def queue_xml(as_user, cast, subscription) -> RegisterExport:
    seller = as_user(cast["seller"])
    assert seller.post(f"/subscriptions/{subscription.id}/registers/xml").status_code == 302
    export = db.session.scalars(select(RegisterExport)).one()
    assert export.status == "queued" and export.rows_total == registers.INLINE_ROWS + 20_001
    return export


def test_a_large_register_is_queued_and_built_by_the_worker(as_user, offering_cast, big_offering):
    export = queue_xml(as_user, offering_cast, big_offering)
    seller = as_user(offering_cast["seller"])
    assert 'http-equiv="refresh"' in seller.get(f"/subscriptions/{big_offering.id}/registers").text
    assert run_next_job("test-worker", LEASE)
    db.session.expire_all()
    assert (export.status, export.rows_done) == ("done", export.rows_total)
    xml = download(seller, f"/subscriptions/registers/{export.id}/file")
    assert verify_register(xml, download(seller, f"/subscriptions/registers/{export.id}/signature")).ok


def worker_process(app, lease_seconds: int) -> subprocess.Popen:
    config = app.config
    env = {**os.environ, "FLASK_APP": "wsgi.py", "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
           "SECRET_KEY": base_config("")["SECRET_KEY"], "SANDBOX_CLOCK": "1",
           "REGISTER_DIR": config["REGISTER_DIR"], "REGISTER_SIGNING_KEY": config["REGISTER_SIGNING_KEY"],
           "REGISTER_SIGNING_CERT": config["REGISTER_SIGNING_CERT"],
           # Small batches: many progress commits, so the kill lands mid-file even on a busy machine.
           "REGISTER_EXPORT_BATCH": "250"}
    return subprocess.Popen([sys.executable, "-m", "flask", "worker", "--poll", "0.2", "--lease", str(lease_seconds)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def job_state(job_id: int) -> tuple[str, int, int]:
    db.session.rollback()              # a fresh look, and no write lock held on SQLite
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    state = (job.status, job.progress_done, job.attempts)
    db.session.rollback()
    return state


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_worker_killed_mid_export_leaves_a_job_the_next_worker_finishes(app, as_user, offering_cast, big_offering):
    export = queue_xml(as_user, offering_cast, big_offering)
    job = db.session.scalars(select(Job)).one()
    db.session.commit()
    first = worker_process(app, lease_seconds=2)
    try:
        wait_for(lambda: job_state(job.id)[1] > 0, 60, "the first worker's progress")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        first.stderr.close()
    status, done, attempts = job_state(job.id)
    assert (status, attempts) == ("running", 1) and 0 < done < export.rows_total
    assert not Path(registers.export_path(export)).exists()          # a half file is never under its name

    second = worker_process(app, lease_seconds=2)
    try:
        wait_for(lambda: job_state(job.id)[0] == "done", 90, "the second worker to finish")
    finally:
        second.send_signal(signal.SIGTERM)
        with second.stderr:
            assert second.wait(30) == 0, second.stderr.read().decode()
    assert job_state(job.id)[2] == 2
    db.session.expire_all()
    assert (export.status, export.rows_done) == ("done", export.rows_total)
    seller = as_user(offering_cast["seller"])
    xml = download(seller, f"/subscriptions/registers/{export.id}/file")
    assert verify_register(xml, download(seller, f"/subscriptions/registers/{export.id}/signature")).ok
