"""Names of the auction vocabulary in the user's language."""
from flask_babel import lazy_gettext as _l

from app.jobs.labels import FILE_STATUS_LABELS
from app.placement import vocabulary as placement
from app.placement.vocabulary import CONFIRMATION_LABELS, INVESTOR_TYPE_LABELS

STATUS_LABELS = {
    **placement.STATUS_LABELS,
    "terms_requested": _l("Additional terms requested"),
    "accepted": _l("Accepted"),
    "cancelled": _l("Cancelled"),
    "closed": _l("Closed, awaiting decision"),
    "decided": _l("Decided"),
}
STATUS_TONES = {**placement.STATUS_TONES, "terms_requested": "warn", "cancelled": "muted", "decided": "ok"}
PHASE_LABELS = {"before_open": _l("Bids not yet open"), "bidding": _l("Bid window open"),
                "confirming": _l("Confirmation window"), "after": _l("Bid window closed")}
KIND_LABELS = {"placement": _l("Placement"), "sale": _l("Sale"), "purchase": _l("Purchase"), "buyback": _l("Buyback")}
COLUMN_LABELS = {"securities": _l("Securities of an issuer"), "gko": _l("GKO of the Ministry of Finance")}
SECURITY_TYPE_LABELS = {"share": _l("Shares"), "corporate_bond": _l("Corporate bonds"),
                        "mekkam": _l("MEKKAM (discount bills)"), "meokam": _l("MEOKAM (coupon bonds)"),
                        "meukam": _l("MEUKAM (coupon bonds)"), "mezhkam": _l("MEZHKAM (coupon bonds)")}
TRADE_SUBJECT_LABELS = {"price": _l("Clean price, percent of face value"), "yield": _l("Yield, % per annum")}
SUBMISSION_LABELS = {"closed": _l("Closed (sealed bids)"), "open": _l("Open")}
PRICING_LABELS = {
    "multiple": _l("Limit bids at their own prices (at or better than the cut-off)"),
    "uniform": _l("All satisfied bids at the single cut-off price"),
}
SCHEME_LABELS = {"T0": _l("T+0"), "T2": _l("T+2")}
TIME_BASE_LABELS = {"act_act": _l("actual/actual"), "30_360": _l("30/360")}
BID_KIND_LABELS = {"limit": _l("Limit"), "market": _l("Market")}
BID_STATUS_LABELS = {**placement.BID_STATUS_LABELS, "removed": _l("Removed by the exchange"),
                     "annulled": _l("Annulled")}
FAILURE_LABELS = {
    "no_active_limit_bid": _l("No limit bid was accepted."),
    "too_few_participants": _l("Fewer than two participants submitted bids."),
    "refused_by_initiator": _l("The initiator refused to satisfy the bids."),
}
DEAL_STATUS_LABELS = {"formed": _l("Formed"), "settled": _l("Settled"),
                      "rejected": _l("Rejected: money short")}
NOTICE_LABELS = {**placement.NOTICE_LABELS, "postponement": _l("Postponement"),
                 "cancellation": _l("Cancellation")}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


LABELS = {
    "status": STATUS_LABELS, "phase": PHASE_LABELS, "kind": KIND_LABELS, "column": COLUMN_LABELS,
    "security_type": SECURITY_TYPE_LABELS, "trade_subject": TRADE_SUBJECT_LABELS,
    "submission_method": SUBMISSION_LABELS, "pricing": PRICING_LABELS, "scheme": SCHEME_LABELS,
    "time_base": TIME_BASE_LABELS, "bid_kind": BID_KIND_LABELS, "bid_status": BID_STATUS_LABELS,
    "confirmation": CONFIRMATION_LABELS, "investor_type": INVESTOR_TYPE_LABELS,
    "failure": FAILURE_LABELS, "deal_status": DEAL_STATUS_LABELS, "notice": NOTICE_LABELS,
    "file": FILE_STATUS_LABELS,
}
