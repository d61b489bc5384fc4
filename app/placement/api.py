"""The JSON API that both kinds of offering share, registered on each feature's blueprint: the
offerings you may see, the exchange's review, sealed bids and the custodian's answer, deals.

Every operation first brings the offering up to date (the feature's `current` closes a window
that has ended), then commits its own change once, or rolls back on a refusal. What the caller
may not see answers 404, never 403, so its existence does not leak: bids are sealed to their
firm, an application is its applicant's until announced. The endpoint names are the feature's
own (`auctions_api.submit_bid`), so the route-role table and the clients see no difference.
"""
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.api.errors import ApiError, refusals
from app.auth.access import any_role, roles_required
from app.auth.roles import STAFF_ROLES, Role
from app.clock.services import now
from app.extensions import db
from app.placement import bidding as sealed_bids
from app.placement import loaders
from app.placement.kind import OfferingKind
from app.placement.schemas import IdempotencyHeaders
from app.placement.vocabulary import BIDDERS

STAFF = tuple(sorted(STAFF_ROLES))
CUSTODIAN = Role.COLLATERAL_CONTROLLER
DEAL_READERS = (*STAFF, Role.MINFIN, Role.ISSUER, *BIDDERS)


@dataclass(frozen=True)
class PlacementApi:
    """One kind's API: its modules (looked up at call time), loaders, schemas and words."""

    kind: OfferingKind
    services: ModuleType          # accept_application, refuse_application, announce
    results: ModuleType           # form_deals
    bidding: ModuleType           # submit_bid, amend_bid, withdraw_bid, confirm_bid
    current: Callable[[int], Any]         # the offering of the URL, up to date, or a JSON 404
    refreshed: Callable[[], None]         # every window that has ended, closed
    visible: Callable[[Any, Any], list]   # (session, user) → what the user may list
    describe: Callable[[Any], dict]       # the offering as this user may see it
    reads_deals: Callable[[Any, Any], bool]   # (offering, user): the whole deal register
    deal_row: Callable[[Any], dict]
    bid_row: Callable[[Any, bool], Any]   # a bid as it goes out; False: the custodian's view
    entry: Callable[[dict], Any]          # a bid entry from what was sent
    entry_of: Callable[[Any, dict], Any]  # the bid as it stands, with the fields sent
    schemas: dict                 # brief, out, note, bid_in, bid_change, bid_out, deal_out
    docs: dict                    # the operations' texts that are the kind's own

    @property
    def errors(self) -> dict:
        return loaders.errors(self.kind.name)

    def offering_id(self, ids: dict) -> int:
        return ids[self.kind.parent]


def applied(api: PlacementApi, offering, operation) -> dict:
    """Run one state change: commit it, or roll back and answer the refusal."""
    with refusals():
        operation()
    return api.describe(offering)


def require_closed(kind: OfferingKind, offering) -> None:
    if offering.closed_at is None:
        label = str(kind.status_labels.get(offering.status, offering.status))
        raise ApiError(409, "wrong_status", str(kind.words["wrong_status"] % {"status": label}))


def add_placement_api(bp, api: PlacementApi) -> None:
    _add_offerings(bp, api)
    _add_review(bp, api)
    _add_deals(bp, api)
    _add_bids(bp, api)
    _add_custodian(bp, api)


# --- offerings and the exchange's review --------------------------------------------------------------

def _add_offerings(bp, api: PlacementApi) -> None:
    one, s = f"/<int:{api.kind.parent}>", api.schemas

    @bp.get("", endpoint=f"list_{api.kind.name}s")
    @any_role
    @bp.output(s["brief"](many=True))
    @bp.doc(summary=api.docs["list"][0], description=api.docs["list"][1])
    def list_offerings():
        api.refreshed()
        return [api.describe(offering) for offering in api.visible(db.session, current_user)]

    @bp.get(one, endpoint=f"get_{api.kind.name}")
    @any_role
    @bp.output(s["out"])
    @bp.doc(summary=api.docs["get"], responses={404: api.errors[404]})
    def get_offering(**ids):
        return api.describe(api.current(api.offering_id(ids)))


