"""Who may see a signed document: its signer acts on it; staff and registered readers download it.

To anyone else a document does not exist (404). A broker's back office is added by appending a
predicate to `readers` (and its role to `DOWNLOAD_ROLES`).
"""
from collections.abc import Callable

from app.auth.models import User
from app.auth.roles import STAFF_ROLES, Role
from app.cabinet.signing.models import SignedDocument

SIGNER_ROLES = (Role.CLIENT,)
DOWNLOAD_ROLES = (Role.CLIENT, Role.BROKER_OFFICE, *sorted(STAFF_ROLES))
# More readers of the files: each answers whether `user` may download `document`.
readers: list[Callable[[User, SignedDocument], bool]] = []


def is_signer(user: User, document: SignedDocument) -> bool:
    return user.is_authenticated and document.signer_id == user.id


def can_download(user: User, document: SignedDocument) -> bool:
    """The signer, exchange staff and administrators, and whoever a registered reader admits."""
    if is_signer(user, document) or user.role in STAFF_ROLES:
        return True
    return any(reader(user, document) for reader in readers)
