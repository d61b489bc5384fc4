"""NCALayer in the browser: a test certifying centre the desk is configured to trust, and a
WebSocket route that answers static/js/ncalayer.js as NCALayer would, signing with a test
client certificate (RSA, made in a moment)."""
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from playwright.sync_api import Page, WebSocketRoute

from tests.cabinet_signing_eds.pki import CertificateRequest, Party, RsaScheme, _ca

NCALAYER = re.compile(r"^wss://127\.0\.0\.1:13579/?$")
VALIDITY = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC))


def person(iin: str, name: str = "ТЕСТОВ ТЕСТ") -> tuple[tuple[str, str], ...]:
    return (("CN", name), ("SURNAME", name.split()[0]), ("SERIALNUMBER", f"IIN{iin}"), ("C", "KZ"))


@dataclass
class TestCentre:
    """Root → intermediate (trusted by the desk) and a foreign root (not); clients' certificates
    are issued on demand, all on one key."""
    scheme: RsaScheme = field(default_factory=RsaScheme)

    __test__ = False

    def __post_init__(self) -> None:
        self.root = self.scheme.issue(_ca("ТЕСТОВЫЙ КОРНЕВОЙ УЦ"), self.scheme.new_key(), None)
        self.intermediate = self.scheme.issue(_ca("ТЕСТОВЫЙ НУЦ"), self.scheme.new_key(), self.root)
        self.foreign_root = self.scheme.issue(_ca("ЧУЖОЙ УЦ"), self.scheme.new_key(), None)
        self.key = self.scheme.new_key()

    def client(self, iin: str, foreign: bool = False) -> Party:
        issuer = self.foreign_root if foreign else self.intermediate
        return self.scheme.issue(CertificateRequest(subject=person(iin), validity=VALIDITY), self.key, issuer)

    def write_ca_file(self, path: Path) -> str:
        """The trusted chain as one PEM file, as NCA_CA_FILES takes it."""
        path.write_bytes(b"".join(x509.load_der_x509_certificate(party.certificate).public_bytes(
            serialization.Encoding.PEM) for party in (self.root, self.intermediate)))
        return str(path)


@dataclass
class FakeNcaLayer:
    """Answers `signXml` with the XML signed by `signer`; `tamper` (bytes → bytes) alters the
    signed XML before it goes back, as a forged answer would."""
    centre: TestCentre
    signer: Party
    tamper: object = None
    requests: list = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.route_web_socket(NCALAYER, self._connected)

    def _connected(self, ws: WebSocketRoute) -> None:
        ws.on_message(lambda message: self._answer(ws, message))
        ws.send(json.dumps({"result": {"version": "1.4"}}))   # NCALayer's greeting

    def _answer(self, ws: WebSocketRoute, message) -> None:
        request = json.loads(message)
        self.requests.append(request)
        signed = self.centre.scheme.sign_xml(request["args"][2].encode(), self.signer)
        if self.tamper is not None:
            signed = self.tamper(signed)
        ws.send(json.dumps({"code": "200", "responseObject": signed.decode()}))
