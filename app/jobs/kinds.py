"""What the worker knows how to do: the timed steps it takes on every round, and the job
kinds it runs. Imported lazily, so features may queue jobs without importing the worker."""
from collections.abc import Callable

from app.clock.services import now


def timed_steps() -> list[Callable[[], None]]:
    from app.auctions import results as auction_results
    from app.extensions import db
    from app.messaging import services as messaging
    from app.secondary import schedule
    from app.subscriptions import results as offering_results

    def close_auction_windows() -> None:
        auction_results.advance_due(db.session, now())

    def close_offering_periods() -> None:
        offering_results.advance_due(db.session, now())

    def close_market_session() -> None:
        schedule.advance_due(db.session)

    def expire_unsigned_withdrawals() -> None:
        from app.withdrawals.services import expire_unsigned

        expire_unsigned(db.session, now())

    def deliver_messages() -> None:
        messaging.deliver_due(db.session)   # commits per message: "sending" is stored before a send

    return [close_auction_windows, close_offering_periods, close_market_session, expire_unsigned_withdrawals,
            deliver_messages]


def handler_of(kind: str) -> Callable:
    from app.auctions import registers as auction_registers
    from app.subscriptions import registers as offering_registers

    handlers = {"register_export": offering_registers.build_job, "deal_register": auction_registers.build_job}
    if kind not in handlers:
        raise LookupError(f"no handler for job kind {kind!r}")
    return handlers[kind]
