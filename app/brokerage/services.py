"""The back office's changes: a client under a brokerage agreement, its login, and deposits.
Services flush; the request commits. Every change is in the audit trail."""
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit.services import record
from app.auth import services as identity
from app.auth.models import Organisation, User
from app.auth.roles import OrganisationKind, Role
from app.brokerage.models import BrokerClient, ClientStatus, Currency, LedgerEntry, LedgerSource, Venue
from app.domain.identifiers import is_valid_iin

MAX_AMOUNT = Decimal(10) ** 15
CENT = Decimal("0.01")


class BrokerageError(Exception):
    def __init__(self, message, field: str | None = None, code: str = "invalid"):
        super().__init__(str(message))
        self.message, self.field, self.code = message, field, code


@dataclass(frozen=True)
class ClientEntry:
    """What the back office types for a new client (seed 000: a natural person)."""
    iin: str
    full_name: str
    phone: str
    email: str
    agreement_number: str
    agreement_date: date
    login: str


@dataclass(frozen=True)
class Balance:
    venue: str | None
    asset: str
    amount: Decimal

    @property
    def is_money(self) -> bool:
        return self.venue is None


def register_client(session, firm: Organisation, entry: ClientEntry, by: User, at: datetime) -> tuple[BrokerClient, str]:
    """A client, its own organisation and a `client` login with a one-time first password
    (returned once, for the back office to hand over; the client must change it)."""
    iin, phone, email = check_iin(entry.iin), normalise_phone(entry.phone), normalise_email(entry.email)
    _check_agreement(session, firm, iin, entry)
    person = identity.create_organisation(session, _organisation_name(session, entry.full_name, firm), OrganisationKind.CLIENT,
                                          at, parent=firm)
    password = first_password()
    user = identity.create_user(session, entry.login, entry.full_name, Role.CLIENT, person, password, at, email=email)
    user.must_change_password = True
    client = BrokerClient(firm_id=firm.id, organisation_id=person.id, user_id=user.id, iin=iin,
                          full_name=entry.full_name.strip(), phone=phone, email=email,
                          agreement_number=entry.agreement_number.strip(), agreement_date=entry.agreement_date,
                          client_code="", status=ClientStatus.ACTIVE, created_at=at)
    session.add(client)
    session.flush()
    client.client_code = f"C{client.id:06d}"
    session.flush()
    record(session, "client.registered", "broker_client", client.id, None, client_snapshot(client))
    return client, password


def check_iin(value: str) -> str:
    iin = (value or "").strip()
    if not is_valid_iin(iin):
        raise BrokerageError(_l("An IIN has 12 digits, the last one its check digit; this one does not check."), "iin")
    return iin


