"""JSON API of specialized auctions (App.7), under /api/v1/auctions: what is the auction's own
(the terms, the summary register, the cut-off decision, settlement) beside the operations every
offering has (app.placement.api). Who reads what is decided in app.auctions.access, as for the
pages.
"""
from decimal import Decimal

from flask_babel import gettext as _
from flask_login import current_user

from app.api.errors import ApiError, refusals
from app.auctions import access, bidding, results, services
from app.auctions import schemas as s
from app.auctions.blueprint import api_bp as bp
from app.auctions.kind import AUCTION
from app.auctions.labels import status_label
from app.auctions.loaders import BIDDERS, ERRORS, INITIATORS, current_auction, managed_auction, refreshed
from app.auctions.models import Auction, AuctionStatus, Bid, Deal
from app.auth.access import roles_required
from app.clock.services import now
from app.extensions import db
from app.placement.api import STAFF, PlacementApi, add_placement_api, amended, applied, require_closed


# --- what is shown ---------------------------------------------------------------------------------

def describe(auction: Auction) -> dict:
    """The terms and state; the exchange's note and the decision stay with the initiator and
    staff until the results are published (settlement)."""
    private = access.reads_deal_register(auction, current_user)
    row = {name: getattr(auction, name, None) for name in s.AuctionOut._declared_fields}
    row.update(status_label=status_label(auction.status), phase=str(services.window_of(auction).phase(now())),
               review_note=auction.review_note if private else None, decision=None)
    if auction.decided_at is not None and (private or auction.status == AuctionStatus.SETTLED):
        row["decision"] = {"satisfied": auction.satisfied, "cutoff_price": auction.cutoff_price,
                           "quantity": auction.decided_quantity, "reason": auction.decision_reason,
                           "market_fill_percent": auction.market_fill_percent, "decided_at": auction.decided_at}
    return row


def deal_row(deal: Deal) -> dict:
    row = {name: getattr(deal, name) for name in s.DealOut._declared_fields if hasattr(deal, name)}
    return {**row, "client_name": deal.bid.client_name, "client_iin": deal.bid.client_iin}


def register_copy(register: results.SummaryRegister, named: bool) -> dict:
    """App.7 §6: the issuer's copy carries no identity at all; the named copy lists the bids."""
    auction = register.auction
    copy = {"auction_id": auction.id, "number": auction.number, "named": named,
            "declared_quantity": auction.declared_quantity, "levels": register.levels,
            "market_bid_count": register.market_bid_count, "market_quantity": register.market_quantity,
            "figures": register.figures}
    if named:
        copy["bids"] = [{"organisation": bid.organisation, "bid_id": bid.id, "kind": bid.kind, "price": bid.price,
                         "yield_pct": bid.yield_pct, "quantity": bid.quantity, "investor_type": bid.investor_type,
                         "priority_at": bid.priority_at} for bid in register.bids]
    return copy


def bid_entry(bid: Bid, changes: dict) -> bidding.BidEntry:
    stored = {name: getattr(bid, name) for name in s.BidIn._declared_fields}
    return bidding.BidEntry(**{**stored, **changes})


API = PlacementApi(
    kind=AUCTION, services=services, results=results, bidding=bidding, current=current_auction,
    refreshed=refreshed, visible=access.visible_auctions, describe=describe, reads_deals=access.reads_deal_register,
    deal_row=deal_row, bid_row=lambda bid, _details: bid, entry=lambda data: bidding.BidEntry(**data),
    entry_of=bid_entry,
    schemas={"brief": s.AuctionBriefOut, "out": s.AuctionOut, "note": s.NoteIn, "bid_in": s.BidIn,
             "bid_change": s.BidChangeIn, "bid_out": s.BidOut, "deal_out": s.DealOut},
    docs={"section": "App.7", "window": "window [open, close)",
          "list": ("Auctions you may see", "Staff: all. An initiator: its own applications. Everyone else: announced "
                   "auctions (and what became of them; GKO only to primary dealers). Latest trade date first, "
                   "at most 200."),
          "get": "An auction: terms, status, phase, and the decision once made",
          "announce": "Publish the announcement (App.7 §3: at least one business day before)",
          "form_deals": "Form one deal per satisfied bid from the decision (App.7 §8)",
          "list_bids": "A custodian gets the bids placed on the accounts it controls, to confirm or refuse them.",
          "submit_bid": "Send a new `Idempotency-Key` with every new bid; repeating a request with the same key "
                        "(after a timeout, say) creates nothing and answers 200 with the first bid.",
          "change_bid": "A better price or a larger quantity starts the bid's time priority anew.",
          "confirm_bid": "Confirm a bid on an account you control (App.9), before the confirmation deadline",
          "refuse_bid": "Refuse a bid on an account you control: it is annulled"},
)
add_placement_api(bp, API)


# --- applications ----------------------------------------------------------------------------------

@bp.post("")
@roles_required(*INITIATORS)
@bp.input(s.ApplicationIn, arg_name="data")
@bp.output(s.AuctionOut, status_code=201)
@bp.doc(responses={422: ERRORS[422]})
def file_application(data: dict):
    """File an application (App.7 §1)

    The Ministry files GKO placements; an issuer files for its own securities. The filing
    deadlines are checked against the business clock.
    """
    with refusals():
        auction = services.file_application(db.session, current_user, services.ApplicationTerms(**data), now())
    return describe(auction)


