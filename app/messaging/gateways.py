"""The gateways messages leave the desk through, chosen by SMS_BACKEND and MAIL_BACKEND.

A gateway's `send` returns when the message was accepted. It raises `DeliveryError` when the
message surely did not leave (refused, or no connection): the worker tries again later. It
raises `DeliveryUncertain` when it may have left (the connection broke after the message was
handed over): the worker never sends it again, since a client would get a code twice.
"""
import base64
import json
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from http.client import HTTPException
from typing import Protocol

# Far below the two minutes after which a message left "sending" counts as abandoned.
SEND_TIMEOUT_SECONDS = 10


class DeliveryError(Exception):
    """The message did not leave the desk; it may be tried again."""


class DeliveryUncertain(DeliveryError):
    """The message may have left the desk; it must not be tried again."""


class SmsGateway(Protocol):
    def send(self, to: str, text: str) -> None: ...


class MailGateway(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


class OutboxOnly:
    """Keeps messages on the desk: accepted at once, read on the sandbox outbox page."""

    def send(self, *_message: str) -> None:
        return None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirected POST would be replayed as a GET without its body: treat it as a refusal."""

    def redirect_request(self, *_args, **_kwargs):
        return None


class HttpSmsGateway:
    """POSTs `{"to", "text", "sender"}` as JSON with HTTP basic auth; any 2xx answer is acceptance."""

    def __init__(self, url: str, login: str, password: str, sender: str) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError("SMS_GATEWAY_URL must be an http:// or https:// address")
        self.url, self.sender = url, sender
        self.authorization = "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode("ascii")
        self.opener = urllib.request.build_opener(_NoRedirects)

    @classmethod
    def from_config(cls, config: Mapping) -> "HttpSmsGateway":
        return cls(config["SMS_GATEWAY_URL"], config["SMS_GATEWAY_LOGIN"], config["SMS_GATEWAY_PASSWORD"],
                   config["SMS_GATEWAY_SENDER"])

    def send(self, to: str, text: str) -> None:
        payload = json.dumps({"to": to, "text": text, "sender": self.sender}, ensure_ascii=False).encode()
        request = urllib.request.Request(self.url, data=payload, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "Authorization": self.authorization})
        try:
            with self.opener.open(request, timeout=SEND_TIMEOUT_SECONDS):
                return
        except urllib.error.HTTPError as error:     # the gateway answered, and not with 2xx
            error.close()
            raise DeliveryError(f"SMS gateway answered HTTP {error.code}") from error
        except urllib.error.URLError as error:      # raised while connecting or sending the request
            raise DeliveryError(f"SMS gateway not reached: {error.reason}") from error
        except (OSError, HTTPException) as error:   # the whole request went out; its answer did not come
            raise DeliveryUncertain(f"SMS gateway gave no answer: {error!r}") from error


class SmtpMail:
    """Sends through an SMTP server, with STARTTLS when asked (never in clear text then)."""

    def __init__(self, host: str, port: int, username: str, password: str, use_tls: bool, sender: str,
                 tls_context: ssl.SSLContext | None = None) -> None:
        if not host:
            raise ValueError("MAIL_SERVER is empty")  # smtplib would quietly not connect at all
        self.host, self.port, self.username, self.password = host, port, username, password
        self.use_tls, self.sender = use_tls, sender
        self.tls_context = tls_context or ssl.create_default_context()

    @classmethod
    def from_config(cls, config: Mapping) -> "SmtpMail":
        return cls(config["MAIL_SERVER"], int(config["MAIL_PORT"]), config["MAIL_USERNAME"],
                   config["MAIL_PASSWORD"], bool(config["MAIL_USE_TLS"]), config["MAIL_FROM"])

    def send(self, to: str, subject: str, body: str) -> None:
        message = self.compose(to, subject, body)
        connection = self._connect()
        try:
            self._hand_over(connection, message)
        finally:
            connection.close()

    def compose(self, to: str, subject: str, body: str) -> EmailMessage:
        """Plain text; non-ASCII subjects and bodies are encoded as UTF-8."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        return message

    def _connect(self) -> smtplib.SMTP:
        """Connected, encrypted when asked and logged in; nothing of the message has left yet."""
        try:
            connection = smtplib.SMTP(self.host, self.port, timeout=SEND_TIMEOUT_SECONDS)
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(f"mail server not reached: {error!r}") from error
        try:
            if self.use_tls:
                connection.starttls(context=self.tls_context)
            if self.username:
                connection.login(self.username, self.password)
        except (OSError, smtplib.SMTPException) as error:
            connection.close()
            raise DeliveryError(f"mail server refused the session: {error!r}") from error
        return connection

    @staticmethod
    def _hand_over(connection: smtplib.SMTP, message: EmailMessage) -> None:
        try:
            connection.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
            raise DeliveryError(f"mail server refused the message: {error!r}") from error
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryUncertain(f"mail server gave no answer: {error!r}") from error
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            pass    # the server already accepted the message


# The backends by name; another one registers a factory that builds it from the app's config.
SMS_GATEWAYS: dict[str, Callable[[Mapping], SmsGateway]] = {
    "outbox": lambda _config: OutboxOnly(),
    "http": HttpSmsGateway.from_config,
}
MAIL_GATEWAYS: dict[str, Callable[[Mapping], MailGateway]] = {
    "outbox": lambda _config: OutboxOnly(),
    "smtp": SmtpMail.from_config,
}


def sms_gateway(config: Mapping) -> SmsGateway:
    return _build(SMS_GATEWAYS, "SMS_BACKEND", config)


def mail_gateway(config: Mapping) -> MailGateway:
    return _build(MAIL_GATEWAYS, "MAIL_BACKEND", config)


def _build(registry: Mapping[str, Callable], key: str, config: Mapping):
    """A misconfigured backend fails before any message is claimed, so none is left "sending"."""
    name = config.get(key, "outbox")
    if name not in registry:
        raise ValueError(f"{key}={name!r}: choose one of {', '.join(sorted(registry))}")
    return registry[name](config)
