"""What the worker knows how to do: the timed steps it takes on every round, and the job
kinds it runs. Imported lazily, so features may queue jobs without importing the worker."""
from collections.abc import Callable

from app.clock.services import now


def timed_steps() -> list[Callable[[], None]]:
    from app.auctions import results as auction_results
    from app.extensions import db
    from app.margin import closeout as margin_close_out
    from app.margin import monitoring as margin_monitoring
    from app.margin.fees import services as margin_fees
    from app.messaging import services as messaging
    from app.orders import services as client_orders
    from app.secondary import schedule
    from app.subscriptions import results as offering_results
    from app.withdrawals import services as withdrawals

    def close_auction_windows() -> None:
        auction_results.advance_due(db.session, now())

    def close_offering_periods() -> None:
        offering_results.advance_due(db.session, now())

    def close_market_session() -> None:
        schedule.advance_due(db.session)

    def expire_unsigned_withdrawals() -> None:
        withdrawals.expire_unsigned(db.session, now())

    def follow_margin() -> None:
        margin_monitoring.revalue_touched(db.session, now())

    def follow_close_outs() -> None:
        margin_close_out.follow_due(db.session, now())   # calls past their deadline; running close-outs go on

    def accrue_margin_fees() -> None:
        margin_fees.accrue_due(db.session, now())   # once per client and business day, after the close

    def deliver_messages() -> None:
        messaging.deliver_due(db.session)   # commits per message: "sending" is stored before a send

    def follow_client_orders() -> None:
        # Market fills before expiry: an order filled in the day's last minute is filled, not expired.
        client_orders.sync_market_orders(db.session, now())
        client_orders.expire_due(db.session, now())

    # Margin after the orders' fills are posted; messages last, so a notice leaves in the same round.
    return [close_auction_windows, close_offering_periods, close_market_session, follow_client_orders,
            expire_unsigned_withdrawals, follow_margin, follow_close_outs, accrue_margin_fees, deliver_messages]


def handler_of(kind: str) -> Callable:
    from app.registers import bid_register_exports as offering_registers
    from app.registers import deal_register_files as auction_registers

    handlers = {"register_export": offering_registers.build_job, "deal_register": auction_registers.build_job}
    if kind not in handlers:
        raise LookupError(f"no handler for job kind {kind!r}")
    return handlers[kind]
