"""Sealed bids, written once for both kinds of offering: idempotent submission, the firm's own
bids only, withdrawal, the custodian's answer (App.9) and the audit trail of each.

A bid is sealed until the window closes: the audit trail keeps its terms only as an HMAC
(app.audit.sealing), and only the bidding firm reads it. Every change takes the offering's row
(the feature decides how) and then the bid's, so a second edit of one bid waits for the first."""
from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.sealing import sealed
from app.audit.services import record
from app.auth.models import Organisation, User
from app.auth.roles import OrganisationKind
from app.placement.kind import OfferingKind
from app.placement.vocabulary import BIDDERS, Confirmation

FOUR_PLACES = Decimal("0.0001")


# --- idempotency ---------------------------------------------------------------------------------------

def idempotency_key(kind: OfferingKind, key: str | None) -> str:
    key = (key or "").strip()
    if not key or len(key) > 64:
        raise kind.error(_l("Every bid needs an idempotency key of 1–64 characters."), "idempotency_key")
    return key


def find_by_key(session, kind: OfferingKind, organisation_id: int, key: str):
    return session.scalar(select(kind.bid).where(kind.bid.organisation_id == organisation_id,
                                                 kind.bid.idempotency_key == key))


def repeated(session, kind: OfferingKind, offering, organisation_id: int, key: str):
    """The bid a request with this key created before, if any: a repeat creates nothing."""
    existing = find_by_key(session, kind, organisation_id, key)
    if existing is not None and kind.offering_id(existing) != offering.id:
        raise kind.error(kind.words["key_reused"], "idempotency_key", code="idempotency_key_reused")
    return existing


# --- reading -----------------------------------------------------------------------------------------

def firm_bids(session, kind: OfferingKind, offering, organisation_id: int) -> list:
    parent = getattr(kind.bid, kind.parent)
    return list(session.scalars(select(kind.bid).where(parent == offering.id,
                                                       kind.bid.organisation_id == organisation_id)
                                .order_by(kind.bid.id)))


def locked_bid(session, kind: OfferingKind, bid_id: int):
    """The bid as it stands now, kept until commit: a second edit of it waits for the first."""
    return session.scalars(select(kind.bid).where(kind.bid.id == bid_id).with_for_update(key_share=True)
                           .execution_options(populate_existing=True)).one()


def check_own(kind: OfferingKind, bid, user: User) -> None:
    if bid.organisation_id != user.organisation_id:
        raise kind.error(_l("Bid not found."), code="not_found")


def check_active(kind: OfferingKind, bid) -> None:
    if bid.status != kind.bid_statuses.ACTIVE:
        raise kind.error(_l("This bid is no longer active."))


# --- what a bidder types -------------------------------------------------------------------------------

def check_member(kind: OfferingKind, user: User, message) -> None:
    if user.role not in BIDDERS:
        raise kind.error(message, code="forbidden")


def check_gko_bidder(kind: OfferingKind, firm: Organisation, for_a_client: bool, field: str) -> None:
    """App.7 §5, App.8: GKO is bid for by primary dealers only, in their own name and account."""
    if not firm.is_primary_dealer:
        raise kind.error(_l("Only primary dealers bid for GKO."), code="not_primary_dealer")
    if for_a_client:
        raise kind.error(_l("A primary dealer bids for GKO in its own name and for its own account only."), field)


def quantity(kind: OfferingKind, value) -> int:
    if not isinstance(value, int) or value <= 0:
        raise kind.error(_l("The quantity is a whole number of securities, at least one."), "quantity")
    return value


def iin(kind: OfferingKind, value: str, field: str) -> str:
    value = value.strip()
    if len(value) != 12 or not value.isdigit():
        raise kind.error(_l("An IIN/BIN has 12 digits."), field)
    return value


