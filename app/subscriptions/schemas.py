"""Schemas of the subscriptions API (App.8).

Money is a decimal string with 2 places, prices with 4 (tenge per share, or % of face value for
bonds); quantities are integers; instants are ISO 8601 with an offset (app/api/fields.py).
Class names carry "Offering" so they never collide with the auctions API in the spec.
"""
from decimal import Decimal

from apiflask import Schema
from apiflask.fields import Boolean, Dict, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from app.api.fields import AwareDateTime, BoundedInteger, DecimalString
from app.db_types import BIGINT_MAX
from app.placement.schemas import (CHOOSE, MONEY_PLACES, PRICE_PLACES, OrganisationOut, PlacedDealOut,
                                   PlacementBriefOut, PlacementStepsOut, SealedBidOut, choice)
from app.subscriptions.models import SettlementCode
from app.subscriptions.services import CATEGORIES

BID_KINDS = ("limit", "market")


def when(description: str) -> AwareDateTime:
    return AwareDateTime(required=True, metadata={"description": description})


# --- in ------------------------------------------------------------------------------------------

class OfferingTermsIn(Schema):
    """App.8 §1: what the seller (or the Ministry) states; the exchange checks it."""

    security_name = String(required=True, validate=Length(min=1, max=200))
    isin = String(required=True, validate=Length(min=12, max=12), metadata={"example": "KZ1C00000001"})
    issuer_id = BoundedInteger(strict=True, allow_none=True, load_default=None,
                        metadata={"description": "The issuer whose securities are offered (not for GKO)."})
    is_bond = Boolean(load_default=False, metadata={"description": "Bonds: prices in % of face value. GKO: always."})
    face_value = DecimalString(MONEY_PLACES, required=True, metadata={"description": "Tenge per security."})
    quantity = BoundedInteger(maximum=BIGINT_MAX, required=True, strict=True, validate=Range(min=1))
    price_min = DecimalString(PRICE_PLACES, required=True)
    price_max = DecimalString(PRICE_PLACES, required=True,
                              metadata={"description": "Equal to price_min: a fixed price."})
    period_start_at = when("The bid period starts.")
    period_end_at = when("The bid period ends (bids up to, not at, this instant).")
    collateral_check_at = when("Cover is checked (T0, Y0); custodians confirm before it.")
    register_due_at = when("The accepted bids register is due to the seller.")
    answer_due_at = when("The seller's satisfied register is due.")
    with_ccp = Boolean(load_default=False)
    settlement_code = String(required=True, validate=choice(SettlementCode))
    settlement_organisation = String(allow_none=True, load_default=None, validate=Length(max=200), metadata={
        "description": "Empty: the central depository (certificates are issued); otherwise the organisation named."})
    investor_categories = List(String(validate=OneOf(CATEGORIES, error=CHOOSE)), load_default=lambda: list(CATEGORIES))
    minimum_bid_amount = DecimalString(MONEY_PLACES, load_default=Decimal(0), metadata={
        "description": "Tenge; a private placement takes at least 100000.00 whatever is stated."})
    is_private = Boolean(load_default=False, metadata={"description": "Announced to members only; ≤ 50 investors."})
    market_bids_allowed = Boolean(load_default=False)
    terms_note = String(allow_none=True, load_default=None, validate=Length(max=4000))


class OfferingApplicationIn(OfferingTermsIn):
    also_with_ccp = Boolean(load_default=False, metadata={
        "description": "Also file the same offering with the central counterparty: two applications, one offering."})


class OfferingTermsChangeIn(OfferingTermsIn):
    """App.8 §2: every term as it is to be, and the seller's written request."""

    note = String(required=True, validate=Length(min=1, max=2000),
                  metadata={"description": "The seller's written request, quoted."})


class OfferingNoteIn(Schema):
    note = String(required=True, validate=Length(min=1, max=2000), metadata={"description": "Why: sent to the seller."})


class OfferingConsentIn(Schema):
    note = String(load_default="", validate=Length(max=2000))


class OfferingBidIn(Schema):
    """A limit bid has a price within the terms; a market bid none (only where the terms allow).
    Without `investor_iin` the bid is for the member's own account."""

    kind = String(required=True, validate=OneOf(BID_KINDS, error=CHOOSE))
    quantity = BoundedInteger(maximum=BIGINT_MAX, required=True, strict=True, validate=Range(min=1))
    price = DecimalString(PRICE_PLACES, allow_none=True, load_default=None)
    investor_iin = String(allow_none=True, load_default=None, validate=Length(max=12),
                          metadata={"description": "The client's IIN/BIN, 12 digits; one investor through several "
                                                   "members is counted once."})
    investor_name = String(allow_none=True, load_default=None, validate=Length(max=200))
    investor_category = String(load_default="broker_dealer", validate=OneOf(CATEGORIES, error=CHOOSE))
    qualified = Boolean(load_default=False, metadata={"description": "A qualified investor (private placements)."})
    custodian_id = BoundedInteger(strict=True, allow_none=True, load_default=None,
                           metadata={"description": "The custodian controlling the account, who must confirm."})
    secured = Boolean(load_default=False, metadata={"description": "Settlement code Z0: the cover is blocked."})


