"""The small protocol by which a kind of offering joins the shared lifecycle.

An auction (App.7) and a subscription (App.8) differ in their terms, their rules and what happens
after the window; they share filing, review, sealed bids, custodian confirmation, the close,
deals and settlement. Each feature declares one `OfferingKind` naming its models, statuses and
words; the code in app.placement reads only that."""
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class OfferingKind:
    name: str                     # the audit trail's word for the offering: auction, subscription
    offering: type                # its model
    bid: type                     # its bids' model
    notice: type                  # its published notices' model
    parent: str                   # the column of bids and notices naming the offering (auction_id)
    error: type                   # its Refusal subclass
    statuses: type[StrEnum]       # the offering's statuses (SUBMITTED, ACCEPTED, ANNOUNCED …)
    bid_statuses: type[StrEnum]   # its bids' (ACTIVE, WITHDRAWN …)
    status_labels: dict
    bid_audit: str                # the audit trail's word for a bid's actions and rows
    bid_entity: str
    closes_at: str                # the column at whose instant the close comes
    snapshot_fields: tuple[str, ...]      # what the audit trail keeps of the offering
    bid_fields: tuple[str, ...]           # … and of a bid, in the open
    sealed_terms: Callable[[Any], list]   # … and of a bid, sealed until the close
    words: dict                   # what it says in its own words: not_found, wrong_status, key_reused
    notice_terms: Callable[[Any], dict] = lambda offering: {}   # more columns of its notices

    def offering_id(self, row) -> int:
        """The offering of a bid or a notice."""
        return getattr(row, self.parent)