def four_places(kind: OfferingKind, value, field: str, message) -> Decimal:
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise kind.error(message, field) from None
    if not value.is_finite() or value != value.quantize(FOUR_PLACES):
        raise kind.error(message, field)
    return value.quantize(FOUR_PLACES)


def no_price(kind: OfferingKind, *values) -> None:
    if any(value is not None for value in values):
        raise kind.error(_l("A market bid carries no price."), "price")


def not_a_kind(kind: OfferingKind):
    return kind.error(_l("A bid is a limit bid or a market bid."), "kind")


def custodian(session, kind: OfferingKind, custodian_id: int | None, active_only: bool = True) -> int | None:
    """The custodian that controls the account (App.9), who must confirm; None: own account."""
    if custodian_id is None:
        return None
    firm = session.get(Organisation, custodian_id)
    if firm is None or firm.kind != OrganisationKind.CUSTODIAN or (active_only and not firm.is_active):
        raise kind.error(_l("Choose a custodian from the list."), "custodian_id")
    return firm.id


def confirmation_of(custodian_id: int | None) -> Confirmation:
    return Confirmation.PENDING if custodian_id else Confirmation.NOT_REQUIRED


def clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


# --- the audit trail of a bid ------------------------------------------------------------------------

def bid_stream(kind: OfferingKind, bid) -> str:
    """One audit chain per firm and offering: firms bidding side by side never share a head."""
    return f"{kind.name}:{kind.offering_id(bid)}:organisation:{bid.organisation_id}"


def bid_snapshot(kind: OfferingKind, bid) -> dict:
    """What the audit trail keeps of a bid: the terms only sealed (app.audit.sealing)."""
    return {kind.parent: kind.offering_id(bid), **{name: getattr(bid, name) for name in kind.bid_fields},
            "sealed": sealed_digest(kind, bid)}


def sealed_digest(kind: OfferingKind, bid) -> str:
    return sealed([bid.id, *kind.sealed_terms(bid)])


def recorded(session, kind: OfferingKind, verb: str, bid, before: dict | None):
    session.flush()
    record(session, f"{kind.bid_audit}.{verb}", kind.bid_entity, bid.id, before, bid_snapshot(kind, bid),
           stream=bid_stream(kind, bid))
    return bid


def withdrawn(session, kind: OfferingKind, bid, now: datetime):
    """The bid stays, marked withdrawn; the caller has checked the window and its rules."""
    check_active(kind, bid)
    before = bid_snapshot(kind, bid)
    bid.status, bid.updated_at = kind.bid_statuses.WITHDRAWN, now
    return recorded(session, kind, "withdraw", bid, before)


# --- the custodian's answer (App.9) ------------------------------------------------------------------

def check_custodian_of(kind: OfferingKind, bid, user: User) -> None:
    if bid.custodian_id != user.organisation_id:
        raise kind.error(_l("Bid not found."), code="not_found")


def check_awaiting(kind: OfferingKind, bid) -> None:
    if bid.status != kind.bid_statuses.ACTIVE or bid.confirmation != Confirmation.PENDING:
        raise kind.error(_l("This bid does not await your confirmation."))


def answered(session, kind: OfferingKind, bid, confirmed: bool, refused_status, now: datetime):
    """A confirmation, or a refusal that takes the bid out of the register."""
    before = bid_snapshot(kind, bid)
    bid.confirmation = Confirmation.CONFIRMED if confirmed else Confirmation.REFUSED
    if not confirmed:
        bid.status, bid.status_reason = refused_status, "refused_by_custodian"
    bid.updated_at = now
    return recorded(session, kind, "confirm" if confirmed else "refuse", bid, before)


def bids_to_confirm(session, kind: OfferingKind, custodian_id: int, *order) -> list:
    return list(session.scalars(select(kind.bid).join(kind.offering).where(
        kind.bid.custodian_id == custodian_id, kind.offering.status == kind.statuses.ANNOUNCED)
        .order_by(*order, kind.bid.id)))
