"""Queue SMS and e-mail in the caller's transaction; the worker delivers them.

A message is written to the outbox and only flushed: it leaves the desk after the caller's
transaction commits, so a request that rolls back sends nothing. Delivery runs on real
(wall-clock) time, since it is about processes, not about the exchange's sandbox clock.
"""
import logging
import re
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from app.clock.services import wall_now
from app.messaging import gateways
from app.messaging.models import Channel, MessageStatus, OutboxMessage

log = logging.getLogger("desk.messaging")
MAX_ATTEMPTS = 5
# A refused message waits this long before its next attempt (the worker polls every second).
RETRY_DELAY = timedelta(seconds=10)
# A message "sending" for longer than this lost its worker midway; whether it left is unknown.
ABANDONED_AFTER = timedelta(minutes=2)
# Messages one round attempts at most, so the worker's other steps are never starved.
ROUND_LIMIT = 100
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
ADDRESS = re.compile(r"[^@\s]+@[^@\s]+")
LINE_BREAK = re.compile(r"[\r\n]")


class InvalidMessage(ValueError):
    """The caller asked for a message that cannot be sent (the recipient, the purpose)."""


def send_sms(session, to: str, text: str, purpose: str, user_id: int | None = None) -> OutboxMessage:
    """Queue an SMS to an E.164 number such as +77011234567 (flushes). A lazy text is rendered
    now, in the caller's language."""
    if not E164.fullmatch(to):
        raise InvalidMessage(f"not an E.164 phone number: {to!r}")
    return _queue(session, Channel.SMS, to, None, str(text), purpose, user_id)


def send_email(session, to: str, subject: str, body: str, purpose: str,
               user_id: int | None = None) -> OutboxMessage:
    """Queue a plain-text e-mail (flushes). The address and subject are single lines: a line
    break there would let a caller add mail headers."""
    subject = str(subject)
    if not ADDRESS.fullmatch(to) or LINE_BREAK.search(subject):
        raise InvalidMessage(f"not a single e-mail address with a one-line subject: {to!r}")
    return _queue(session, Channel.EMAIL, to, subject, str(body), purpose, user_id)


def _queue(session, channel: Channel, to: str, subject: str | None, body: str, purpose: str,
           user_id: int | None) -> OutboxMessage:
    if not 0 < len(purpose) <= 40:
        raise InvalidMessage(f"purpose must be 1–40 characters: {purpose!r}")
    message = OutboxMessage(channel=channel, recipient=to, subject=subject, body=body, purpose=purpose,
                            user_id=user_id, status=MessageStatus.QUEUED, attempts=0, created_at=wall_now())
    session.add(message)
    session.flush()
    return message


def deliver_due(session) -> int:
    """The worker's step: give up on messages a dead worker left "sending", then attempt each
    due message once, oldest first. Returns how many were attempted.

    Never twice: a message is stored as "sending" (committed) before its gateway is called, and
    a message found "sending" is never handed over again. So this step commits, per message.
    """
    senders = {Channel.SMS: gateways.sms_gateway(current_app.config),
               Channel.EMAIL: gateways.mail_gateway(current_app.config)}
    mark_abandoned(session)
    session.commit()
    attempted, after_id = 0, 0
    while attempted < ROUND_LIMIT and (message := _claim_next(session, after_id)) is not None:
        after_id = message.id
        channel, to, subject, body = message.channel, message.recipient, message.subject, message.body
        session.commit()                    # "sending" is stored before anything can leave
        error = _hand_over(senders[channel], channel, to, subject, body)
        record_outcome(session.get(OutboxMessage, after_id), error)
        session.commit()
        attempted += 1
    session.commit()                        # ends the last claim's transaction and its row locks
    return attempted


def mark_abandoned(session) -> int:
    """Messages left "sending" past ABANDONED_AFTER become "unknown" (flushes): the worker died
    while a gateway had them, so they may have arrived; they are never sent again."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.SENDING,
               OutboxMessage.attempted_at < wall_now() - ABANDONED_AFTER)
        .values(status=MessageStatus.UNKNOWN, error="the worker stopped while sending; not sent again"))
    if result.rowcount:
        log.warning("%d message(s) left sending by a stopped worker: marked unknown", result.rowcount)
    return result.rowcount


def _claim_next(session, after_id: int) -> OutboxMessage | None:
    """The oldest queued message past `after_id` whose retry pause is over, now "sending"
    (flushes). Rows another worker holds are skipped, not waited for."""
    at = wall_now()
    message = session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.QUEUED, OutboxMessage.id > after_id,
               (OutboxMessage.attempted_at.is_(None)) | (OutboxMessage.attempted_at <= at - RETRY_DELAY))
        .order_by(OutboxMessage.id).limit(1).with_for_update(skip_locked=True))
    if message is None:
        return None
    message.status, message.attempted_at = MessageStatus.SENDING, at
    message.attempts += 1
    session.flush()
    return message


def _hand_over(sender, channel: str, to: str, subject: str | None, body: str) -> Exception | None:
    """The gateway's verdict: None when accepted, else the error it raised."""
    try:
        if channel == Channel.EMAIL:
            sender.send(to, subject or "", body)
        else:
            sender.send(to, body)
    except Exception as error:  # noqa: BLE001 — recorded on the message; an unexpected one as uncertain
        return error
    return None


def record_outcome(message: OutboxMessage, error: Exception | None) -> None:
    """Accepted → "sent"; surely not sent → queued again, "failed" after MAX_ATTEMPTS; anything
    else (the gateway may have taken it, or failed in a way we cannot tell) → "unknown"."""
    if error is None:
        message.status, message.sent_at, message.error = MessageStatus.SENT, wall_now(), None
        return
    message.error = str(error)[:4000] or repr(error)
    if not isinstance(error, gateways.DeliveryError) or isinstance(error, gateways.DeliveryUncertain):
        message.status = MessageStatus.UNKNOWN
    elif message.attempts >= MAX_ATTEMPTS:
        message.status = MessageStatus.FAILED
    else:
        message.status = MessageStatus.QUEUED
    if message.status != MessageStatus.QUEUED:
        log.warning("%s message %s %s: %s", message.channel, message.id, message.status, message.error)


def recent_messages(session, user_id: int | None = None, limit: int = 200) -> list[OutboxMessage]:
    """The newest messages first; only those for `user_id` when given."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if user_id is not None:
        query = query.where(OutboxMessage.user_id == user_id)
    return list(session.scalars(query))
