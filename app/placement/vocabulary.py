"""Words both kinds of offering use: the custodian's confirmation, bidder roles, investor types."""
from enum import StrEnum

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectChoice

from app.auth.models import Organisation
from app.auth.roles import OrganisationKind, Role

BIDDERS = (Role.PRIMARY_DEALER, Role.PARTICIPANT)
MONEY_PLACES = 2


class Confirmation(StrEnum):
    """App.9: a bid on an account a custodian controls waits for its answer."""

    NOT_REQUIRED = "not_required"
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REFUSED = "refused"


# What both kinds of offering call their shared statuses, bid statuses and notices; each adds its own.
STATUS_LABELS = {
    "submitted": _l("Filed, under review"), "refused": _l("Refused by the exchange"), "announced": _l("Announced"),
    "failed": _l("Failed"), "deals_formed": _l("Deals formed"), "settled": _l("Settled"),
}
STATUS_TONES = {"submitted": "warn", "refused": "danger", "accepted": "accent", "announced": "accent",
                "closed": "warn", "failed": "danger", "deals_formed": "ok", "settled": "ok"}
BID_STATUS_LABELS = {"active": _l("Active"), "withdrawn": _l("Withdrawn")}
NOTICE_LABELS = {"announcement": _l("Announcement"), "failed": _l("Declared failed"), "results": _l("Results")}
CONFIRMATION_LABELS = {"not_required": _l("Not required"), "pending": _l("Awaiting the custodian"),
                       "confirmed": _l("Confirmed"), "refused": _l("Refused by the custodian")}
INVESTOR_TYPE_LABELS = {
    "bank": _l("Banks"),
    "broker_dealer": _l("Broker-dealers"),
    "pension_fund": _l("Pension funds"),
    "other_institutional": _l("Other institutional investors"),
    "other_legal": _l("Other legal entities"),
    "individual": _l("Individuals"),
}
INVESTOR_TYPES = tuple(INVESTOR_TYPE_LABELS)


def custodian_choices(session) -> list[SelectChoice]:
    custodians = session.scalars(select(Organisation).where(
        Organisation.kind == OrganisationKind.CUSTODIAN, Organisation.is_active.is_(True)).order_by(Organisation.name))
    return [SelectChoice("", _("Own account (no custodian)"))] + [
        SelectChoice(str(org.id), _("Account controlled by %(name)s", name=org.name)) for org in custodians]
