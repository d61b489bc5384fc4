"""The navigation bar: each role sees only what it may open."""
from dataclasses import dataclass

from flask import Flask, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.access import allows, endpoint_access


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object


ROLE_LABELS = {
    "exchange_staff": _l("Exchange staff"),
    "minfin": _l("Ministry of Finance"),
    "issuer": _l("Issuer"),
    "primary_dealer": _l("Primary dealer"),
    "participant": _l("Participant"),
    "collateral_controller": _l("Collateral controller"),
    "client": _l("Client"),
    "broker_office": _l("Broker's back office"),
    "broker_risk": _l("Broker's risk staff"),
    "admin": _l("Administrator"),
}
ORGANISATION_KIND_LABELS = {
    "exchange": _l("Exchange"),
    "minfin": _l("Ministry of Finance"),
    "issuer": _l("Issuer"),
    "member_firm": _l("Member firm"),
    "custodian": _l("Custodian"),
    "client": _l("Client (natural person)"),
}

NAV_ITEMS = (
    NavItem("main.home", _l("Home")),
    NavItem("cabinet.home", _l("My cabinet")),
    NavItem("brokerage.clients", _l("Clients")),
    NavItem("brokerage.reconciliation", _l("Reconciliation")),
    NavItem("brokerage.record_income", _l("Coupons and dividends")),
    NavItem("withdrawals_office.queue", _l("Withdrawals")),
    NavItem("venues.index", _l("Venues")),
    NavItem("risk_clients.index", _l("Clients' risk")),
    NavItem("margin.rates", _l("Discount rates")),
    NavItem("margin.fx", _l("FX rates")),
    NavItem("margin_categories.queue", _l("Category requests")),
    NavItem("margin_fees.tariff", _l("Margin fee")),
    NavItem("auctions.index", _l("Auctions")),
    NavItem("auctions.confirmations", _l("Confirmations")),
    NavItem("subscriptions.index", _l("Subscriptions")),
    NavItem("auctions.notices", _l("Notices")),
    NavItem("market.index", _l("Market")),
    NavItem("market.orders", _l("Orders & trades")),
    NavItem("market_repo.index", _l("Repo")),
    NavItem("market_repo.all_repos", _l("Repos")),
    NavItem("market_reference.instruments", _l("Instruments")),
    NavItem("market_staff.day", _l("Trading day")),
    NavItem("calendar.index", _l("Calendar")),
    NavItem("calculator.index", _l("Calculator")),
    NavItem("audit.index", _l("Audit trail")),
    NavItem("clock.index", _l("Sandbox clock")),
    NavItem("admin.organisations", _l("Organisations")),
    NavItem("admin.users", _l("Users")),
    NavItem("banks.banks", _l("Banks")),
)


def visible_navigation() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    return [
        {"endpoint": item.endpoint, "label": item.label, "url": url_for(item.endpoint)}
        for item in NAV_ITEMS
        if allows(endpoint_access(item.endpoint), current_user.role)
    ]


def register_navigation(app: Flask) -> None:
    @app.context_processor
    def navigation():
        from app.clock.services import now, sandbox_enabled, sandbox_state

        return {
            "current_locale": lambda: str(get_locale() or "ru"),
            "role_label": lambda role: ROLE_LABELS.get(role, role),
            "organisation_kind_label": lambda kind: ORGANISATION_KIND_LABELS.get(kind, kind),
            "navigation": visible_navigation(),
            "desk_now": now(),
            "sandbox_on": sandbox_enabled(),
            "sandbox_clock": sandbox_state(),
        }
