"""The accepted bids register as files (App.8 §8): XML (schema-valid, signed) and XLSX, each with
its SHA-256. Small registers are built inside the request; large ones by the worker process, as
a job that reports progress and survives a restart. Files are written beside their final name and
renamed when complete, so a half-written file is never served."""
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from app.audit.services import record
from app.auth.models import User
from app.clock.services import now as business_now
from app.jobs import services as jobs
from app.registers.models import RegisterExport
from app.registers.signing import sign_register
from app.registers.rows import RegisterHeader, RegisterRow
from app.registers.xml import validate_register, write_register_xml
from app.registers.xlsx_register import write_register_xlsx
from app.subscriptions.models import (Subscription, SubscriptionBid, SubscriptionBidStatus,
                                      SubscriptionStatus)
from app.subscriptions.services import OfferingError

INLINE_ROWS = 5_000
FORMATS = {"xml": "accepted_xml", "xlsx": "accepted_xlsx"}
READY = (SubscriptionStatus.CLOSED, SubscriptionStatus.ALLOCATED, SubscriptionStatus.DEALS_FORMED,
         SubscriptionStatus.SETTLED)


def register_header(subscription: Subscription, bid_count: int, at: datetime) -> RegisterHeader:
    return RegisterHeader(
        register_kind="accepted", offering_number=subscription.number, security_isin=subscription.isin,
        security_name=subscription.security_name, seller_name=subscription.seller.name,
        seller_bin=subscription.seller.bin or "", price_min=subscription.price_min, price_max=subscription.price_max,
        currency="KZT", generated_at=at, bid_count=bid_count)


def register_rows(session, subscription: Subscription, after_batch=None, batch: int = 2_000) -> Iterator[RegisterRow]:
    """Active bids in order, read in short keyset batches: a people's IPO never sits in memory, and
    `after_batch(rows_so_far)` may commit between batches (progress), so no lock is held long."""
    last_id, done = 0, 0
    while True:
        bids = session.scalars(
            select(SubscriptionBid).options(joinedload(SubscriptionBid.organisation))
            .where(SubscriptionBid.subscription_id == subscription.id,
                   SubscriptionBid.status == SubscriptionBidStatus.ACTIVE, SubscriptionBid.id > last_id)
            .order_by(SubscriptionBid.id).limit(batch)).all()
        if not bids:
            return
        rows = [register_row(subscription, bid) for bid in bids]
        last_id, done = bids[-1].id, done + len(bids)
        if after_batch is not None:
            after_batch(done)
        yield from rows


def register_row(subscription: Subscription, bid: SubscriptionBid) -> RegisterRow:
    return RegisterRow(
        bid_number=bid.id, participant_name=bid.organisation.name, participant_bin=bid.organisation.bin or "",
        investor_iin_bin=bid.investor_iin, investor_name=bid.investor_name, investor_category=bid.investor_category,
        qualified=bid.qualified, kind=bid.kind, price=bid.price, quantity=bid.quantity, amount=bid.amount,
        submitted_at=bid.created_at, settlement_code=subscription.settlement_code, satisfied_price=bid.satisfied_price,
        satisfied_quantity=bid.satisfied_quantity)


def active_count(session, subscription: Subscription) -> int:
    return session.scalar(select(func.count(SubscriptionBid.id)).where(
        SubscriptionBid.subscription_id == subscription.id, SubscriptionBid.status == SubscriptionBidStatus.ACTIVE))


def export_dir() -> Path:
    folder = Path(current_app.config["REGISTER_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def export_path(export: RegisterExport) -> Path:
    return export_dir() / export.file_name


def start_export(session, subscription: Subscription, fmt: str, user: User, at: datetime) -> RegisterExport:
    if fmt not in FORMATS:
        raise OfferingError(_l("Choose XML or XLSX."), "format")
    if subscription.status not in READY or subscription.number is None:
        raise OfferingError(_l("The accepted bids register is built after the bid period."), code="wrong_status")
    total = active_count(session, subscription)
    export = RegisterExport(subscription_id=subscription.id, kind=FORMATS[fmt], status="queued", rows_total=total,
                            rows_done=0, requested_by_id=user.id, created_at=at,
                            file_name=f"{subscription.number}-accepted-{int(at.timestamp())}.{fmt}")
    session.add(export)
    session.flush()
    record(session, "register.export", "register_export", export.id, None,
           {"subscription_id": subscription.id, "kind": export.kind, "rows": total})
    return export


def build_now_or_queue(session, export: RegisterExport) -> None:
    """A small register is built in this request; a large one is queued for the worker."""
    if export.rows_total <= INLINE_ROWS:
        build(session, export)
    else:
        jobs.enqueue(session, "register_export", {"export_id": export.id}, key=f"register_export:{export.id}",
                     total=export.rows_total)


def build_job(session, payload: dict, progress) -> None:
    """The worker's handler: each batch of rows is a commit point, so the page shows progress.
    A failure is shown on the export; the worker tries the job again."""
    export = session.get(RegisterExport, payload["export_id"])
    export.status, export.error = "running", None
    session.commit()

    def after_batch(done: int) -> None:
        session.execute(update(RegisterExport).where(RegisterExport.id == export.id).values(rows_done=done))
        progress(done, export.rows_total)
        session.commit()

    try:
        build(session, export, after_batch)
    except Exception as error:
        session.rollback()
        failed = session.get(RegisterExport, payload["export_id"])
        failed.status, failed.error, failed.finished_at = "failed", str(error)[:2000], business_now()
        session.commit()
        raise


def build(session, export: RegisterExport, after_batch=None) -> None:
    """Write the file and mark the export done (flushes)."""
    export.status = "running"
    digest = _write(session, export, after_batch)
    export.status, export.sha256, export.finished_at = "done", digest, business_now()
    export.rows_done = export.rows_total
    session.flush()


def _write(session, export: RegisterExport, after_batch) -> str:
    subscription = export.subscription
    header = register_header(subscription, export.rows_total, business_now())
    path = export_path(export)
    rows = register_rows(session, subscription, after_batch=after_batch,
                         batch=current_app.config.get("REGISTER_EXPORT_BATCH", 2_000))
    if export.kind == "accepted_xml":
        digest, count = write_register_xml(path, header, rows)
        validate_register(path)
        sign_register(path, row_count=count, sha256=digest)
        return digest
    digest, _count = write_register_xlsx(path, header, rows)
    return digest


def stalled(session, exports: list[RegisterExport]) -> bool:
    """A file queued for longer than the worker ever takes to start one: its process is down."""
    return jobs.waiting_too_long(session, [f"register_export:{export.id}" for export in exports
                                           if export.status == "queued"])


def exports_of(session, subscription: Subscription) -> list[RegisterExport]:
    return list(session.scalars(select(RegisterExport).where(RegisterExport.subscription_id == subscription.id)
                                .order_by(RegisterExport.id.desc())))
