"""Schemas of the auctions API: what comes in, what goes out, and how the spec describes it.

Prices and yields are decimal strings with 4 places, money with 2, percentages with 2
(app/api/fields.py); quantities are integers; local clock times of the bid window are
Almaty wall-clock times ("09:00").
"""
from apiflask import Schema
from apiflask.fields import Boolean, Date, Dict, Integer, List, Nested, String, Time
from apiflask.validators import Length, OneOf, Range
from flask_babel import gettext as _
from marshmallow import ValidationError

from app.api.fields import AwareDateTime, BoundedInteger, DecimalString
from app.auctions.models import (AuctionKind, SecurityType, SettlementScheme, SubmissionMethod,
                                 TradeSubject)
from app.db_types import BIGINT_MAX
from app.domain.allocation import BidKind, Pricing
from app.domain.yields import TimeBase
from app.placement.schemas import (CHOOSE, MONEY_PLACES, PERCENT_PLACES, PRICE_PLACES, OrganisationOut,
                                   PlacedDealOut, PlacementBriefOut, PlacementStepsOut, SealedBidOut, choice)
from app.placement.vocabulary import INVESTOR_TYPES

ACCRUED_PLACES = 8


def percentage(value) -> None:
    """0–100 %. Not `Range`: on a decimal-string field it would put strings where the spec wants numbers."""
    if not 0 <= value <= 100:
        raise ValidationError(_("Give a percentage from 0 to 100."))


def local_time(description: str) -> Time:
    return Time(required=True, metadata={"description": f"{description}, Almaty time (HH:MM).",
                                         "example": "09:00"})


# --- in ------------------------------------------------------------------------------------------

class ApplicationIn(Schema):
    """App.7 §1: the terms the initiator states; they are published as filed."""

    kind = String(required=True, validate=choice(AuctionKind))
    security_type = String(required=True, validate=choice(SecurityType))
    security_name = String(required=True, validate=Length(min=1, max=200))
    isin = String(required=True, validate=Length(min=12, max=12), metadata={"example": "KZK100000018"})
    exchange_code = String(required=True, validate=Length(min=1, max=20))
    face_value = DecimalString(MONEY_PLACES, required=True, metadata={"description": "Tenge per security."})
    trade_date = Date(required=True)
    declared_quantity = BoundedInteger(maximum=BIGINT_MAX, required=True, strict=True, validate=Range(min=1))
    issuable_quantity = BoundedInteger(maximum=BIGINT_MAX, strict=True, allow_none=True, load_default=None, validate=Range(min=1),
                                metadata={"description": "Issuer only: the most the issue terms allow."})
    trade_subject = String(required=True, validate=choice(TradeSubject))
    market_share_percent = DecimalString(PERCENT_PLACES, required=True, metadata={
        "description": "Market bids ≤ this % of the firm's limit bids (0: not checked)."})
    submission_method = String(load_default=str(SubmissionMethod.CLOSED), validate=choice(SubmissionMethod))
    pricing = String(required=True, validate=choice(Pricing))
    bids_open = local_time("The bid window opens")
    bids_close = local_time("The bid window closes")
    confirm_until = local_time("Custodians confirm until")
    decision = local_time("The initiator decides by")
    settlement_scheme = String(required=True, validate=choice(SettlementScheme))
    issue_date = Date(allow_none=True, load_default=None)
    maturity_date = Date(allow_none=True, load_default=None)
    time_base = String(allow_none=True, load_default=None, validate=choice(TimeBase))
    coupon_rate = DecimalString(PRICE_PLACES, allow_none=True, load_default=None,
                                metadata={"description": "% per annum."})
    coupon_frequency = BoundedInteger(strict=True, allow_none=True, load_default=None, validate=Range(min=1, max=12))
    coupon_dates = List(Date(), load_default=list, metadata={"description": "Every coupon date, maturity included."})
    is_emergency_repeat = Boolean(load_default=False)


class NoteIn(Schema):
    note = String(required=True, validate=Length(max=2000),
                  metadata={"description": "Why: sent to the initiator."})


class CancelIn(Schema):
    reason = String(load_default=None, allow_none=True, validate=Length(max=2000))


class PostponeIn(Schema):
    new_date = Date(required=True)
    new_open = local_time("The bid window opens on the new date")


