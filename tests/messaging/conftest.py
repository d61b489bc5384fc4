"""Real servers on 127.0.0.1 for the gateways: an HTTP SMS gateway in a thread and an SMTP
server (aiosmtpd), each recording what reached it, each closed after its test."""
import base64
import json
import socket
import ssl
import threading
from contextlib import contextmanager
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Address

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

GATEWAY_LOGIN, GATEWAY_PASSWORD = "desk", "gateway-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class SmsGatewayServer:
    """What the gateway received; `status` is its answer, `hang` keeps it from answering,
    `on_request` runs while it holds a request."""
    url: str = ""
    status: int = 200
    hang: bool = False
    on_request: Callable[[], None] | None = None
    released: threading.Event = field(default_factory=threading.Event)
    requests: list[dict] = field(default_factory=list)


class _GatewayHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        gateway = self.server.gateway
        body = self.rfile.read(int(self.headers["Content-Length"]))
        gateway.requests.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(body)})
        if gateway.on_request:
            gateway.on_request()
        if gateway.hang:
            gateway.released.wait(10)
        try:
            self.send_response(gateway.status)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:
            pass    # the desk gave up waiting and closed the connection

    def log_message(self, *_args):
        pass


@pytest.fixture
def sms_gateway(app):
    """A gateway at SMS_GATEWAY_URL, with SMS_BACKEND=http for this test's app."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _GatewayHandler)
    server.gateway = SmsGatewayServer(url=f"http://127.0.0.1:{server.server_address[1]}/send")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config.update(SMS_BACKEND="http", SMS_GATEWAY_URL=server.gateway.url, SMS_GATEWAY_LOGIN=GATEWAY_LOGIN,
                      SMS_GATEWAY_PASSWORD=GATEWAY_PASSWORD, SMS_GATEWAY_SENDER="KASE")
    yield server.gateway
    server.gateway.released.set()
    server.shutdown()
    server.server_close()
    thread.join()


def basic_auth(headers: dict) -> str:
    scheme, _, encoded = headers["Authorization"].partition(" ")
    assert scheme == "Basic"
    return base64.b64decode(encoded).decode()


class _Mailbox:
    """An aiosmtpd handler: every message accepted, kept with its envelope."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.logins: list[tuple[str, str]] = []

    async def handle_DATA(self, _server, _session, envelope):
        self.messages.append({"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                              "message": message_from_bytes(envelope.content, policy=policy.default)})
        return "250 OK"

    def authenticate(self, _server, _session, _envelope, _mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=self.logins[-1:] == [("mailer", "mail-secret")])


@pytest.fixture
def smtp_server():
    """Yields (mailbox, port): an SMTP server without TLS."""
    with _serve(_Mailbox()) as served:
        yield served


@pytest.fixture
def starttls_server(tmp_path):
    """Yields (mailbox, port, client TLS context): STARTTLS required before AUTH and MAIL."""
    certificate, key = _self_signed(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(certificate, key)
    mailbox = _Mailbox()
    with _serve(mailbox, tls_context=server_context, require_starttls=True,
                authenticator=mailbox.authenticate, auth_required=True) as (_, port):
        yield mailbox, port, ssl.create_default_context(cafile=certificate)


@contextmanager
def _serve(mailbox: _Mailbox, **smtp_parameters):
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **smtp_parameters)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def _self_signed(folder) -> tuple[str, str]:
    """A certificate for 127.0.0.1, the only one the client context trusts."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    at = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(at - timedelta(minutes=5)).not_valid_after(at + timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
                   .sign(key, hashes.SHA256()))
    certificate_path, key_path = folder / "smtp_cert.pem", folder / "smtp_key.pem"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(certificate_path), str(key_path)
