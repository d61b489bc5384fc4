"""The deal register PDF of a big auction, as a file the worker builds. A register of up to
DEAL_REGISTER_INLINE_DEALS deals (1,000) is drawn inside the request, in under a second; a
bigger one is queued as a job that reports progress and survives a restart, and is kept until
the deals change (settlement). The file is written beside its final name and renamed when
complete, so a half-written file is never served."""
import hashlib
import os
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, get_locale
from sqlalchemy import func, select, update

from app.audit.services import record
from app.registers import auction_documents as documents
from app.auctions.models import Auction, Deal
from app.auth.models import User
from app.clock.services import now as business_now
from app.jobs import services as jobs
from app.registers.models import DealRegisterFile

JOB_KIND = "deal_register"
BUILDING = ("queued", "running")


def deal_count(session, auction: Auction) -> int:
    return session.scalar(select(func.count(Deal.id)).where(Deal.auction_id == auction.id))


def builds_inline(deals: int) -> bool:
    return deals <= current_app.config["DEAL_REGISTER_INLINE_DEALS"]


def current_file(session, auction: Auction) -> DealRegisterFile | None:
    """The newest file of the deals as they stand now in the reader's language, unless it failed."""
    return session.scalar(select(DealRegisterFile).where(
        DealRegisterFile.auction_id == auction.id, DealRegisterFile.auction_status == auction.status,
        DealRegisterFile.locale == _locale(), DealRegisterFile.status != "failed")
        .order_by(DealRegisterFile.id.desc()).limit(1))


def request_file(session, auction: Auction, user: User, at: datetime) -> DealRegisterFile:
    """The current file, or a new one queued for the worker (flushes)."""
    existing = current_file(session, auction)
    if existing is not None:
        return existing
    total = deal_count(session, auction)
    register = DealRegisterFile(
        auction_id=auction.id, auction_status=auction.status, locale=_locale(), status="queued", rows_total=total,
        rows_done=0, requested_by_id=user.id, created_at=at,
        file_name=f"deal-register-{auction.number}-{auction.status}-{_locale()}-{int(at.timestamp())}.pdf")
    session.add(register)
    session.flush()
    jobs.enqueue(session, JOB_KIND, {"file_id": register.id}, key=f"{JOB_KIND}:{register.id}", total=total)
    record(session, "auction.deal_register", "auction", auction.id, None,
           {"file_id": register.id, "deals": total, "locale": register.locale})
    return register


def build_job(session, payload: dict, progress) -> None:
    """The worker's handler: the rows prepared so far are committed as progress every 500 deals;
    a failure is shown on the file and the worker tries the job again."""
    register = session.get(DealRegisterFile, payload["file_id"])
    register.status, register.error = "running", None
    session.commit()

    def after_rows(done: int) -> None:
        session.execute(update(DealRegisterFile).where(DealRegisterFile.id == register.id).values(rows_done=done))
        progress(done, register.rows_total)
        session.commit()

    try:
        with force_locale(register.locale):
            pdf = documents.deal_register_pdf(session, register.auction, after_rows)
        register.sha256 = _write(file_path(register), pdf)
    except Exception as error:
        session.rollback()
        failed = session.get(DealRegisterFile, payload["file_id"])
        failed.status, failed.error, failed.finished_at = "failed", str(error)[:2000], business_now()
        session.commit()
        raise
    register.status, register.rows_done, register.finished_at = "done", register.rows_total, business_now()
    session.flush()


def _write(path: Path, data: bytes) -> str:
    partial = path.with_name(path.name + ".part")
    with partial.open("wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    partial.replace(path)
    return hashlib.sha256(data).hexdigest()


def file_path(register: DealRegisterFile) -> Path:
    folder = Path(current_app.config["REGISTER_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder / register.file_name


def stalled(session, register: DealRegisterFile | None) -> bool:
    """Queued for longer than the worker ever takes to start a job: its process is down."""
    return register is not None and register.status == "queued" and \
        jobs.waiting_too_long(session, [f"{JOB_KIND}:{register.id}"])


def _locale() -> str:
    return str(get_locale() or "ru")