def normalise_phone(value: str) -> str:
    """A mobile number in E.164 (+77011234567); Kazakhstan's numbers may be typed locally."""
    try:
        number = phonenumbers.parse((value or "").strip(), "KZ")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number) or \
            phonenumbers.number_type(number) not in (phonenumbers.PhoneNumberType.MOBILE,
                                                    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise BrokerageError(_l("Enter a valid mobile phone number, e.g. +7 701 123 45 67."), "phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(value: str) -> str:
    try:
        return validate_email((value or "").strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise BrokerageError(_l("Enter a valid e-mail address."), "email") from error


def first_password() -> str:
    return secrets.token_urlsafe(12)


def _check_agreement(session, firm: Organisation, iin: str, entry: ClientEntry) -> None:
    if not entry.agreement_number.strip():
        raise BrokerageError(_l("Enter the brokerage agreement's number."), "agreement_number")
    taken = session.scalar(select(BrokerClient.id).where(BrokerClient.firm_id == firm.id, BrokerClient.iin == iin))
    if taken:
        raise BrokerageError(_l("This person is already a client of the firm."), "iin")
    number = session.scalar(select(BrokerClient.id).where(BrokerClient.firm_id == firm.id,
                                                          BrokerClient.agreement_number == entry.agreement_number.strip()))
    if number:
        raise BrokerageError(_l("The firm already has an agreement with this number."), "agreement_number")


def _organisation_name(session, full_name: str, firm: Organisation) -> str:
    """Organisation names are unique on the desk; two brokers may serve namesakes."""
    base = f"{full_name.strip()} · {firm.name}"
    taken = session.scalar(select(func.count(Organisation.id)).where(Organisation.name.like(f"{base}%")))
    return base if not taken else f"{base} ({taken + 1})"


def attach_client(session, firm: Organisation, person: Organisation, user: User, entry: ClientEntry, at: datetime) -> BrokerClient:
    """An existing client organisation and login (the demo's) under a brokerage agreement."""
    client = BrokerClient(firm_id=firm.id, organisation_id=person.id, user_id=user.id, iin=check_iin(entry.iin),
                          full_name=entry.full_name, phone=normalise_phone(entry.phone),
                          email=normalise_email(entry.email), agreement_number=entry.agreement_number,
                          agreement_date=entry.agreement_date, client_code="", status=ClientStatus.ACTIVE,
                          created_at=at)
    session.add(client)
    session.flush()
    client.client_code = f"C{client.id:06d}"
    session.flush()
    record(session, "client.registered", "broker_client", client.id, None, client_snapshot(client))
    return client


def record_deposit(session, client: BrokerClient, amount: Decimal, currency: str, reference: str | None,
                   by: User, at: datetime, venue: str | None = None) -> LedgerEntry:
    """Money (a currency) or securities (an instrument code on a venue) received for the client."""
    asset = _check_asset(currency, venue)
    if amount is None or not amount.is_finite() or amount <= 0 or amount >= MAX_AMOUNT:
        raise BrokerageError(_l("Enter an amount above zero and below 10^15."), "amount")
    if venue is None and amount != amount.quantize(CENT):
        raise BrokerageError(_l("Money has at most two decimal places."), "amount")
    if venue is not None and amount != amount.to_integral_value():
        raise BrokerageError(_l("Securities are counted in whole pieces."), "amount")
    return post(session, client, venue, asset, amount, LedgerSource.DEPOSIT, reference, by, at)


def _check_asset(asset: str, venue: str | None) -> str:
    asset = (asset or "").strip().upper()
    if venue is None and asset not in set(Currency):
        raise BrokerageError(_l("Choose KZT or USD."), "currency")
    if venue is not None and (venue not in set(Venue) or not asset or len(asset) > 20):
        raise BrokerageError(_l("Choose the venue and enter the instrument's code."), "currency")
    return asset


def post(session, client: BrokerClient, venue: str | None, asset: str, amount: Decimal, source: LedgerSource,
         reference: str | None, by: User, at: datetime, settles_on: date | None = None,
         note: str | None = None) -> LedgerEntry:
    """Append one movement to the client's ledger (flushes) — deals, fees and withdrawals too."""
    entry = LedgerEntry(client_id=client.id, venue=venue, asset=asset, amount=amount, source=source,
                        reference=(reference or "").strip()[:60] or None, note=note, settles_on=settles_on,
                        created_at=at, created_by_id=by.id)
    session.add(entry)
    session.flush()
    record(session, "ledger.posted", "broker_client", client.id, None,
           {"entry": entry.id, "venue": venue, "asset": asset, "amount": str(amount), "source": str(source)})
    return entry


def lock_client(session, client: BrokerClient) -> None:
    """What uses a client's free money or securities (an order, a withdrawal) is checked and
    taken one at a time: the client's row is locked until the transaction ends."""
    session.execute(select(BrokerClient.id).where(BrokerClient.id == client.id).with_for_update())


def balances(session, clients: list[BrokerClient]) -> dict[int, list[Balance]]:
    """Each client's sub-accounts: the sum of its entries per venue and asset, money first."""
    rows = session.execute(select(LedgerEntry.client_id, LedgerEntry.venue, LedgerEntry.asset, func.sum(LedgerEntry.amount))
                           .where(LedgerEntry.client_id.in_([client.id for client in clients]))
                           .group_by(LedgerEntry.client_id, LedgerEntry.venue, LedgerEntry.asset)).all()
    found: dict[int, list[Balance]] = defaultdict(list)
    for client_id, venue, asset, amount in rows:
        found[client_id].append(Balance(venue, asset, Decimal(amount).quantize(CENT)))
    for listed in found.values():
        listed.sort(key=lambda balance: (balance.venue is not None, balance.venue or "", balance.asset))
    return found


def client_snapshot(client: BrokerClient) -> dict:
    return {"iin": client.iin, "full_name": client.full_name, "phone": client.phone, "email": client.email,
            "agreement_number": client.agreement_number, "agreement_date": client.agreement_date.isoformat(),
            "client_code": client.client_code, "status": client.status}
