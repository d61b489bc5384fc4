"""The back office reads the documents its clients signed (`app.cabinet.signing.access`)."""
from sqlalchemy import select

from app.auth.models import User
from app.auth.roles import Role
from app.brokerage.models import BrokerClient
from app.cabinet.signing import access
from app.cabinet.signing.models import SignedDocument
from app.extensions import db


def office_of_signer(user: User, document: SignedDocument) -> bool:
    """A back-office user of the firm whose client signed the document."""
    if not user.is_authenticated or user.role != Role.BROKER_OFFICE or user.organisation_id is None:
        return False
    return db.session.scalar(select(BrokerClient.id).where(
        BrokerClient.user_id == document.signer_id, BrokerClient.firm_id == user.organisation_id)) is not None


def register_reader() -> None:
    """Once, however many apps are made (each test makes its own)."""
    if office_of_signer not in access.readers:
        access.readers.append(office_of_signer)