@bp.put("/<int:auction_id>/terms")
@roles_required(*INITIATORS)
@bp.input(s.ApplicationIn, arg_name="data")
@bp.output(s.AuctionOut)
@bp.doc(responses=ERRORS)
def amend_terms(auction_id: int, data: dict):
    """Answer a request for additional terms

    The corrected application goes back to review; the trade date cannot change.
    """
    auction = managed_auction(auction_id, staff_too=False)
    terms = services.ApplicationTerms(**data)
    return applied(API, auction, lambda: services.amend_terms(db.session, auction, current_user, terms, now()))


@bp.post("/<int:auction_id>/request-terms")
@roles_required(*STAFF)
@bp.input(s.NoteIn, arg_name="data")
@bp.output(s.AuctionOut)
@bp.doc(responses=ERRORS)
def request_terms(auction_id: int, data: dict):
    """Ask the issuer for additional terms (not in the GKO column)"""
    auction = current_auction(auction_id)
    return applied(API, auction, lambda: services.request_terms(db.session, auction, data["note"]))


@bp.post("/<int:auction_id>/cancel")
@roles_required(*INITIATORS)
@bp.input(s.CancelIn, arg_name="data")
@bp.output(s.AuctionOut)
@bp.doc(responses=ERRORS)
def cancel(auction_id: int, data: dict):
    """Cancel before the bid window opens (App.7 §4; the initiator only)"""
    auction = managed_auction(auction_id, staff_too=False)
    return applied(API, auction, lambda: services.cancel_auction(db.session, auction, data["reason"], now()))


@bp.post("/<int:auction_id>/postpone")
@roles_required(*INITIATORS)
@bp.input(s.PostponeIn, arg_name="data")
@bp.output(s.AuctionOut)
@bp.doc(responses=ERRORS)
def postpone(auction_id: int, data: dict):
    """Move the auction later (App.7 §4): the whole timetable moves by the same amount"""
    auction = managed_auction(auction_id, staff_too=False)
    return applied(API, auction, lambda: services.postpone_auction(
        db.session, auction, data["new_date"], data["new_open"], now()))


# --- after the window ------------------------------------------------------------------------------

@bp.get("/<int:auction_id>/summary-register")
@roles_required(*STAFF, *INITIATORS)
@bp.output(s.SummaryRegisterOut)
@bp.doc(responses={404: ERRORS[404], 409: "Not before the bid window has closed"})
def summary_register(auction_id: int):
    """The summary register, once the window has closed (App.7 §6)

    An issuer's copy names no bidder; the Ministry's and the exchange's list every active bid
    with its firm.
    """
    auction = managed_auction(auction_id)
    require_closed(AUCTION, auction)
    return register_copy(results.summary_register(auction), access.named_register(auction, current_user))


@bp.get("/<int:auction_id>/scenarios")
@roles_required(*STAFF, *INITIATORS)
@bp.input(s.ScenarioQuery, location="query", arg_name="query")
@bp.output(s.ScenariosOut)
@bp.doc(responses={404: ERRORS[404], 409: "Not before the bid window has closed"})
def scenarios(auction_id: int, query: dict):
    """What each cut-off price would give, best price first

    For a volume (`quantity`, the declared quantity by default) and a share of market bids to
    satisfy (`market_fill_percent`, 100 by default).
    """
    auction = managed_auction(auction_id)
    require_closed(AUCTION, auction)
    quantity = query["quantity"] or auction.declared_quantity
    fill = Decimal(100) if query["market_fill_percent"] is None else query["market_fill_percent"]
    rows = results.explore(auction, quantity, fill) if auction.status != AuctionStatus.FAILED else []
    return {"quantity": quantity, "market_fill_percent": fill, "scenarios": rows}


@bp.post("/<int:auction_id>/decision")
@roles_required(*INITIATORS)
@bp.input(s.DecisionIn, arg_name="data")
@bp.output(s.AuctionOut)
@bp.doc(responses=ERRORS)
def decide(auction_id: int, data: dict):
    """Satisfy at a cut-off price, or refuse with a reason (App.7 §7)"""
    auction = managed_auction(auction_id, staff_too=False)
    fill = Decimal(100) if data["market_fill_percent"] is None else data["market_fill_percent"]
    entry = results.DecisionEntry(data["satisfy"], data["cutoff_price"], data["quantity"], fill, data["reason"])
    return applied(API, auction, lambda: results.decide(db.session, auction, current_user, entry, now()))


@bp.post("/<int:auction_id>/settlement")
@roles_required(*STAFF)
@bp.input(s.SettlementIn, arg_name="data")
@bp.output(s.AuctionOut)
@bp.doc(responses=ERRORS)
def settle(auction_id: int, data: dict):
    """Settle the deals; all deals of a participant short of money are rejected (SPEC §2.8)"""
    auction = current_auction(auction_id)
    short = set(data["short_organisation_ids"])
    if not short <= {deal.organisation_id for deal in auction.deals}:
        raise ApiError(422, "not_a_participant", _("Some fields are not valid."), {"json": {
            "short_organisation_ids": [_("Name only participants that have deals in this auction.")]}})
    return applied(API, auction, lambda: results.settle(db.session, auction, short, now()))


# --- bids beside the shared ones ---------------------------------------------------------------------

@bp.put("/<int:auction_id>/bids/<int:bid_id>")
@roles_required(*BIDDERS)
@bp.input(s.BidIn, arg_name="data")
@bp.output(s.BidOut)
@bp.doc(responses=ERRORS)
def replace_bid(auction_id: int, bid_id: int, data: dict):
    """Change a bid in the window: every field as sent"""
    return amended(API, auction_id, bid_id, data)
