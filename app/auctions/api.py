"""JSON API of specialized auctions (App.7), under /api/v1/auctions.

Every view first closes the auctions whose confirmation window has ended (results.advance_due,
committed apart as the pages do), so the status it reads is current; then it commits its own
change once, or rolls back on a refusal. What the caller may not see answers 404, never 403, so
its existence does not leak: bids are sealed to their firm, an application is its initiator's
until announced. Who reads what is decided in app.auctions.access, as for the pages.
"""
from decimal import Decimal

from flask_babel import gettext as _
from flask_login import current_user

from app.api.errors import ApiError, refusals
from app.auctions import access, results, services
from app.auctions.blueprint import api_bp as bp
from app.auctions.loaders import BIDDERS, ERRORS, INITIATORS, current_auction, managed_auction, not_found, refreshed
from app.auctions import schemas as s
from app.auctions.labels import status_label
from app.auctions.models import Auction, AuctionStatus, Deal
from app.auth.access import any_role, roles_required
from app.auth.roles import STAFF_ROLES
from app.clock.services import now
from app.extensions import db

STAFF = tuple(sorted(STAFF_ROLES))


def require_closed(auction: Auction) -> None:
    if auction.closed_at is None:
        raise ApiError(409, "wrong_status", str(services.STATUS_REFUSALS % {"status": status_label(auction.status)}))


def applied(auction: Auction, operation) -> dict:
    """Run one state change: commit it, or roll back and answer the refusal."""
    with refusals():
        operation()
    return describe(auction)


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


# --- applications ----------------------------------------------------------------------------------

@bp.get("")
@any_role
@bp.output(s.AuctionBriefOut(many=True))
def list_auctions():
    """Auctions you may see

    Staff: all. An initiator: its own applications. Everyone else: announced auctions (and
    what became of them; GKO only to primary dealers). Latest trade date first, at most 200.
    """
    refreshed()
    return [describe(auction) for auction in access.visible_auctions(db.session, current_user)]


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


@bp.get("/<int:auction_id>")
@any_role
@bp.output(s.AuctionOut)
@bp.doc(responses={404: ERRORS[404]})
def get_auction(auction_id: int):
    """An auction: terms, status, phase, and the decision once made"""
    return describe(current_auction(auction_id))


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
    return applied(auction, lambda: services.amend_terms(db.session, auction, current_user, terms, now()))


@bp.post("/<int:auction_id>/accept")
@roles_required(*STAFF)
@bp.output(s.AuctionOut)
@bp.doc(responses=ERRORS)
def accept(auction_id: int):
    """Accept an application: it gets its number (App.7 §2)"""
    auction = current_auction(auction_id)
    return applied(auction, lambda: services.accept_application(db.session, auction, now()))


@bp.post("/<int:auction_id>/request-terms")
@roles_required(*STAFF)
@bp.input(s.NoteIn, arg_name="data")
@bp.output(s.AuctionOut)
@bp.doc(responses=ERRORS)
def request_terms(auction_id: int, data: dict):
    """Ask the issuer for additional terms (not in the GKO column)"""
    auction = current_auction(auction_id)
    return applied(auction, lambda: services.request_terms(db.session, auction, data["note"]))


@bp.post("/<int:auction_id>/refuse")
@roles_required(*STAFF)
@bp.input(s.NoteIn, arg_name="data")
@bp.output(s.AuctionOut)
@bp.doc(responses=ERRORS)
def refuse(auction_id: int, data: dict):
    """Refuse an application, saying why"""
    auction = current_auction(auction_id)
    return applied(auction, lambda: services.refuse_application(db.session, auction, data["note"]))


@bp.post("/<int:auction_id>/announce")
@roles_required(*STAFF)
@bp.output(s.AuctionOut)
@bp.doc(responses=ERRORS)
def announce(auction_id: int):
    """Publish the announcement (App.7 §3: at least one business day before)"""
    auction = current_auction(auction_id)
    return applied(auction, lambda: services.announce(db.session, auction, now()))


@bp.post("/<int:auction_id>/cancel")
@roles_required(*INITIATORS)
@bp.input(s.CancelIn, arg_name="data")
@bp.output(s.AuctionOut)
@bp.doc(responses=ERRORS)
def cancel(auction_id: int, data: dict):
    """Cancel before the bid window opens (App.7 §4; the initiator only)"""
    auction = managed_auction(auction_id, staff_too=False)
    return applied(auction, lambda: services.cancel_auction(db.session, auction, data["reason"], now()))


@bp.post("/<int:auction_id>/postpone")
@roles_required(*INITIATORS)
@bp.input(s.PostponeIn, arg_name="data")
@bp.output(s.AuctionOut)
@bp.doc(responses=ERRORS)
def postpone(auction_id: int, data: dict):
    """Move the auction later (App.7 §4): the whole timetable moves by the same amount"""
    auction = managed_auction(auction_id, staff_too=False)
    return applied(auction, lambda: services.postpone_auction(
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
    require_closed(auction)
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
    require_closed(auction)
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
    return applied(auction, lambda: results.decide(db.session, auction, current_user, entry, now()))


@bp.post("/<int:auction_id>/deals")
@roles_required(*STAFF)
@bp.output(s.DealOut(many=True), status_code=201)
@bp.doc(responses=ERRORS)
def form_deals(auction_id: int):
    """Form one deal per satisfied bid from the decision (App.7 §8)"""
    auction = current_auction(auction_id)
    with refusals():
        deals = results.form_deals(db.session, auction, now())
    return [deal_row(deal) for deal in deals]


@bp.get("/<int:auction_id>/deals")
@roles_required(*STAFF, *INITIATORS, *BIDDERS)
@bp.output(s.DealOut(many=True))
@bp.doc(responses={404: ERRORS[404]})
def list_deals(auction_id: int):
    """The deals: all of them for staff and the initiator (the confidential deal register,
    with participants and clients); a participant's own deals only"""
    auction = current_auction(auction_id)
    if access.reads_deal_register(auction, current_user):
        return [deal_row(deal) for deal in auction.deals]
    if current_user.role in INITIATORS:
        raise not_found()
    return [deal_row(deal) for deal in auction.deals if deal.organisation_id == current_user.organisation_id]


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
    return applied(auction, lambda: results.settle(db.session, auction, short, now()))