class BidIn(Schema):
    """A limit bid has a price, or a yield when the auction trades on yield; a market bid neither."""

    kind = String(required=True, validate=choice(BidKind))
    quantity = BoundedInteger(maximum=BIGINT_MAX, required=True, strict=True, validate=Range(min=1))
    price = DecimalString(PRICE_PLACES, allow_none=True, load_default=None)
    yield_pct = DecimalString(PRICE_PLACES, allow_none=True, load_default=None)
    client_name = String(allow_none=True, load_default=None, validate=Length(max=200))
    client_iin = String(allow_none=True, load_default=None, validate=Length(max=12),
                        metadata={"description": "The client's IIN/BIN, 12 digits (not for GKO)."})
    investor_type = String(load_default="broker_dealer", validate=OneOf(INVESTOR_TYPES, error=CHOOSE))
    custodian_id = BoundedInteger(strict=True, allow_none=True, load_default=None,
                           metadata={"description": "The custodian controlling the account, who must confirm."})


class BidChangeIn(Schema):
    """PATCH: only the fields sent change; the others keep the bid's values."""

    kind = String(validate=choice(BidKind))
    quantity = BoundedInteger(maximum=BIGINT_MAX, strict=True, validate=Range(min=1))
    price = DecimalString(PRICE_PLACES, allow_none=True)
    yield_pct = DecimalString(PRICE_PLACES, allow_none=True)
    client_name = String(allow_none=True, validate=Length(max=200))
    client_iin = String(allow_none=True, validate=Length(max=12))
    investor_type = String(validate=OneOf(INVESTOR_TYPES, error=CHOOSE))
    custodian_id = BoundedInteger(strict=True, allow_none=True)


class ScenarioQuery(Schema):
    quantity = BoundedInteger(maximum=BIGINT_MAX, load_default=None, validate=Range(min=1),
                       metadata={"description": "Volume to place; the declared quantity when left out."})
    market_fill_percent = DecimalString(PERCENT_PLACES, load_default=None, validate=percentage,
                                        metadata={"description": "Share of market bids to satisfy; 100 when left out."})


class DecisionIn(Schema):
    """App.7 §7: satisfy at one cut-off, volume and market fill, or refuse with a reason."""

    satisfy = Boolean(required=True)
    cutoff_price = DecimalString(PRICE_PLACES, allow_none=True, load_default=None)
    quantity = BoundedInteger(maximum=BIGINT_MAX, strict=True, allow_none=True, load_default=None)
    market_fill_percent = DecimalString(PERCENT_PLACES, allow_none=True, load_default=None, validate=percentage,
                                        metadata={"description": "Share of market bids to satisfy; 100 when left out."})
    reason = String(allow_none=True, load_default=None, validate=Length(max=2000))


class SettlementIn(Schema):
    short_organisation_ids = List(BoundedInteger(strict=True), load_default=list, metadata={
        "description": "Participants short of money: the depository rejects all their deals."})


# --- out -----------------------------------------------------------------------------------------

class DecisionOut(Schema):
    satisfied = Boolean()
    cutoff_price = DecimalString(PRICE_PLACES, allow_none=True)
    quantity = Integer(allow_none=True)
    market_fill_percent = DecimalString(PERCENT_PLACES, allow_none=True)
    reason = String(allow_none=True)
    decided_at = AwareDateTime()


class AuctionBriefOut(PlacementBriefOut):
    kind = String()
    phase = String(metadata={"description": "before_open, bidding, confirming or after, by the business clock."})
    initiator = Nested(OrganisationOut)
    security_type = String()
    trade_date = Date()
    declared_quantity = Integer()
    bids_open_at = AwareDateTime()
    bids_close_at = AwareDateTime()
    confirm_until = AwareDateTime()
    decision_at = AwareDateTime()


class AuctionOut(AuctionBriefOut, PlacementStepsOut):
    is_emergency_repeat = Boolean()
    exchange_code = String()
    issue_date = Date(allow_none=True)
    maturity_date = Date(allow_none=True)
    time_base = String(allow_none=True)
    coupon_rate = DecimalString(PRICE_PLACES, allow_none=True)
    coupon_frequency = Integer(allow_none=True)
    coupon_dates = List(String())
    issuable_quantity = Integer(allow_none=True)
    trade_subject = String()
    market_share_percent = DecimalString(PERCENT_PLACES)
    submission_method = String()
    pricing = String()
    settlement_scheme = String()
    payment_date = Date()
    postpone_count = Integer()
    review_note = String(allow_none=True, metadata={"description": "The exchange's note; initiator and staff only."})
    failure_reason = String(allow_none=True)
    decision = Nested(DecisionOut, allow_none=True, metadata={
        "description": "Once decided: to the initiator and staff; to others after settlement."})


