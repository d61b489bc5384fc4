"""E-mail through real SMTP servers (aiosmtpd): UTF-8 intact, STARTTLS and login, refusals retried."""
from app.extensions import db
from app.messaging import gateways, services
from app.messaging.models import MessageStatus, OutboxMessage

SUBJECT = "Аукцион GKO-2026-0001: нәтижелер"
BODY = "Уважаемый дилер!\nАукцион завершён. Қатысқаныңыз үшін рахмет.\n"


def test_a_russian_and_kazakh_email_arrives_intact(app, smtp_server):
    mailbox, port = smtp_server
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="desk@kase.test")
    message = services.send_email(db.session, "dealer@example.kz", SUBJECT, BODY, purpose="notification")
    db.session.commit()
    assert mailbox.messages == []
    assert services.deliver_due(db.session) == 1
    [received] = mailbox.messages
    assert (received["mail_from"], received["rcpt_tos"]) == ("desk@kase.test", ["dealer@example.kz"])
    email = received["message"]
    assert (email["Subject"], email["To"], email["From"]) == (SUBJECT, "dealer@example.kz", "desk@kase.test")
    assert email.get_content() == BODY
    assert email.get_content_charset() == "utf-8"
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == MessageStatus.SENT
    assert services.deliver_due(db.session) == 0 and len(mailbox.messages) == 1


def test_starttls_comes_before_the_login_and_the_message(starttls_server):
    mailbox, port, client_context = starttls_server
    mailer = gateways.SmtpMail("127.0.0.1", port, "mailer", "mail-secret", use_tls=True, sender="desk@kase.test",
                               tls_context=client_context)
    mailer.send("dealer@example.kz", SUBJECT, BODY)
    assert mailbox.logins == [("mailer", "mail-secret")]
    assert [m["message"]["Subject"] for m in mailbox.messages] == [SUBJECT]


def test_a_server_that_requires_tls_refuses_a_clear_text_session(app, starttls_server):
    mailbox, port, _context = starttls_server
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
    message = services.send_email(db.session, "dealer@example.kz", SUBJECT, BODY, purpose="notification")
    db.session.commit()
    assert services.deliver_due(db.session) == 1
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message.id)
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)
    assert mailbox.messages == []


def test_tls_asked_of_a_server_without_it_sends_nothing(app, smtp_server):
    mailbox, port = smtp_server
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=True)
    message = services.send_email(db.session, "dealer@example.kz", SUBJECT, BODY, purpose="notification")
    db.session.commit()
    assert services.deliver_due(db.session) == 1
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message.id)
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)
    assert "refused the session" in message.error
    assert mailbox.messages == []
