"""Queue, claim, lease and finish jobs. These run on real (wall-clock) time: a lease is about
processes, not about the exchange's sandbox clock."""
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from app.clock.services import wall_now
from app.jobs.models import Job, JobStatus

RETRY_DELAY = timedelta(seconds=5)
WORKER_GRACE = timedelta(minutes=1)     # longer than a running worker ever takes to start a job


def enqueue(session, kind: str, payload: dict, key: str | None = None, total: int | None = None,
            run_at: datetime | None = None) -> Job:
    """Queue a job (flushes); with `key`, the job already queued under it is returned instead."""
    if key is not None:
        existing = session.scalar(select(Job).where(Job.key == key))
        if existing is not None:
            return existing
    at = wall_now()
    job = Job(kind=kind, key=key, payload=payload, status=JobStatus.QUEUED, attempts=0, max_attempts=3,
              run_at=run_at or at, progress_done=0, progress_total=total, created_at=at)
    session.add(job)
    session.flush()
    return job


def claim(session, worker: str, lease: timedelta) -> Job | None:
    """The oldest job due, or one whose worker's lease ran out; leased to `worker` (flushes)."""
    at = wall_now()
    job = session.scalar(
        select(Job).where(or_((Job.status == JobStatus.QUEUED) & (Job.run_at <= at),
                              (Job.status == JobStatus.RUNNING) & (Job.lease_until < at)))
        .order_by(Job.run_at, Job.id).limit(1).with_for_update(skip_locked=True))
    if job is None:
        return None
    job.status, job.worker, job.lease_until = JobStatus.RUNNING, worker, at + lease
    job.attempts += 1
    job.started_at = at
    session.flush()
    return job


def extend(job: Job, lease: timedelta, done: int | None = None, total: int | None = None) -> None:
    job.lease_until = wall_now() + lease
    if done is not None:
        job.progress_done = done
    if total is not None:
        job.progress_total = total


def finish(job: Job) -> None:
    job.status, job.finished_at, job.lease_until, job.error = JobStatus.DONE, wall_now(), None, None
    if job.progress_total is not None:
        job.progress_done = job.progress_total


def fail(job: Job, error: str) -> None:
    """Back to the queue after a pause, or failed for good once its attempts are spent."""
    job.error, job.lease_until = error[:4000], None
    if job.attempts >= job.max_attempts:
        job.status, job.finished_at = JobStatus.FAILED, wall_now()
    else:
        job.status, job.run_at = JobStatus.QUEUED, wall_now() + RETRY_DELAY * job.attempts


def find(session, key: str) -> Job | None:
    return session.scalar(select(Job).where(Job.key == key))


def find_all(session, keys: list[str]) -> list[Job]:
    return list(session.scalars(select(Job).where(Job.key.in_(keys)))) if keys else []


def waiting_too_long(session, keys: list[str]) -> bool:
    """Some job under these keys has been queued past WORKER_GRACE: its worker process is down."""
    return any(job.status == JobStatus.QUEUED and wall_now() - job.created_at > WORKER_GRACE
               for job in find_all(session, keys))
