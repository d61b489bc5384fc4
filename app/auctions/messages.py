"""What each broken App.7 rule says to the user (rendered by app.placement.messages)."""
from flask_babel import lazy_gettext as _l

RULE_MESSAGES = {
    "not_a_trading_day": _l("%(day)s is not a trading day of the exchange."),
    "emergency_repeat_is_gko_only": _l("Only the Ministry of Finance may file an emergency repeat GKO auction."),
    "issuer_filing_late": _l("App.7 §1: an issuer files at least 3 business days before the auction; "
                             "the deadline was %(deadline)s."),
    "minfin_filing_late": _l("App.7 §1: the Ministry files at least 2 business days before the auction; "
                             "the deadline was %(deadline)s."),
    "emergency_filing_late": _l("App.7 §1: an emergency repeat auction must be filed before 17:00 of the "
                                "last business day before it (%(deadline)s)."),
    "announcement_late": _l("App.7 §3: the announcement must be published by %(deadline)s; that time "
                            "has passed. Move the auction to a later date first."),
    "window_order": _l("The bid window must open before it closes."),
    "confirmation_before_close": _l("The confirmation window cannot end before the bid window closes."),
    "decision_before_confirmation": _l("The decision time cannot come before the confirmation window ends."),
    "already_started": _l("App.7 §4: the auction has started; it can no longer be moved or cancelled."),
    "postpone_only_later": _l("App.7 §4: an auction may only be moved to a later date or time."),
    "same_day_move_too_late": _l("App.7 §4: the time on the same date may be moved no later than "
                                 "30 minutes before the start."),
    "postponed_twice": _l("App.7 §4: an issuer may move an auction at most twice."),
    "market_bid_needs_limit_bids": _l("App.7 §5: a market bid may only follow your limit bids."),
    "market_share_exceeded": _l("App.7 §5: your market bids may not exceed %(share)s %% of your limit "
                                "bids (at most %(allowed)s securities now)."),
    "above_issuable": _l("App.7 §7: an issuer may not place more than %(issuable)s securities, the most "
                         "the issue terms allow."),
}

