"""Auction Desk: the primary-market desk of a securities exchange."""
from pathlib import Path

from apiflask import APIFlask

from app.config import load_config

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> APIFlask:
    app = APIFlask(
        __name__,
        title="Auction Desk API",
        version="1",
        spec_path="/api/v1/openapi.json",
        docs_path=None,  # the UI bundles load from a CDN; users' networks are closed
        json_errors=False,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    load_config(app, test_config)
    register_converters(app)
    register_extensions(app)
    register_security(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_converters(app: APIFlask) -> None:
    from app.routing import register_converters as add_converters

    add_converters(app)


def register_extensions(app: APIFlask) -> None:
    from app import database
    from app.extensions import babel, csrf, db, login_manager, migrate
    from app.i18n import select_locale, select_timezone

    db.init_app(app)
    database.configure_engines()
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True, render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)


def register_security(app: APIFlask) -> None:
    from app import input_guard, transaction
    from app.auth import sessions
    from app.auth.access import enforce_access
    from app.security import register_security as add_headers

    transaction.register(app)   # first: the edge that commits runs after every other hook
    add_headers(app)
    input_guard.register(app)   # before any view or loader reads the request's text
    sessions.configure(app)
    app.before_request(enforce_access)


def register_blueprints(app: APIFlask) -> None:
    from app.admin.views import bp as admin_bp
    from app.api import register_api
    from app.api.views import bp as api_bp
    from app.auctions.routes import api_bp as auctions_api_bp
    from app.auctions.routes import bp as auctions_bp
    from app.audit.views import bp as audit_bp
    from app.auth.api import bp as auth_api_bp
    from app.auth.views import bp as auth_bp
    from app.brokerage.api import bp as brokerage_api_bp
    from app.brokerage.documents import register_reader
    from app.brokerage.views import bp as brokerage_bp
    from app.cabinet.api import bp as cabinet_api_bp
    from app.cabinet.signing.api import bp as signing_api_bp
    from app.cabinet.signing.views import bp as signing_bp
    from app.cabinet.statement_api import bp as cabinet_statement_api_bp
    from app.cabinet.statement_views import bp as cabinet_statement_bp
    from app.cabinet.views import bp as cabinet_bp
    from app.calculator.api import bp as calculator_api_bp
    from app.calculator.views import bp as calculator_bp
    from app.calendar.api import bp as calendar_api_bp
    from app.calendar.views import bp as calendar_bp
    from app.clock.api import bp as clock_api_bp
    from app.clock.views import bp as clock_bp
    from app.main.views import bp as main_bp
    from app.margin.api import bp as margin_api_bp
    from app.margin.cabinet_api import bp as cabinet_risk_api_bp
    from app.margin.cabinet_views import bp as cabinet_risk_bp
    from app.margin.clients_api import bp as risk_clients_api_bp
    from app.margin.clients_views import bp as risk_clients_bp
    from app.margin.categories.api import bp as margin_categories_api_bp
    from app.margin.categories.api import cabinet_bp as cabinet_category_api_bp
    from app.margin.categories.cabinet_views import bp as cabinet_category_bp
    from app.margin.categories.views import bp as margin_categories_bp
    from app.margin.fees.api import bp as margin_fees_api_bp
    from app.margin.fees.views import bp as margin_fees_bp
    from app.margin.views import bp as margin_bp
    from app.messaging.views import bp as messaging_bp
    from app.orders.api import bp as orders_api_bp
    from app.orders.dealing_views import bp as dealing_bp
    from app.orders.views import bp as orders_bp
    from app.registers.views import bp as registers_bp
    from app.secondary.reference.views import bp as market_reference_bp
    from app.secondary.repo.api import bp as market_repo_api_bp
    from app.secondary.repo.views import bp as market_repo_bp
    from app.secondary.staff.views import bp as market_staff_bp
    from app.secondary.trading.api import bp as market_api_bp
    from app.secondary.trading.views import bp as market_bp
    from app.subscriptions.routes import api_bp as subscriptions_api_bp
    from app.subscriptions.routes import bp as subscriptions_bp
    from app.notices.api import bp as notices_api_bp
    from app.notices.views import bp as notices_bp
    from app.withdrawals.api import bp as withdrawals_api_bp
    from app.withdrawals.api import office_bp as withdrawals_office_api_bp
    from app.withdrawals.views import banks_bp, office_bp as withdrawals_office_bp
    from app.withdrawals.views import bp as withdrawals_bp
    from app.venues.api import bp as venues_api_bp
    from app.venues.api import cabinet_bp as cabinet_instruments_api_bp
    from app.venues.views import bp as venues_bp
    from app.venues.views import cabinet_bp as cabinet_instruments_bp

    pages = (main_bp, auth_bp, admin_bp, audit_bp, calendar_bp, clock_bp, calculator_bp,
             auctions_bp, subscriptions_bp, registers_bp, market_bp,
             market_reference_bp, market_staff_bp, market_repo_bp, brokerage_bp, cabinet_bp, signing_bp,
             messaging_bp, orders_bp, dealing_bp, cabinet_statement_bp, withdrawals_bp, withdrawals_office_bp,
             banks_bp, notices_bp, venues_bp, cabinet_instruments_bp, margin_bp, cabinet_risk_bp,
             risk_clients_bp, margin_categories_bp, cabinet_category_bp, margin_fees_bp)
    apis = (api_bp, auth_api_bp, calendar_api_bp, clock_api_bp, calculator_api_bp, auctions_api_bp,
            subscriptions_api_bp, market_api_bp, market_repo_api_bp, cabinet_api_bp, signing_api_bp,
            orders_api_bp, brokerage_api_bp, cabinet_statement_api_bp, withdrawals_api_bp,
            withdrawals_office_api_bp, notices_api_bp, venues_api_bp, cabinet_instruments_api_bp, margin_api_bp,
            cabinet_risk_api_bp, risk_clients_api_bp, margin_categories_api_bp, cabinet_category_api_bp,
            margin_fees_api_bp)
    for blueprint in pages + apis:
        app.register_blueprint(blueprint)
    register_api(app, apis)
    register_reader()   # the back office reads its clients' signed documents


def register_errorhandlers(app: APIFlask) -> None:
    from app.errors import register

    register(app)


def register_template_helpers(app: APIFlask) -> None:
    from app.formatting import register_filters
    from app.main.navigation import register_navigation

    register_filters(app)
    register_navigation(app)


def register_commands(app: APIFlask) -> None:
    from app.auctions.cli import auctions_cli
    from app.audit.cli import audit_cli
    from app.auth.cli import orgs_cli, users_cli
    from app.calendar.cli import calendar_cli
    from app.demo.cli import demo_cli
    from app.jobs.cli import worker_cli
    from app.registers.cli import registers_cli
    from app.secondary.cli import market_cli
    from app.subscriptions.cli import subscriptions_cli

    for group in (audit_cli, users_cli, orgs_cli, calendar_cli, demo_cli, auctions_cli, registers_cli,
                  subscriptions_cli, market_cli, worker_cli):
        app.cli.add_command(group)
