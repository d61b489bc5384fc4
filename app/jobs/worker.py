"""The worker process: every `poll` seconds it stores the deadlines that have passed (windows
closing, unconfirmed bids lapsing, the market closing its session), then runs the queued jobs.

Each step is its own transaction. A job keeps its lease alive from a heartbeat thread while it
runs, so a long step is never taken for a dead worker; a worker that dies stops the heartbeat,
and once the lease runs out another worker (or this one, restarted) claims the job again.
"""
import logging
import os
import socket
import threading
import traceback
from datetime import timedelta

from sqlalchemy import update

from app.clock.services import forget_now
from app.extensions import db
from app.jobs import services
from app.jobs.kinds import handler_of, timed_steps
from app.jobs.models import Job

log = logging.getLogger("desk.worker")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run(stop: threading.Event, poll: float, lease: timedelta, once: bool = False) -> None:
    """Loop until `stop` is set (or once through, with `once`). Call inside an app context."""
    name = worker_name()
    log.info("worker %s started (poll %.1fs, lease %s)", name, poll, lease)
    while not stop.is_set():
        run_timed_steps()
        while not stop.is_set() and run_next_job(name, lease):
            pass
        if once:
            break
        stop.wait(poll)
    log.info("worker %s stopped", name)


def run_timed_steps() -> None:
    forget_now()        # each round reads the business clock afresh
    for step in timed_steps():
        try:
            step()
            db.session.commit()
        except Exception:  # noqa: BLE001 — one failing step must not stop the others or the worker
            db.session.rollback()
            log.exception("timed step %s failed", step.__name__)


def run_next_job(name: str, lease: timedelta) -> bool:
    """Claim and run one job; False when none is due."""
    job = services.claim(db.session, name, lease)
    if job is None:
        db.session.rollback()
        return False
    job_id, kind, payload = job.id, job.kind, dict(job.payload or {})
    db.session.commit()                     # the claim is stored before the work starts
    beat = Heartbeat(job_id, lease)
    beat.start()
    try:
        handler_of(kind)(db.session, payload, Progress(job_id))
        db.session.commit()
        outcome, error = services.finish, None
    except Exception:  # noqa: BLE001 — recorded on the job and retried; the worker goes on
        db.session.rollback()
        outcome, error = services.fail, traceback.format_exc()
        log.exception("job %s (%s) failed", job_id, kind)
    finally:
        beat.stop()
    job = db.session.get(Job, job_id)
    outcome(job) if error is None else outcome(job, error)
    db.session.commit()
    return True


class Progress:
    """`progress(done, total)`: stored with the handler's own work at its next commit."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id

    def __call__(self, done: int, total: int | None = None) -> None:
        values = {"progress_done": done} | ({"progress_total": total} if total is not None else {})
        db.session.execute(update(Job).where(Job.id == self.job_id).values(**values))


class Heartbeat(threading.Thread):
    """Renews the job's lease a few times per lease period, on its own connection."""

    def __init__(self, job_id: int, lease: timedelta) -> None:
        super().__init__(name=f"heartbeat-{job_id}", daemon=True)
        self.job_id, self.lease = job_id, lease
        self.stopped = threading.Event()
        self.engine = db.engine

    def run(self) -> None:
        while not self.stopped.wait(self.lease.total_seconds() / 3):
            try:
                with self.engine.begin() as connection:
                    connection.execute(update(Job).where(Job.id == self.job_id)
                                       .values(lease_until=services.wall_now() + self.lease))
            except Exception:  # noqa: BLE001 — a missed beat only shortens the lease
                log.exception("heartbeat of job %s failed", self.job_id)

    def stop(self) -> None:
        self.stopped.set()
        self.join()
