"""What the two kinds of offering share in their API documents: decimal places, choices, the
firm, the idempotency header, and the fields every sealed bid and every deal has.

Prices and yields are decimal strings with 4 places, money with 2, percentages with 2
(app/api/fields.py); quantities are integers; instants are ISO 8601 with an offset."""
from apiflask import Schema
from apiflask.fields import Integer, Nested, String
from apiflask.validators import OneOf
from flask_babel import lazy_gettext as _l
from marshmallow import pre_load

from app.api.fields import AwareDateTime, DecimalString
from app.placement.vocabulary import MONEY_PLACES

CHOOSE = _l("Choose one of: {choices}.")
PRICE_PLACES, PERCENT_PLACES = 4, 2


def choice(enum) -> OneOf:
    return OneOf([str(member) for member in enum], error=CHOOSE)


class OrganisationOut(Schema):
    id = Integer()
    name = String()


class IdempotencyHeaders(Schema):
    idempotency_key = String(data_key="Idempotency-Key", required=True, metadata={
        "description": "1–64 characters, unique per bid of your firm. A repeat with the same key "
                       "answers 200 with the bid first created, and creates nothing."})

    @pre_load
    def absent_is_blank(self, headers, **kwargs) -> dict:
        """A missing key reaches the view as blank, which answers 400 (not a 422 validation error)."""
        key = headers.get("Idempotency-Key")  # webargs answers `missing` for an absent header
        return {"Idempotency-Key": key if isinstance(key, str) else ""}


class PlacementBriefOut(Schema):
    """What every offering shows in a list."""

    id = Integer()
    number = String(allow_none=True, metadata={"description": "Given by the exchange on acceptance."})
    column = String(metadata={"description": "securities or gko."})
    status = String()
    status_label = String(metadata={"description": "The status in the user's language."})
    security_name = String()
    isin = String()


class PlacementStepsOut(Schema):
    """When an offering took each step of the shared lifecycle."""

    face_value = DecimalString(MONEY_PLACES)
    filed_at = AwareDateTime()
    accepted_at = AwareDateTime(allow_none=True)
    announced_at = AwareDateTime(allow_none=True)
    closed_at = AwareDateTime(allow_none=True)


class SealedBidOut(Schema):
    """What every bid shows its own firm (and the custodian that confirms it)."""

    id = Integer(metadata={"description": "The bid number in the registers."})
    organisation = Nested(OrganisationOut, metadata={"description": "The bidding firm."})
    idempotency_key = String()
    kind = String()
    price = DecimalString(PRICE_PLACES, allow_none=True)
    quantity = Integer()
    custodian = Nested(OrganisationOut, allow_none=True)
    confirmation = String(metadata={"description": "not_required, pending, confirmed or refused."})
    status_reason = String(allow_none=True)
    created_at = AwareDateTime()
    updated_at = AwareDateTime()


class PlacedDealOut(Schema):
    """What every deal of a placement shows."""

    id = Integer()
    number = String()
    bid_id = Integer()
    organisation = Nested(OrganisationOut)
    quantity = Integer()
    price = DecimalString(PRICE_PLACES)
    amount = DecimalString(MONEY_PLACES, metadata={"description": "Tenge."})
    created_at = AwareDateTime()