class OfferingBidChangeIn(Schema):
    """PATCH: only the fields sent change; the others keep the bid's values."""

    kind = String(validate=OneOf(BID_KINDS, error=CHOOSE))
    quantity = BoundedInteger(maximum=BIGINT_MAX, strict=True, validate=Range(min=1))
    price = DecimalString(PRICE_PLACES, allow_none=True)
    investor_iin = String(allow_none=True, validate=Length(max=12))
    investor_name = String(allow_none=True, validate=Length(max=200))
    investor_category = String(validate=OneOf(CATEGORIES, error=CHOOSE))
    qualified = Boolean()
    custodian_id = BoundedInteger(strict=True, allow_none=True)
    secured = Boolean()


class InvestorDetailsIn(Schema):
    """App.8 §7: confidential; the seller and the issuer read them."""

    address = String(required=True, validate=Length(max=300))
    document = String(required=True, validate=Length(max=200), metadata={"description": "Type, number, date."})
    account = String(required=True, validate=Length(max=60), metadata={"description": "Depository account."})


class AcceptedBidsQuery(Schema):
    after_id = BoundedInteger(load_default=0, validate=Range(min=0),
                       metadata={"description": "Bids with a larger id; send the last id of the previous page."})
    limit = BoundedInteger(load_default=1000, validate=Range(min=1, max=5000))


class CollateralCheckIn(Schema):
    unsecured_bid_ids = List(BoundedInteger(strict=True), load_default=list, metadata={
        "description": "Active bids the depository found without cover: they leave the register."})


class SatisfiedRowIn(Schema):
    bid_number = BoundedInteger(required=True, strict=True, metadata={"description": "The bid's id in the accepted register."})
    price = DecimalString(PRICE_PLACES, allow_none=True, load_default=None,
                          metadata={"description": "Required when the quantity is above 0."})
    quantity = BoundedInteger(maximum=BIGINT_MAX, required=True, strict=True, metadata={"description": "0: not satisfied."})


class SatisfiedRegisterIn(Schema):
    """App.8 §9. Bids not listed are not satisfied. Every problem is reported, with its row
    (1 = the first), and nothing is stored until there is none."""

    rows = List(Nested(SatisfiedRowIn), required=True)


class RefuseAllIn(Schema):
    reason = String(required=True, validate=Length(min=1, max=2000), metadata={"description": "Published."})


# --- out -----------------------------------------------------------------------------------------

class OfferingBriefOut(PlacementBriefOut):
    phase = String(allow_none=True, metadata={"description": "Once announced: before, open or after the bid period."})
    seller = Nested(OrganisationOut)
    issuer = Nested(OrganisationOut, allow_none=True)
    is_private = Boolean()
    quantity = Integer()
    price_min = DecimalString(PRICE_PLACES)
    price_max = DecimalString(PRICE_PLACES)
    period_start_at = AwareDateTime()
    period_end_at = AwareDateTime()


class OfferingOut(OfferingBriefOut, PlacementStepsOut):
    paired_with_id = Integer(allow_none=True, metadata={"description": "The same offering filed with/without the CCP."})
    is_bond = Boolean()
    with_ccp = Boolean()
    settlement_code = String()
    settlement_organisation = String(allow_none=True)
    investor_categories = List(String())
    minimum_bid_amount = DecimalString(MONEY_PLACES)
    market_bids_allowed = Boolean()
    collateral_check_at = AwareDateTime()
    register_due_at = AwareDateTime()
    answer_due_at = AwareDateTime()
    terms_note = String(allow_none=True)
    consent_at = AwareDateTime(allow_none=True)
    allocated_at = AwareDateTime(allow_none=True)
    deals_formed_at = AwareDateTime(allow_none=True)
    settled_at = AwareDateTime(allow_none=True)
    review_note = String(allow_none=True,
                         metadata={"description": "The exchange's note; seller, issuer and staff only."})
    failure_reason = String(allow_none=True, metadata={
        "description": "no_bids, too_few_participants_and_investors or all_refused."})
    refusal_reason = String(allow_none=True, metadata={"description": "Why the seller refused all bids."})


class OfferingBidOut(SealedBidOut):
    subscription_id = Integer()
    amount = DecimalString(MONEY_PLACES, metadata={"description": "Tenge; a market bid at the top of the range."})
    investor_iin = String()
    investor_name = String()
    investor_category = String()
    qualified = Boolean()
    is_own_account = Boolean()
    secured = Boolean()
    status = String(metadata={"description": "active, withdrawn or refused."})
    satisfied_price = DecimalString(PRICE_PLACES, allow_none=True)
    satisfied_quantity = Integer(allow_none=True)
    investor_details = Dict(keys=String(), values=String(), allow_none=True, metadata={
        "description": "Confidential: to the bidding member, the seller, the issuer and staff."})


class AcceptedBidOut(OfferingBidOut):
    """A bid in the accepted register: the bidder's idempotency key is its own business."""

    class Meta:
        exclude = ("idempotency_key",)


class OfferingCountsOut(Schema):
    """Active bids; investors are counted by IIN/BIN across members."""

    participants = Integer()
    investors = Integer()
    bids = Integer()
    quantity = Integer()
    amount = DecimalString(MONEY_PLACES)
    shared_investors = Integer(metadata={"description": "Investors who bid through more than one member."})


class CollateralCheckOut(Schema):
    refused = Integer(metadata={"description": "Bids that left the register."})
    subscription = Nested(OfferingOut)


class OfferingDealOut(PlacedDealOut):
    investor_name = String()
    investor_iin = String()
    status = String(metadata={"description": "formed or settled."})
