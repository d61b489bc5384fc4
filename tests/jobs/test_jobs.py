"""The jobs table: queued once per key, claimed by one worker, leased, retried, failed for good."""
from datetime import timedelta

from sqlalchemy import update

from app.extensions import db
from app.jobs import services
from app.jobs.models import Job, JobStatus

LEASE = timedelta(seconds=30)


def test_a_key_queues_its_work_once(app):
    first = services.enqueue(db.session, "register_export", {"export_id": 1}, key="register_export:1")
    again = services.enqueue(db.session, "register_export", {"export_id": 1}, key="register_export:1")
    assert again.id == first.id
    assert db.session.query(Job).count() == 1


def test_jobs_are_claimed_oldest_first_and_only_once(app):
    older = services.enqueue(db.session, "a", {})
    newer = services.enqueue(db.session, "b", {})
    assert services.claim(db.session, "w1", LEASE).id == older.id
    assert services.claim(db.session, "w2", LEASE).id == newer.id
    assert services.claim(db.session, "w3", LEASE) is None
    assert (older.status, older.worker, older.attempts) == (JobStatus.RUNNING, "w1", 1)


def test_a_job_whose_lease_ran_out_is_claimed_again(app):
    job = services.enqueue(db.session, "a", {})
    services.claim(db.session, "dead-worker", LEASE)
    assert services.claim(db.session, "w2", LEASE) is None          # the lease still holds
    db.session.execute(update(Job).where(Job.id == job.id).values(lease_until=services.wall_now() - LEASE))
    db.session.expire_all()
    again = services.claim(db.session, "w2", LEASE)
    assert (again.id, again.worker, again.attempts) == (job.id, "w2", 2)


def test_a_failed_job_waits_and_is_retried_until_its_attempts_are_spent(app):
    job = services.enqueue(db.session, "a", {})
    for attempt in range(1, job.max_attempts + 1):
        db.session.execute(update(Job).where(Job.id == job.id).values(run_at=services.wall_now() - LEASE))
        db.session.expire_all()
        claimed = services.claim(db.session, "w", LEASE)
        assert claimed.attempts == attempt
        services.fail(claimed, f"boom {attempt}")
        if attempt < job.max_attempts:
            assert claimed.status == JobStatus.QUEUED and claimed.run_at > services.wall_now()
            assert services.claim(db.session, "w", LEASE) is None    # not before its pause
    assert (claimed.status, claimed.error) == (JobStatus.FAILED, f"boom {job.max_attempts}")
    assert claimed.finished_at is not None
