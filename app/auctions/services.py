"""Applications for specialized auctions: filing, exchange review, announcement, cancel, postpone.

Services flush; the view, API call or CLI command that called them commits once.
"""
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from app.auctions.kind import AUCTION, AuctionError
from app.auctions.messages import RULE_MESSAGES
from app.auctions.models import (Auction, AuctionColumn, AuctionKind, AuctionStatus, Notice, NoticeKind,
                                 SecurityType, SettlementScheme)
from app.auth.models import User
from app.auth.roles import Role
from app.calendar.services import business_calendar
from app.domain import auction_rules as rules
from app.domain.calendar import almaty_date, almaty_instant
from app.domain.isin import isin_is_valid
from app.domain.yields import Bond, BondKind, TimeBase, YieldError
from app.placement import lifecycle
from app.placement.messages import rule_message

GKO_TYPES = frozenset({SecurityType.MEKKAM, SecurityType.MEOKAM, SecurityType.MEUKAM, SecurityType.MEZHKAM})
# Before the bid window opens the terms can still be cancelled or moved.
OPEN_FOR_CHANGE = (AuctionStatus.SUBMITTED, AuctionStatus.TERMS_REQUESTED, AuctionStatus.ACCEPTED,
                   AuctionStatus.ANNOUNCED)


def broken(error: rules.AuctionRuleBroken, field: str | None = None) -> AuctionError:
    return AuctionError(rule_message(RULE_MESSAGES, error.rule, error.values), field, code=error.rule)


@dataclass
class ApplicationTerms:
    """What the initiator states in the application (App.7 §1) — the published terms."""

    kind: str
    security_type: str
    security_name: str
    isin: str
    exchange_code: str
    face_value: Decimal
    trade_date: date
    declared_quantity: int
    trade_subject: str
    market_share_percent: Decimal
    submission_method: str
    pricing: str
    bids_open: time
    bids_close: time
    confirm_until: time
    decision: time
    settlement_scheme: str
    issue_date: date | None = None
    maturity_date: date | None = None
    time_base: str | None = None
    coupon_rate: Decimal | None = None
    coupon_frequency: int | None = None
    coupon_dates: list[date] = field(default_factory=list)
    issuable_quantity: int | None = None
    is_emergency_repeat: bool = False


# --- reading ---------------------------------------------------------------------------------

def get_auction(session, auction_id: int) -> Auction | None:
    return session.get(Auction, auction_id)


def bond_of(auction: Auction) -> Bond | None:
    """The security as the yield conventions see it; None for shares (no yield)."""
    if not auction.is_bond or auction.maturity_date is None:
        return None
    dates = tuple(date.fromisoformat(day) for day in auction.coupon_dates)
    return make_bond(auction.face_value, auction.maturity_date, auction.coupon_rate,
                     auction.coupon_frequency, dates, auction.time_base)


def make_bond(face_value: Decimal, maturity_date: date, coupon_rate: Decimal | None,
              coupon_frequency: int | None, coupon_dates: tuple[date, ...], time_base: str | None) -> Bond:
    coupon = bool(coupon_rate) and bool(coupon_dates)
    return Bond(
        kind=BondKind.COUPON if coupon else BondKind.DISCOUNT, face_value=face_value,
        maturity_date=maturity_date, coupon_rate=coupon_rate or Decimal(0),
        coupon_frequency=coupon_frequency or 0, coupon_dates=coupon_dates,
        time_base=TimeBase(time_base) if time_base else None,
    )


def window_of(auction: Auction) -> rules.Window:
    return rules.Window(auction.bids_open_at, auction.bids_close_at, auction.confirm_until, auction.decision_at)


# --- filing ------------------------------------------------------------------------------------

def file_application(session, user: User, terms: ApplicationTerms, now: datetime) -> Auction:
    """App.7 §1. The Ministry files GKO placements; an issuer files for its own securities."""
    column = _column_for(user)
    _check_terms(terms, column)
    calendar = business_calendar(session, terms.trade_date.year)
    window = _window(terms)
    try:
        rules.check_window(window)
        rules.check_filing(calendar, terms.trade_date, now, column == AuctionColumn.GKO,
                           terms.is_emergency_repeat)
    except rules.AuctionRuleBroken as error:
        raise broken(error, "trade_date") from error
    return lifecycle.filed(session, AUCTION, Auction(
        column=column, status=AuctionStatus.SUBMITTED, initiator_id=user.organisation_id,
        filed_by_id=user.id, filed_at=now, postpone_count=0,
        payment_date=rules.payment_date(calendar, terms.trade_date, terms.settlement_scheme),
        **_timetable(window), **_stored_terms(terms)))


def _column_for(user: User) -> AuctionColumn:
    if user.role == Role.MINFIN:
        return AuctionColumn.GKO
    if user.role == Role.ISSUER:
        return AuctionColumn.SECURITIES
    raise AuctionError(_l("Only an issuer or the Ministry of Finance files auction applications."))