class BidOut(SealedBidOut):
    auction_id = Integer()
    yield_pct = DecimalString(PRICE_PLACES, allow_none=True)
    client_name = String(allow_none=True)
    client_iin = String(allow_none=True)
    investor_type = String()
    status = String(metadata={"description": "active, withdrawn, removed or annulled."})


class LevelOut(Schema):
    price = DecimalString(PRICE_PLACES)
    yield_pct = DecimalString(PRICE_PLACES, allow_none=True)
    bid_count = Integer()
    quantity = Integer()
    cumulative_quantity = Integer()
    cumulative_percent = DecimalString(PERCENT_PLACES, metadata={"description": "Of the declared quantity."})


class SpreadOut(Schema):
    minimum = DecimalString(PRICE_PLACES, allow_none=True)
    maximum = DecimalString(PRICE_PLACES, allow_none=True)
    weighted_average = DecimalString(PRICE_PLACES, allow_none=True, metadata={"description": "By quantity."})


class FiguresOut(Schema):
    """SPEC §8 demand parameters, in quantities of securities; "active" = not withdrawn, confirmed."""

    participants = Integer()
    bids_all = Integer()
    limit_bids_all = Integer()
    market_bids_all = Integer()
    bids_active = Integer()
    limit_bids_active = Integer()
    market_bids_active = Integer()
    limit_quantity_active = Integer()
    market_quantity_active = Integer()
    demand_to_supply = DecimalString(4, metadata={"description": "Active quantity / declared quantity."})
    prices_all = Nested(SpreadOut, metadata={"description": "Limit bids."})
    prices_active = Nested(SpreadOut, metadata={"description": "Active limit bids."})
    yields_active = Nested(SpreadOut, metadata={"description": "Active limit bids; empty for shares."})
    investor_shares = Dict(keys=String(), values=DecimalString(PERCENT_PLACES),
                           metadata={"description": "% of the active quantity by investor type."})


class RegisterBidOut(Schema):
    organisation = Nested(OrganisationOut)
    bid_id = Integer()
    kind = String()
    price = DecimalString(PRICE_PLACES, allow_none=True)
    yield_pct = DecimalString(PRICE_PLACES, allow_none=True)
    quantity = Integer()
    investor_type = String()
    priority_at = AwareDateTime(metadata={"description": "Time priority: submitted, or last made better."})


class SummaryRegisterOut(Schema):
    """App.7 §6. The issuer's copy names nobody; the Ministry's and the exchange's name the bidders."""

    auction_id = Integer()
    number = String()
    named = Boolean(metadata={"description": "Whether this copy names the bidders (`bids`)."})
    declared_quantity = Integer()
    levels = List(Nested(LevelOut), metadata={"description": "Limit bids by price, best first."})
    market_bid_count = Integer()
    market_quantity = Integer()
    figures = Nested(FiguresOut)
    bids = List(Nested(RegisterBidOut), metadata={"description": "Named copy only: the active bids, best first."})


class ScenarioOut(Schema):
    cutoff_price = DecimalString(PRICE_PLACES)
    yield_at_cutoff = DecimalString(PRICE_PLACES, allow_none=True)
    placed_quantity = Integer()
    percent_of_plan = DecimalString(PERCENT_PLACES)
    weighted_average_price = DecimalString(PRICE_PLACES, allow_none=True)
    weighted_average_yield = DecimalString(PRICE_PLACES, allow_none=True)
    pro_rata_ratio = DecimalString(6, allow_none=True)
    satisfied_bids = Integer()
    satisfied_bidders = Integer()
    money_raised = DecimalString(MONEY_PLACES)
    feasible = Boolean()
    problem = String(allow_none=True, metadata={"description": "Why the cut-off does not allocate, when it does not."})


class ScenariosOut(Schema):
    quantity = Integer()
    market_fill_percent = DecimalString(PERCENT_PLACES)
    scenarios = List(Nested(ScenarioOut), metadata={"description": "One per limit price, best first."})


class DealOut(PlacedDealOut):
    client_name = String(allow_none=True)
    client_iin = String(allow_none=True)
    yield_pct = DecimalString(PRICE_PLACES, allow_none=True)
    accrued_interest = DecimalString(ACCRUED_PLACES, metadata={"description": "Per 100 face."})
    settlement_date = Date()
    status = String(metadata={"description": "formed, settled or rejected."})