def _add_review(bp, api: PlacementApi) -> None:
    one, s, section = f"/<int:{api.kind.parent}>", api.schemas, api.docs["section"]

    @bp.post(f"{one}/accept")
    @roles_required(*STAFF)
    @bp.output(s["out"])
    @bp.doc(summary=f"Accept an application: it gets its number ({section} §2)", responses=api.errors)
    def accept(**ids):
        offering = api.current(api.offering_id(ids))
        return applied(api, offering, lambda: api.services.accept_application(db.session, offering, now()))

    @bp.post(f"{one}/refuse")
    @roles_required(*STAFF)
    @bp.input(s["note"], arg_name="data")
    @bp.output(s["out"])
    @bp.doc(summary="Refuse an application, saying why", responses=api.errors)
    def refuse(data: dict, **ids):
        offering = api.current(api.offering_id(ids))
        return applied(api, offering, lambda: api.services.refuse_application(db.session, offering, data["note"]))

    @bp.post(f"{one}/announce")
    @roles_required(*STAFF)
    @bp.output(s["out"])
    @bp.doc(summary=api.docs["announce"], description=api.docs.get("announce_more"), responses=api.errors)
    def announce(**ids):
        offering = api.current(api.offering_id(ids))
        return applied(api, offering, lambda: api.services.announce(db.session, offering, now()))


def _add_deals(bp, api: PlacementApi) -> None:
    rule, s = f"/<int:{api.kind.parent}>/deals", api.schemas

    @bp.post(rule)
    @roles_required(*STAFF)
    @bp.output(s["deal_out"](many=True), status_code=201)
    @bp.doc(summary=api.docs["form_deals"], responses=api.errors)
    def form_deals(**ids):
        offering = api.current(api.offering_id(ids))
        with refusals():
            deals = api.results.form_deals(db.session, offering, now())
        return [api.deal_row(deal) for deal in deals]

    @bp.get(rule)
    @roles_required(*DEAL_READERS)
    @bp.output(s["deal_out"](many=True))
    @bp.doc(summary="The deals: the whole register for staff and the applicant; a member's own deals only",
            responses={404: api.errors[404]})
    def list_deals(**ids):
        offering = api.current(api.offering_id(ids))
        if api.reads_deals(offering, current_user):
            return [api.deal_row(deal) for deal in offering.deals]
        if current_user.role not in BIDDERS:
            raise loaders.not_found(api.kind)
        return [api.deal_row(deal) for deal in offering.deals if deal.organisation_id == current_user.organisation_id]


# --- sealed bids ---------------------------------------------------------------------------------------

def own_bid(api: PlacementApi, offering_id: int, bid_id: int):
    """The firm's own bid of an offering the user may read."""
    offering = api.current(offering_id)
    return loaders.firm_bid(api.kind, offering.id, bid_id) or _no_such_bid(api.kind)


def amended(api: PlacementApi, offering_id: int, bid_id: int, data: dict):
    """A change of a bid in the window: the fields sent over the bid as it stands."""
    bid = own_bid(api, offering_id, bid_id)
    with refusals():
        api.bidding.amend_bid(db.session, bid, current_user, api.entry_of(bid, data), now())
    return api.bid_row(bid, True)


def _no_such_bid(kind: OfferingKind):
    raise loaders.no_such_bid(kind)