def _window(terms: ApplicationTerms) -> rules.Window:
    day = terms.trade_date
    return rules.Window(almaty_instant(day, terms.bids_open), almaty_instant(day, terms.bids_close),
                        almaty_instant(day, terms.confirm_until), almaty_instant(day, terms.decision))


def _timetable(window: rules.Window) -> dict:
    return {"bids_open_at": window.bids_open_at, "bids_close_at": window.bids_close_at,
            "confirm_until": window.confirm_until, "decision_at": window.decision_at}


def _stored_terms(terms: ApplicationTerms) -> dict:
    values = asdict(terms)
    for local_time in ("bids_open", "bids_close", "confirm_until", "decision"):
        values.pop(local_time)
    values["isin"] = terms.isin.strip().upper()
    values["coupon_dates"] = [day.isoformat() for day in terms.coupon_dates]
    return values


def _check_terms(terms: ApplicationTerms, column: AuctionColumn) -> None:
    _check_kind(terms, column)
    if not isin_is_valid(terms.isin.strip().upper()):
        raise AuctionError(_l("This is not a valid ISIN: 12 characters with a correct check digit."), "isin")
    if terms.face_value <= 0:
        raise AuctionError(_l("The face value must be positive."), "face_value")
    if terms.declared_quantity <= 0:
        raise AuctionError(_l("The declared quantity must be at least one security."), "declared_quantity")
    if not 0 <= terms.market_share_percent <= 100:
        raise AuctionError(_l("The market-bid share is a percentage from 0 to 100."), "market_share_percent")
    _check_issuable(terms, column)
    _check_security(terms)


def _check_kind(terms: ApplicationTerms, column: AuctionColumn) -> None:
    if column == AuctionColumn.GKO:
        if terms.kind != AuctionKind.PLACEMENT:
            raise AuctionError(_l("The Ministry's GKO column covers placement and repeat placement only."), "kind")
        if terms.security_type not in GKO_TYPES:
            raise AuctionError(_l("The Ministry places government treasury obligations only."), "security_type")
    elif terms.security_type in GKO_TYPES:
        raise AuctionError(_l("Government treasury obligations are placed by the Ministry of Finance."),
                           "security_type")
    if terms.settlement_scheme not in SettlementScheme.__members__.values():
        raise AuctionError(_l("Choose T+0 or T+2."), "settlement_scheme")


def _check_issuable(terms: ApplicationTerms, column: AuctionColumn) -> None:
    if column == AuctionColumn.GKO:
        terms.issuable_quantity = None  # the GKO column sets no cap
        return
    if terms.issuable_quantity is None:
        raise AuctionError(_l("State how many securities the issue terms allow in all."), "issuable_quantity")
    if terms.issuable_quantity < terms.declared_quantity:
        raise AuctionError(_l("The issue cannot allow fewer securities than are declared."), "issuable_quantity")


def _check_security(terms: ApplicationTerms) -> None:
    if terms.security_type == SecurityType.SHARE:
        if terms.trade_subject != "price":
            raise AuctionError(_l("Shares are auctioned on price."), "trade_subject")
        terms.maturity_date = terms.time_base = terms.coupon_rate = terms.coupon_frequency = None
        terms.coupon_dates = []
        return
    if terms.maturity_date is None or terms.maturity_date <= terms.trade_date:
        raise AuctionError(_l("A bond needs a maturity date after the trade date."), "maturity_date")
    if terms.issue_date and terms.issue_date > terms.trade_date:
        raise AuctionError(_l("The issue date cannot come after the trade date."), "issue_date")
    _check_coupon(terms)


def _check_coupon(terms: ApplicationTerms) -> None:
    discount = terms.security_type == SecurityType.MEKKAM or not terms.coupon_rate
    if discount:
        terms.coupon_rate, terms.coupon_frequency, terms.coupon_dates = None, None, []
    elif not terms.coupon_dates:
        raise AuctionError(_l("List every coupon date of the bond, maturity included."), "coupon_dates")
    try:
        make_bond(terms.face_value, terms.maturity_date, terms.coupon_rate, terms.coupon_frequency,
                  tuple(terms.coupon_dates), terms.time_base)
    except YieldError as error:
        raise AuctionError(str(error), getattr(error, "field", None) or "coupon_dates") from error


# --- exchange review ---------------------------------------------------------------------------

def accept_application(session, auction: Auction, now: datetime) -> Auction:
    """App.7 §2: the exchange accepts and gives the auction its unique number."""
    return lifecycle.accept(session, AUCTION, auction, "GKO" if auction.is_gko else "SA", now)


def request_terms(session, auction: Auction, note: str) -> Auction:
    """App.7 §2: the exchange may ask an issuer for additional terms (GKO has no such step)."""
    require_status(auction, AuctionStatus.SUBMITTED)
    if auction.is_gko:
        raise AuctionError(_l("The GKO column has no request for additional terms."))
    return lifecycle.with_reason(session, AUCTION, auction, AuctionStatus.TERMS_REQUESTED, note, "request_terms")


