"""What every refused market instruction says, in the user's language, by check code."""
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from app.formatting import money, price, quantity
from app.refusals import Refusal
from app.secondary.assets import is_currency

MESSAGES = {
    "insufficient_cover": _l("Not enough cover: the order needs %(needed)s and the "
                             "planned position leaves %(available)s (App.6 §1, full cover)."),
    "outside_corridor": _l("The price is outside today's corridor %(low)s – %(high)s."),
    "price_off_step": _l("The price must be positive and a multiple of the price step %(step)s."),
    "bad_lots": _l("The quantity must be a whole number of lots, at least 1."),
    "client_code_required": _l("An order on an aggregated client account must carry the "
                               "client's code."),
    "session_closed": _l("The trading session is not open."),
    "no_reference_price": _l("There is no reference price for today, so the price corridor "
                             "is not set; the exchange must enter one first."),
    "instrument_halted": _l("Trading in %(code)s is halted: %(reason)s"),
    "mode_not_allowed": _l("%(code)s does not trade with settlement code %(settlement)s."),
    "unknown_instrument": _l("No such instrument."),
    "unknown_account": _l("No such trading account of your firm."),
    "order_not_active": _l("The order is no longer active."),
    "nothing_changed": _l("The amendment changes neither the price nor the quantity."),
    "not_amendable": _l("Only an active limit order can be amended."),
    "price_required": _l("A limit order needs a price."),
    "market_no_expiry": _l("A market order is filled at once and cannot carry an expiry date."),
    "expiry_in_past": _l("The expiry date must be today or later."),
    "counterparty_required": _l("Choose the counterparty the direct deal is addressed to."),
    "self_deal": _l("A direct deal needs a counterparty other than your own firm."),
    "not_addressed_to_you": _l("This direct deal is not addressed to your firm."),
    "day_exists": _l("A trading session for %(day)s already exists."),
    "not_business_day": _l("%(day)s is not a business day."),
    "bad_session_times": _l("The session must close after it opens."),
    "day_not_open": _l("No trading session is open."),
    "previous_day_open": _l("The session of %(day)s is still open; close it first."),
    "not_failed": _l("Only a failed settlement can be retried or cancelled."),
    "not_harmed_side": _l("Only the side that did not fail may cancel the deal."),
    "retry_needs_both": _l("A retry needs both sides' agreement; the other side has not agreed yet."),
    "bad_amount": _l("The amount must be a number with at most 2 decimal places."),
    "repo_not_allowed": _l("%(code)s is not on the exchange's repo list (App.5 sets no discount for it)."),
    "repo_close_not_business_day": _l("The repo would close on %(day)s, which is not a business day: "
                                      "choose another term."),
    "repo_not_open": _l("No such open repo of your firm."),
    "repo_term_not_standard": _l("Automatic repo trades only for 1, 2, 3, 7, 14 or 30 days."),
    "repo_term_out_of_range": _l("A direct repo runs for 1 to 90 days."),
    "repo_term_not_positive": _l("A direct repo runs for 1 to 90 days."),
    "repo_discount_out_of_range": _l("The discount must be at least 0 and below 1 (a fraction, e.g. 0.15)."),
    "repo_redemption_in_term": _l("The security is redeemed within the repo term (§28)."),
    "repo_auto_no_early_close": _l("An automatic repo cannot be closed early."),
    "repo_early_close_same_day": _l("A repo cannot be closed early on its opening or closing day."),
    "repo_early_close_outside_term": _l("The repo is not within its term."),
    "repo_no_extension": _l("A repo cannot be extended."),
    "repo_early_close_needs_both": _l("An early close needs both sides' agreement."),
    "unknown_asset": _l("Unknown asset %(asset)s: use a currency code or an instrument code."),
}


class MarketError(Refusal):
    """A refused market instruction; `code` names the failed check."""

    def __init__(self, code: str, /, field: str | None = None, **details):   # a detail may be named `code`
        # Worded when shown, not when made: with group commit one caller's thread sequences
        # other callers' instructions, and each refusal is read in its own requester's language.
        Exception.__init__(self, code)
        self.message = LazyString(describe, code, details)
        self.field, self.code, self.problems, self.details = field, code, None, details

    def __str__(self) -> str:
        return str(self.message)


def describe(code: str, details: dict) -> str:
    template = MESSAGES.get(code)
    if template is None:
        return code
    shown = dict(details)
    for bound in ("low", "high", "step"):
        if bound in shown:
            shown[bound] = price(shown[bound])
    if "asset" in details and "needed" in details:
        shown.update(needed=_amount(details["needed"], details["asset"]),
                     available=_amount(details["available"], details["asset"]))
    return str(template) % shown if shown else str(template)


def _amount(value, asset: str) -> str:
    """Money in its currency; securities as a count with the instrument code."""
    if is_currency(asset):
        return money(value, asset)
    return f"{quantity(value)} {asset}"
