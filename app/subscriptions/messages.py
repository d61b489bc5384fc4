"""What each broken App.8 rule says to the user (rendered by app.placement.messages)."""
from flask_babel import lazy_gettext as _l

RULE_MESSAGES = {
    "not_a_trading_day": _l("%(day)s is not a trading day of the exchange."),
    "period_order": _l("The bid period must end after it starts."),
    "filing_late": _l("App.8 §1: the application is filed at least 2 business days before the bid period; "
                      "the deadline was %(deadline)s."),
    "announcement_late": _l("App.8 §4: the announcement was due by %(deadline)s."),
    "private_minimum": _l("App.8 §6: a private placement takes bids of at least %(minimum)s ₸."),
    "private_qualified_only": _l("App.8 §6: a private placement takes bids from qualified investors only."),
    "private_investor_limit": _l("App.8 §6: a private placement has at most %(limit)s investors "
                                 "(counted by IIN/BIN across all members)."),
    "unknown_bid": _l("There is no accepted bid number %(bid)s."),
    "negative_quantity": _l("The quantity cannot be negative."),
    "above_bid": _l("More than bid %(bid)s asked for (%(quantity)s)."),
    "price_outside_terms": _l("The price %(price)s is outside the terms (%(low)s–%(high)s)."),
    "above_bid_price": _l("The price is above the bid's own price %(price)s."),
    "duplicate_bid": _l("Bid %(bid)s appears on more than one row."),
    "above_offered": _l("The register satisfies %(total)s securities; the offering has %(offered)s."),
    "unequal_dealers": _l("App.8 §9: primary dealers' bids at %(price)s must be satisfied equally."),
}

