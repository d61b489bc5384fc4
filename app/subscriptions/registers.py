"""The accepted bids register as files (App.8 §8): XML (schema-valid, signed) and XLSX, each with
its SHA-256. Small registers are built inside the request; large ones in a background thread
that reports progress. Files are written beside their final name and renamed when complete, so a
half-written file is never served."""
import threading
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
from app.extensions import db
from app.registers.signing import sign_register
from app.registers.rows import RegisterHeader, RegisterRow
from app.registers.xml import validate_register, write_register_xml
from app.registers.xlsx_register import write_register_xlsx
from app.subscriptions.models import (RegisterExport, Subscription, SubscriptionBid, SubscriptionBidStatus,
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


def run_inline_or_background(export: RegisterExport) -> None:
    """Call after the export row is committed."""
    app = current_app._get_current_object()
    if export.rows_total <= INLINE_ROWS:
        build(export.id)
        return
    threading.Thread(target=_in_context, args=(app, export.id), name=f"register-{export.id}", daemon=True).start()


def _in_context(app, export_id: int) -> None:
    with app.app_context():
        build(export_id)


def build(export_id: int) -> None:
    """Build one file; commits its progress as it goes (its own transactions)."""
    export = db.session.get(RegisterExport, export_id)
    export.status = "running"
    db.session.commit()
    try:
        digest = _write(export)
    except Exception as error:  # noqa: BLE001 — any failure is reported on the export, never half-served
        db.session.rollback()
        export = db.session.get(RegisterExport, export_id)
        export.status, export.error, export.finished_at = "failed", str(error)[:2000], business_now()
        db.session.commit()
        raise
    export.status, export.sha256, export.finished_at = "done", digest, business_now()
    export.rows_done = export.rows_total
    db.session.commit()


def _write(export: RegisterExport) -> str:
    subscription = export.subscription
    header = register_header(subscription, export.rows_total, business_now())
    export_id, path = export.id, export_path(export)

    def progress(done: int) -> None:
        db.session.execute(update(RegisterExport).where(RegisterExport.id == export_id).values(rows_done=done))
        db.session.commit()

    rows = register_rows(db.session, subscription, after_batch=progress)
    if export.kind == "accepted_xml":
        digest, count = write_register_xml(path, header, rows)
        validate_register(path)
        sign_register(path, row_count=count, sha256=digest)
        return digest
    digest, _count = write_register_xlsx(path, header, rows)
    return digest


def exports_of(session, subscription: Subscription) -> list[RegisterExport]:
    return list(session.scalars(select(RegisterExport).where(RegisterExport.subscription_id == subscription.id)
                                .order_by(RegisterExport.id.desc())))
