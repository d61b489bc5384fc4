"""The timing and bidding rules of specialized auctions (App.7), as pure functions.

Every rule raises an `AuctionRuleBroken` subclass whose `rule` names the clause broken; the
service layer turns it into a message in the user's language.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from app.domain.calendar import BusinessCalendar, almaty_date, almaty_instant

ISSUER_FILING_DAYS = 3          # App.7 §1: issuer ≥ 3 business days before
MINFIN_FILING_DAYS = 2          # App.7 §1: Ministry ≥ 2 business days before
EMERGENCY_FILING_CUTOFF = time(17, 0)     # … of the last business day before
EMERGENCY_ANNOUNCEMENT_CUTOFF = time(10, 0)   # … of the auction day
SAME_DAY_MOVE_NOTICE = timedelta(minutes=30)
ISSUER_POSTPONEMENTS = 2


class AuctionRuleBroken(Exception):
    """`rule` is a stable code; `values` fill the user-facing message."""

    def __init__(self, rule: str, **values):
        super().__init__(rule)
        self.rule = rule
        self.values = values


class Phase(StrEnum):
    BEFORE_OPEN = "before_open"
    BIDDING = "bidding"
    CONFIRMING = "confirming"
    AFTER = "after"


@dataclass(frozen=True)
class Window:
    bids_open_at: datetime
    bids_close_at: datetime
    confirm_until: datetime
    decision_at: datetime

    def phase(self, now: datetime) -> Phase:
        """The bid window is [open, close): a bid at the closing instant is late."""
        if now < self.bids_open_at:
            return Phase.BEFORE_OPEN
        if now < self.bids_close_at:
            return Phase.BIDDING
        if now < self.confirm_until:
            return Phase.CONFIRMING
        return Phase.AFTER

    def shifted(self, delta: timedelta) -> "Window":
        return Window(self.bids_open_at + delta, self.bids_close_at + delta,
                      self.confirm_until + delta, self.decision_at + delta)


def check_window(window: Window) -> None:
    if not window.bids_open_at < window.bids_close_at:
        raise AuctionRuleBroken("window_order")
    if window.confirm_until < window.bids_close_at:
        raise AuctionRuleBroken("confirmation_before_close")
    if window.decision_at < window.confirm_until:
        raise AuctionRuleBroken("decision_before_confirmation")


def end_of_day(day: date) -> datetime:
    return almaty_instant(day + timedelta(days=1), time(0, 0))


def filing_deadline(calendar: BusinessCalendar, trade_date: date, is_gko: bool,
                    is_emergency_repeat: bool) -> datetime:
    """App.7 §1: the instant an application must arrive before (exclusive)."""
    if is_emergency_repeat:
        return almaty_instant(calendar.last_business_day_before(trade_date), EMERGENCY_FILING_CUTOFF)
    days = MINFIN_FILING_DAYS if is_gko else ISSUER_FILING_DAYS
    return end_of_day(calendar.business_days_before(trade_date, days))


def check_filing(calendar: BusinessCalendar, trade_date: date, filed_at: datetime, is_gko: bool,
                 is_emergency_repeat: bool) -> None:
    if not calendar.is_trading_day(trade_date):
        raise AuctionRuleBroken("not_a_trading_day", day=trade_date)
    if is_emergency_repeat and not is_gko:
        raise AuctionRuleBroken("emergency_repeat_is_gko_only")
    deadline = filing_deadline(calendar, trade_date, is_gko, is_emergency_repeat)
    if filed_at >= deadline:
        rule = "emergency_filing_late" if is_emergency_repeat else (
            "minfin_filing_late" if is_gko else "issuer_filing_late")
        raise AuctionRuleBroken(rule, deadline=deadline)


def announcement_deadline(calendar: BusinessCalendar, trade_date: date, is_emergency_repeat: bool) -> datetime:
    """App.7 §3: at least 1 business day before; an emergency repeat by 10:00 on the day."""
    if is_emergency_repeat:
        return almaty_instant(trade_date, EMERGENCY_ANNOUNCEMENT_CUTOFF)
    return end_of_day(calendar.last_business_day_before(trade_date))


def check_announcement(calendar: BusinessCalendar, trade_date: date, now: datetime,
                       is_emergency_repeat: bool) -> None:
    deadline = announcement_deadline(calendar, trade_date, is_emergency_repeat)
    if now >= deadline:
        raise AuctionRuleBroken("announcement_late", deadline=deadline)


def check_postponement(calendar: BusinessCalendar, old: Window, new_open: datetime, now: datetime,
                       is_gko: bool, postponements_so_far: int) -> None:
    """App.7 §4: only later, only before the start; a move on the same date at least 30 minutes
    before the start; an issuer at most twice (the Ministry without a count limit)."""
    if now >= old.bids_open_at:
        raise AuctionRuleBroken("already_started")
    if new_open <= old.bids_open_at:
        raise AuctionRuleBroken("postpone_only_later")
    old_day, new_day = _day(old.bids_open_at), _day(new_open)
    if new_day == old_day and now > old.bids_open_at - SAME_DAY_MOVE_NOTICE:
        raise AuctionRuleBroken("same_day_move_too_late")
    if not calendar.is_trading_day(new_day):
        raise AuctionRuleBroken("not_a_trading_day", day=new_day)
    if not is_gko and postponements_so_far >= ISSUER_POSTPONEMENTS:
        raise AuctionRuleBroken("postponed_twice")


def _day(instant: datetime) -> date:
    return almaty_date(instant)


def payment_date(calendar: BusinessCalendar, trade_date: date, scheme: str) -> date:
    """T+0 settles on the trade date; T+2 on the second business day after it."""
    return trade_date if scheme == "T0" else calendar.business_days_after(trade_date, 2)


def check_market_share(limit_quantity: int, market_quantity: int, share_percent: Decimal) -> None:
    """App.7 §5: a participant's market-bid volume ≤ share % of its own limit-bid volume; market
    bids only after limit bids; a share of 0 % is not checked."""
    if market_quantity == 0 or share_percent == 0:
        return
    if limit_quantity == 0:
        raise AuctionRuleBroken("market_bid_needs_limit_bids")
    if market_quantity * 100 > share_percent * limit_quantity:
        raise AuctionRuleBroken("market_share_exceeded", share=share_percent,
                                allowed=int(share_percent * limit_quantity / 100))


def check_issuable(decided_quantity: int, issuable_quantity: int | None) -> None:
    """App.7 §7: an issuer may place more than announced, never more than may be issued."""
    if issuable_quantity is not None and decided_quantity > issuable_quantity:
        raise AuctionRuleBroken("above_issuable", issuable=issuable_quantity)


def failure_reason(active_limit_bids: int, participants: int, needs_two_participants: bool) -> str | None:
    """App.7 §5: no active limit bid → failed; sales and purchases also with < 2 participants."""
    if active_limit_bids == 0:
        return "no_active_limit_bid"
    if needs_two_participants and participants < 2:
        return "too_few_participants"
    return None