def _add_bids(bp, api: PlacementApi) -> None:
    rule, s, window = f"/<int:{api.kind.parent}>/bids", api.schemas, api.docs["window"]
    one = f"{rule}/<int:bid_id>"

    @bp.get(rule)
    @roles_required(*BIDDERS, CUSTODIAN)
    @bp.output(s["bid_out"](many=True))
    @bp.doc(summary="Your firm's bids (sealed: no one else's)", description=api.docs.get("list_bids"),
            responses={404: api.errors[404]})
    def list_bids(**ids):
        if current_user.role == CUSTODIAN:
            return [api.bid_row(bid, False) for bid in _controlled_bids(api, api.offering_id(ids))]
        offering = api.current(api.offering_id(ids))
        bids = sealed_bids.firm_bids(db.session, api.kind, offering, current_user.organisation_id)
        return [api.bid_row(bid, True) for bid in bids]

    @bp.get(one)
    @roles_required(*BIDDERS, CUSTODIAN)
    @bp.output(s["bid_out"])
    @bp.doc(summary="One of your firm's bids (a custodian: one on an account it controls)",
            responses={404: "No such bid, or not your firm's"})
    def get_bid(bid_id: int, **ids):
        if current_user.role == CUSTODIAN:
            return api.bid_row(_controlled_bid(api, api.offering_id(ids), bid_id), False)
        return api.bid_row(own_bid(api, api.offering_id(ids), bid_id), True)

    @bp.post(rule)
    @roles_required(*BIDDERS)
    @bp.input(IdempotencyHeaders, location="headers", arg_name="headers")
    @bp.input(s["bid_in"], arg_name="data")
    @bp.output(s["bid_out"], status_code=201)
    @bp.doc(summary=f"Submit a bid in the {window}", description=api.docs.get("submit_bid"),
            responses={200: {"description": "A repeat with the same Idempotency-Key: the bid it created",
                             "content": {"application/json": {"schema": s["bid_out"]}}},
                       400: "No Idempotency-Key header", **api.errors})
    def submit_bid(headers: dict, data: dict, **ids):
        key = headers["idempotency_key"].strip()
        if not key:
            raise ApiError(400, "idempotency_key_required", _("Send an Idempotency-Key header with every new bid."))
        offering = api.current(api.offering_id(ids))
        try:
            with refusals():
                bid, created = api.bidding.submit_bid(db.session, offering, current_user, api.entry(data), key, now())
        except IntegrityError:
            bid, created = _repeated_bid(api.kind, offering, key), False
        return api.bid_row(bid, True), 201 if created else 200

    @bp.patch(one)
    @roles_required(*BIDDERS)
    @bp.input(s["bid_change"], arg_name="data")
    @bp.output(s["bid_out"])
    @bp.doc(summary=f"Change a bid in the {window}: only the fields sent", description=api.docs.get("change_bid"),
            responses=api.errors)
    def change_bid(data: dict, bid_id: int, **ids):
        return amended(api, api.offering_id(ids), bid_id, data)

    @bp.delete(one)
    @roles_required(*BIDDERS)
    @bp.output(s["bid_out"])
    @bp.doc(summary=f"Withdraw a bid in the {window} (it stays, marked withdrawn)", responses=api.errors)
    def withdraw_bid(bid_id: int, **ids):
        bid = own_bid(api, api.offering_id(ids), bid_id)
        with refusals():
            api.bidding.withdraw_bid(db.session, bid, current_user, now())
        return api.bid_row(bid, True)


def _repeated_bid(kind: OfferingKind, offering, key: str):
    """Two requests with one key at once: the second lost the race to insert; answer with the first."""
    db.session.rollback()
    bid = sealed_bids.find_by_key(db.session, kind, current_user.organisation_id, key)
    if bid is None or kind.offering_id(bid) != offering.id:
        raise ApiError(409, "conflict", _("Another request with this Idempotency-Key is in progress; repeat it."))
    return bid


# --- the custodian's answer (App.9) --------------------------------------------------------------------

def _controlled_bids(api: PlacementApi, offering_id: int) -> list:
    api.refreshed()
    bids = loaders.controlled_bids(api.kind, offering_id)
    if not bids:
        api.current(offering_id)  # 404 unless it exists and the custodian may read it
    return bids


def _controlled_bid(api: PlacementApi, offering_id: int, bid_id: int):
    api.refreshed()
    return loaders.firm_bid(api.kind, offering_id, bid_id, "custodian_id") or _no_such_bid(api.kind)


def _add_custodian(bp, api: PlacementApi) -> None:
    one, s = f"/<int:{api.kind.parent}>/bids/<int:bid_id>", api.schemas

    def answered(offering_id: int, bid_id: int, confirm: bool):
        bid = _controlled_bid(api, offering_id, bid_id)
        with refusals():
            api.bidding.confirm_bid(db.session, bid, current_user, confirm, now())
        return api.bid_row(bid, False)

    @bp.post(f"{one}/confirm")
    @roles_required(CUSTODIAN)
    @bp.output(s["bid_out"])
    @bp.doc(summary=api.docs["confirm_bid"], responses=api.errors)
    def confirm_bid(bid_id: int, **ids):
        return answered(api.offering_id(ids), bid_id, True)

    @bp.post(f"{one}/refuse")
    @roles_required(CUSTODIAN)
    @bp.output(s["bid_out"])
    @bp.doc(summary=api.docs["refuse_bid"], responses=api.errors)
    def refuse_bid(bid_id: int, **ids):
        return answered(api.offering_id(ids), bid_id, False)
