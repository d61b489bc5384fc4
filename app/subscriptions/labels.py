"""Names of the subscription vocabulary in the user's language."""
from flask_babel import lazy_gettext as _l

from app.jobs.labels import FILE_STATUS_LABELS
from app.placement import vocabulary as placement
from app.placement.vocabulary import CONFIRMATION_LABELS, INVESTOR_TYPE_LABELS

STATUS_LABELS = {
    **placement.STATUS_LABELS,
    "accepted": _l("Accepted, awaiting the depository"),
    "consent_refused": _l("The depository refused"),
    "consented": _l("Depository consent received"),
    "closed": _l("Bid period over"),
    "allocated": _l("Satisfied register received"),
}
STATUS_TONES = {**placement.STATUS_TONES, "consent_refused": "danger", "consented": "accent", "allocated": "ok"}
PHASE_LABELS = {"before": _l("Bid period not started"), "open": _l("Bid period open"), "after": _l("Bid period over")}
COLUMN_LABELS = {"securities": _l("Offering of an issuer's securities"), "gko": _l("GKO subscription of the Ministry")}
CODE_LABELS = {
    "T0": _l("T0: full cover blocked at the check time"),
    "Y0": _l("Y0: partial cover at the check time, full later"),
    "Z0": _l("Z0: cover checked when the bid is submitted"),
    "B0": _l("B0: cover checked with the settlement report"),
}
CATEGORY_LABELS = INVESTOR_TYPE_LABELS
BID_STATUS_LABELS = {**placement.BID_STATUS_LABELS, "refused": _l("Refused")}
SATISFACTION_LABELS = {"full": _l("Satisfied in full"), "partial": _l("Satisfied in part"), "none": _l("Not satisfied")}
FAILURE_LABELS = {
    "no_bids": _l("No bid was submitted."),
    "too_few_participants_and_investors": _l("Bids came from fewer than 2 participants and fewer than 50 investors."),
    "all_refused": _l("The seller refused all bids."),
}
NOTICE_LABELS = placement.NOTICE_LABELS


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


LABELS = {
    "status": STATUS_LABELS, "phase": PHASE_LABELS, "column": COLUMN_LABELS, "code": CODE_LABELS,
    "category": CATEGORY_LABELS, "bid_status": BID_STATUS_LABELS, "satisfaction": SATISFACTION_LABELS,
    "failure": FAILURE_LABELS, "notice": NOTICE_LABELS, "confirmation": CONFIRMATION_LABELS,
    "export": FILE_STATUS_LABELS,
}
