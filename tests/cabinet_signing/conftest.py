"""A client with a phone on file, documents issued to it, a test kind whose handler counts its
calls, the business clock frozen, and the SMS codes read back from the outbox."""
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.auth.roles import Role
from app.brokerage.services import ClientEntry, attach_client
from app.cabinet.signing import services
from app.cabinet.signing.models import SignedDocument
from app.clock.services import now, set_sandbox_time
from app.domain.calendar import ALMATY
from app.extensions import db
from app.messaging.models import OutboxMessage
from tests.api.conftest import issue_token  # noqa: F401 — the fixture, for the API tests

IIN = "850312300121"
OTHER_IIN = "900101300017"
PHONE = "+77011234567"
START = datetime(2027, 3, 10, 11, 0, tzinfo=ALMATY)
KIND = "test_instruction"
SUMMARY = "Buy 10 KZTK at 1 000,00 ₸"
FIELDS = {"Side": "buy", "Security": "KZTK", "Quantity": "10", "Price": "1000.00"}


@pytest.fixture(scope="session")
def sandbox_pki_dir(tmp_path_factory):
    """One sandbox certifying centre for the session: its keys take a moment to make."""
    return tmp_path_factory.mktemp("sandbox_pki")


@pytest.fixture
def app(make_app, sandbox_pki_dir):
    app = make_app(SANDBOX_PKI_DIR=str(sandbox_pki_dir))
    with app.app_context():
        yield app


@pytest.fixture
def clock(app) -> Callable[[datetime], None]:
    """Freeze the business clock (the sandbox clock) at an instant; `clock.move(seconds=…)` later."""
    class Clock:
        def __call__(self, instant: datetime) -> None:
            set_sandbox_time(db.session, instant, frozen=True, user_id=None)
            db.session.commit()

        def move(self, **delta) -> None:
            self(now() + timedelta(**delta))

    clock = Clock()
    clock(START)
    return clock


@pytest.fixture
def handled(monkeypatch) -> list[int]:
    """The test kind's handler records each document it was run for."""
    calls: list[int] = []
    monkeypatch.setitem(services.KIND_HANDLERS, KIND, lambda session, document: calls.append(document.id))
    return calls


@pytest.fixture
def signer(login_as, clock, handled) -> User:
    """A client of a broker, its phone on file, logged in on `client`, reading English."""
    user = login_as(Role.CLIENT)
    user.locale = "en"
    entry = ClientEntry(iin=IIN, full_name=user.full_name, phone=PHONE, email="client@example.kz",
                        agreement_number=f"A-{user.id}", agreement_date=date(2026, 11, 2), login=user.login)
    attach_client(db.session, user.organisation.parent, user.organisation, user, entry, now())
    db.session.commit()
    return user


@pytest.fixture
def issue(app) -> Callable[..., SignedDocument]:
    def build(user: User, iin: str = IIN, kind: str = KIND, fields: dict | None = None) -> SignedDocument:
        document = services.issue(db.session, kind, dict(FIELDS if fields is None else fields), user, iin,
                                  SUMMARY, "/home", now())
        db.session.commit()
        return document

    return build


@pytest.fixture
def document(issue, signer) -> SignedDocument:
    return issue(signer)


def sent_messages() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def last_sms_code() -> str:
    """The code of the last SMS sent, as the client reads it."""
    return re.search(r"code (\d{6})$", sent_messages()[-1].body).group(1)
