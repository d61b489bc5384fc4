"""What every route of both kinds of offering starts from: the offering of the URL brought up to
date, if the user may read it, and the bid of the URL if it is the firm's own (or on an account
its custodian controls). What the caller may not see is not found — a page answers 404, the API
a JSON 404 — so that its existence does not leak."""
from types import ModuleType

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.api.errors import ApiError
from app.clock.services import now
from app.extensions import db
from app.placement.kind import OfferingKind
from app.transaction import is_read


def errors(noun: str) -> dict:
    """The API document's answers to a refused call about one offering."""
    return {404: f"No such {noun}, or not visible to you", 409: f"The {noun}'s status does not allow this",
            422: "Refused: `code` names the rule, `details.json` the field"}


def not_found(kind: OfferingKind, message=None) -> ApiError:
    return ApiError(404, "not_found", str(message or kind.words["not_found"]))


def readable(kind: OfferingKind, offering_id: int, can_read, up_to_date):
    """The offering, closed if its window has ended (a read derives it, a change stores it);
    None when there is none or the user may not read it."""
    offering = db.session.get(kind.offering, offering_id)
    if offering is None or not can_read(offering, current_user):
        return None
    return up_to_date(db.session, offering, now(), store=not is_read())


class Loaders:
    """One kind's starting points: its `results` module closes windows (`advance_due`,
    `up_to_date`, looked up at call time), `can_read(offering, user)` decides who sees it."""

    def __init__(self, kind: OfferingKind, can_read, results: ModuleType):
        self.kind, self.can_read, self.results = kind, can_read, results

    def refreshed(self) -> None:
        """Windows that have ended show as closed: a read derives it, a change stores it."""
        self.results.advance_due(db.session, now(), store=not is_read())

    def load(self, offering_id: int):
        """A page's offering, up to date; 404 when the user may not see it."""
        return readable(self.kind, offering_id, self.can_read, self.results.up_to_date) or abort(404)

    def current(self, offering_id: int):
        """The API's offering, up to date; a JSON 404 when the user may not see it."""
        offering = readable(self.kind, offering_id, self.can_read, self.results.up_to_date)
        if offering is None:
            raise not_found(self.kind)
        return offering

    def not_found(self, message=None) -> ApiError:
        return not_found(self.kind, message)


def firm_bid(kind: OfferingKind, offering_id: int, bid_id: int, firm_column: str = "organisation_id"):
    """The bid of this offering if it is the user's firm's (or, by `custodian_id`, controlled by it)."""
    bid = db.session.get(kind.bid, bid_id)
    if bid is None or kind.offering_id(bid) != offering_id or getattr(bid, firm_column) != current_user.organisation_id:
        return None
    return bid


def controlled_bids(kind: OfferingKind, offering_id: int) -> list:
    """A custodian's view: the bids on the accounts it controls. It may confirm those even in a
    private placement, which it cannot otherwise see."""
    parent = getattr(kind.bid, kind.parent)
    return list(db.session.scalars(select(kind.bid).where(
        parent == offering_id, kind.bid.custodian_id == current_user.organisation_id).order_by(kind.bid.id)))


def no_such_bid(kind: OfferingKind) -> ApiError:
    return not_found(kind, _("There is no such bid."))