def refuse_application(session, auction: Auction, note: str) -> Auction:
    require_status(auction, AuctionStatus.SUBMITTED, AuctionStatus.TERMS_REQUESTED)
    return lifecycle.with_reason(session, AUCTION, auction, AuctionStatus.REFUSED, note, "refuse")


def amend_terms(session, auction: Auction, user: User, terms: ApplicationTerms, now: datetime) -> Auction:
    """The issuer answers a request for additional terms with a corrected application."""
    require_status(auction, AuctionStatus.TERMS_REQUESTED)
    if terms.trade_date != auction.trade_date:
        raise AuctionError(_l("The trade date cannot change here; file a new application."), "trade_date")
    _check_terms(terms, AuctionColumn(auction.column))
    window = _window(terms)
    try:
        rules.check_window(window)
    except rules.AuctionRuleBroken as error:
        raise broken(error, "bids_open") from error
    calendar = business_calendar(session, terms.trade_date.year)

    def amended():
        for name, value in {**_stored_terms(terms), **_timetable(window)}.items():
            setattr(auction, name, value)
        auction.payment_date = rules.payment_date(calendar, terms.trade_date, terms.settlement_scheme)
        auction.status = AuctionStatus.SUBMITTED
    return lifecycle.changed(session, AUCTION, auction, "amend_terms", amended)


def announce(session, auction: Auction, now: datetime) -> Auction:
    """App.7 §3: publish the announcement and send it to eligible bidders in time."""
    require_status(auction, AuctionStatus.ACCEPTED)
    calendar = business_calendar(session, auction.trade_date.year)
    try:
        rules.check_announcement(calendar, auction.trade_date, now, auction.is_emergency_repeat)
    except rules.AuctionRuleBroken as error:
        raise broken(error) from error
    return lifecycle.changed(session, AUCTION, auction, "announce", lambda: _announced(session, auction, now))


def _announced(session, auction: Auction, now: datetime) -> None:
    auction.status, auction.announced_at = AuctionStatus.ANNOUNCED, now
    publish_notice(session, auction, NoticeKind.ANNOUNCEMENT, now)


def publish_notice(session, auction: Auction, kind: NoticeKind, now: datetime, note: str | None = None) -> Notice:
    return lifecycle.publish_notice(session, AUCTION, auction, kind, now, note)


# --- cancel and postpone (App.7 §4) -------------------------------------------------------------

def cancel_auction(session, auction: Auction, reason: str, now: datetime) -> Auction:
    require_status(auction, *OPEN_FOR_CHANGE)
    if now >= auction.bids_open_at:
        raise broken(rules.AuctionRuleBroken("already_started"))

    def cancelled():
        was_public = auction.status == AuctionStatus.ANNOUNCED
        auction.status, auction.review_note = AuctionStatus.CANCELLED, (reason or "").strip() or None
        if was_public:
            publish_notice(session, auction, NoticeKind.CANCELLATION, now, auction.review_note)
    return lifecycle.changed(session, AUCTION, auction, "cancel", cancelled)


def postpone_auction(session, auction: Auction, new_date: date, new_open: time, now: datetime) -> Auction:
    """Move the whole day's timetable by the same amount; no other term changes."""
    require_status(auction, *OPEN_FOR_CHANGE)
    new_open_at = almaty_instant(new_date, new_open)
    calendar = business_calendar(session, new_date.year)
    old = window_of(auction)
    try:
        rules.check_postponement(calendar, old, new_open_at, now, auction.is_gko, auction.postpone_count)
    except rules.AuctionRuleBroken as error:
        raise broken(error, "new_date") from error
    moved = _moved_window(old, new_date, new_open_at)

    def postponed():
        for name, value in _timetable(moved).items():
            setattr(auction, name, value)
        auction.trade_date = new_date
        auction.payment_date = rules.payment_date(calendar, new_date, auction.settlement_scheme)
        auction.postpone_count += 1
        if auction.status == AuctionStatus.ANNOUNCED:
            publish_notice(session, auction, NoticeKind.POSTPONEMENT, now)
    return lifecycle.changed(session, AUCTION, auction, "postpone", postponed)


def _moved_window(old: rules.Window, new_date: date, new_open_at: datetime) -> rules.Window:
    """The same local times relative to the opening; they must stay on the new date."""
    moved = old.shifted(new_open_at - old.bids_open_at)
    if almaty_date(moved.decision_at) != new_date:
        raise AuctionError(_l("The moved timetable would run past midnight; choose an earlier time."),
                           "new_open")
    return moved


# --- shared ------------------------------------------------------------------------------------

def require_status(auction: Auction, *statuses: AuctionStatus) -> None:
    lifecycle.require_status(AUCTION, auction, *statuses)


def snapshot(auction: Auction) -> dict:
    return lifecycle.snapshot(AUCTION, auction)
