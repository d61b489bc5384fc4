"""Delivery through real gateways: what arrives, what is retried, and that nothing arrives twice."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.clock.services import wall_now
from app.extensions import db
from app.jobs.worker import run_timed_steps
from app.messaging import gateways, services
from app.messaging.models import MessageStatus, OutboxMessage
from tests.messaging.conftest import GATEWAY_LOGIN, GATEWAY_PASSWORD, basic_auth, free_port

PHONE = "+77011234567"
KAZAKH_CODE = "Сіздің кодыңыз 482913: өтінімге қол қою"


def queued_sms(text: str = KAZAKH_CODE, to: str = PHONE) -> OutboxMessage:
    message = services.send_sms(db.session, to, text, purpose="signing_code")
    db.session.commit()
    return message


def reloaded(message: OutboxMessage) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message.id)


def test_an_sms_reaches_the_http_gateway_as_json_with_basic_auth(sms_gateway):
    message = queued_sms()
    assert message.status == MessageStatus.QUEUED      # nothing leaves in the caller's transaction
    assert sms_gateway.requests == []
    assert services.deliver_due(db.session) == 1
    [request] = sms_gateway.requests
    assert request["path"] == "/send"
    assert request["json"] == {"to": PHONE, "text": KAZAKH_CODE, "sender": "KASE"}
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert basic_auth(request["headers"]) == f"{GATEWAY_LOGIN}:{GATEWAY_PASSWORD}"
    message = reloaded(message)
    assert (message.status, message.attempts, message.error) == (MessageStatus.SENT, 1, None)
    assert message.sent_at is not None


def test_the_message_is_stored_as_sending_before_the_gateway_is_called(sms_gateway):
    seen, engine = [], db.engine

    def look_from_another_connection():
        connection = engine.raw_connection()    # not the worker's session: only committed rows
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT status FROM outbox_messages")
            seen.extend(row[0] for row in cursor.fetchall())
        finally:
            connection.close()

    sms_gateway.on_request = look_from_another_connection
    queued_sms()
    assert services.deliver_due(db.session) == 1
    assert seen == [MessageStatus.SENDING]


def test_a_refusing_gateway_leaves_the_message_queued_until_five_attempts_fail(sms_gateway, monkeypatch):
    sms_gateway.status = 500
    message = queued_sms()
    assert services.deliver_due(db.session) == 1
    message = reloaded(message)
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)
    assert "500" in message.error
    assert services.deliver_due(db.session) == 0          # it waits RETRY_DELAY before the next try
    monkeypatch.setattr(services, "RETRY_DELAY", timedelta(0))
    for _ in range(4):
        assert services.deliver_due(db.session) == 1
    message = reloaded(message)
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 5)
    assert services.deliver_due(db.session) == 0
    assert len(sms_gateway.requests) == 5


def test_a_gateway_that_cannot_be_reached_leaves_the_message_queued(app):
    app.config.update(SMS_BACKEND="http", SMS_GATEWAY_URL=f"http://127.0.0.1:{free_port()}/send")
    message = queued_sms()
    assert services.deliver_due(db.session) == 1
    message = reloaded(message)
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)
    assert "not reached" in message.error


def test_a_gateway_that_took_the_message_but_never_answered_is_not_asked_again(sms_gateway, monkeypatch):
    monkeypatch.setattr(gateways, "SEND_TIMEOUT_SECONDS", 0.5)
    monkeypatch.setattr(services, "RETRY_DELAY", timedelta(0))
    sms_gateway.hang = True
    message = queued_sms()
    assert services.deliver_due(db.session) == 1
    assert (reloaded(message).status, len(sms_gateway.requests)) == (MessageStatus.UNKNOWN, 1)
    assert services.deliver_due(db.session) == 0
    assert len(sms_gateway.requests) == 1


def test_a_message_in_a_rolled_back_transaction_is_never_sent(sms_gateway):
    services.send_sms(db.session, PHONE, KAZAKH_CODE, purpose="signing_code")
    db.session.rollback()
    assert services.deliver_due(db.session) == 0
    assert sms_gateway.requests == []
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_message_a_dead_worker_left_sending_becomes_unknown_and_is_not_sent_again(sms_gateway):
    abandoned, in_flight = queued_sms(to="+77011111111"), queued_sms(to="+77012222222")
    for message, ago in ((abandoned, timedelta(minutes=3)), (in_flight, timedelta(seconds=30))):
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id)
                           .values(status=MessageStatus.SENDING, attempts=1, attempted_at=wall_now() - ago))
    db.session.commit()
    for _ in range(2):
        assert services.deliver_due(db.session) == 0
    assert reloaded(abandoned).status == MessageStatus.UNKNOWN
    assert reloaded(in_flight).status == MessageStatus.SENDING     # its worker may still be at it
    assert sms_gateway.requests == []


def test_a_message_is_delivered_once_however_often_the_worker_runs(sms_gateway):
    message = queued_sms()
    assert services.deliver_due(db.session) == 1
    assert services.deliver_due(db.session) == 0
    assert len(sms_gateway.requests) == 1
    assert reloaded(message).status == MessageStatus.SENT


def test_two_workers_at_once_deliver_each_message_once(app, sms_gateway):
    phones = [f"+7701000{number:04d}" for number in range(12)]
    for phone in phones:
        services.send_sms(db.session, phone, "code", purpose="signing_code")
    db.session.commit()
    counts = []

    def worker():
        with app.app_context():
            counts.append(services.deliver_due(db.session))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(request["json"]["to"] for request in sms_gateway.requests) == phones
    assert sum(counts) == len(phones)


def test_the_worker_delivers_the_outbox_in_its_timed_steps(app):
    message = services.send_email(db.session, "dealer@example.kz", "Notice", "Body", purpose="notification")
    db.session.commit()
    run_timed_steps()
    message = reloaded(message)
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)   # the outbox backend keeps it here


def test_an_unknown_backend_fails_the_step_before_any_message_is_claimed(app):
    app.config["SMS_BACKEND"] = "pigeon"
    message = queued_sms()
    with pytest.raises(ValueError, match="SMS_BACKEND"):
        services.deliver_due(db.session)
    assert (reloaded(message).status, reloaded(message).attempts) == (MessageStatus.QUEUED, 0)


@pytest.mark.parametrize("to", ["87011234567", "+7 701 123 45 67", "+0701234567", ""])
def test_an_sms_needs_an_e164_number(app, to):
    with pytest.raises(services.InvalidMessage):
        services.send_sms(db.session, to, "code", purpose="signing_code")


@pytest.mark.parametrize("to, subject", [
    ("dealer@example.kz\r\nBcc: spy@example.com", "Notice"),
    ("dealer@example.kz", "Notice\r\nBcc: spy@example.com"),
    ("not an address", "Notice"),
])
def test_an_email_cannot_smuggle_headers(app, to, subject):
    with pytest.raises(services.InvalidMessage):
        services.send_email(db.session, to, subject, "Body", purpose="notification")
