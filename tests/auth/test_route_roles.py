"""Deny by default, checked route by route.

Every endpoint must declare its access, the declaration must match the table below (adding a
route means reviewing who may open it here), and every role — and an anonymous visitor — is
sent to every route and method to see that it is answered as declared.
"""
import pytest
from werkzeug.routing import Rule
from werkzeug.routing.converters import NumberConverter

from app.auth.access import PUBLIC, endpoint_access
from app.auth.roles import ALL_ROLES, Role
from tests.conftest import TEST_PASSWORD

ANY = frozenset(ALL_ROLES)
STAFF = frozenset({Role.EXCHANGE_STAFF, Role.ADMIN})
ADMIN = frozenset({Role.ADMIN})
INITIATORS = frozenset({Role.MINFIN, Role.ISSUER})
BIDDERS = frozenset({Role.PRIMARY_DEALER, Role.PARTICIPANT})
REGISTER_READERS = STAFF | INITIATORS
SELLERS = BIDDERS | {Role.MINFIN}
CONFIDENTIAL = STAFF | BIDDERS | INITIATORS
OFFICE = frozenset({Role.BROKER_OFFICE})
RISK = frozenset({Role.BROKER_RISK})
CLIENT = frozenset({Role.CLIENT})

EXPECTED = {
    "static": PUBLIC,
    "openapi.spec": PUBLIC,
    "main.index": PUBLIC,
    "main.home": ANY,
    "main.language": PUBLIC,
    "main.healthz": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": PUBLIC,
    "auth.password": ANY,
    "auth.tokens": ANY,
    "auth.revoke_token": ANY,
    "api.me": ANY,
    "audit.index": STAFF,
    "audit.verify": STAFF,
    "audit.export": STAFF,
    "admin.organisations": ADMIN,
    "admin.organisation": ADMIN,
    "admin.users": ADMIN,
    "admin.user": ADMIN,
    "admin.reset_password": ADMIN,
    "auth_api.list_tokens": ANY,
    "auth_api.create_token": ANY,
    "auth_api.revoke_token": ANY,
    "calendar.index": ANY,
    "calendar.add_override": STAFF,
    "calendar.remove_override": STAFF,
    "clock.index": STAFF,
    "clock.set_time": STAFF,
    "clock.shift": STAFF,
    "clock.reset": STAFF,
    "calendar_api.days": ANY,
    "calendar_api.business_days_before": ANY,
    "clock_api.clock": ANY,
    "calculator.index": PUBLIC,
    "calculator_api.calculate_quote": PUBLIC,
    "auctions.index": ANY,
    "auctions.new": INITIATORS,
    "auctions.amend": frozenset({Role.ISSUER}),
    "auctions.detail": ANY,
    "auctions.review": STAFF,
    "auctions.cancel": INITIATORS,
    "auctions.postpone": INITIATORS,
    "auctions.submit_bid": BIDDERS,
    "auctions.amend_bid": BIDDERS,
    "auctions.withdraw_bid": BIDDERS,
    "auctions.confirmations": frozenset({Role.COLLATERAL_CONTROLLER}),
    "auctions.confirm": frozenset({Role.COLLATERAL_CONTROLLER}),
    "auctions.remove_bids": STAFF,
    "auctions.register": REGISTER_READERS,
    "auctions.register_file": REGISTER_READERS,
    "auctions.explorer": REGISTER_READERS,
    "auctions.form_deals": STAFF,
    "auctions.settlement": STAFF,
    "auctions.deal_register": REGISTER_READERS,
    "auctions.build_deal_register": REGISTER_READERS,
    "auctions.download_deal_register": REGISTER_READERS,
    "auctions.certificate": ANY,
    "auctions.notices": PUBLIC,
    "auctions.notice": PUBLIC,
    "auctions.notice_text": PUBLIC,
    "subscriptions.index": ANY,
    "subscriptions.new": SELLERS,
    "subscriptions.detail": ANY,
    "subscriptions.review": STAFF,
    "subscriptions.change_terms": STAFF,
    "subscriptions.notices": PUBLIC,
    "subscriptions.notice": PUBLIC,
    "subscriptions.submit_bid": BIDDERS,
    "subscriptions.amend_bid": BIDDERS,
    "subscriptions.withdraw_bid": BIDDERS,
    "subscriptions.investor_details": BIDDERS,
    "subscriptions.confirmations": frozenset({Role.COLLATERAL_CONTROLLER}),
    "subscriptions.confirm": frozenset({Role.COLLATERAL_CONTROLLER}),
    "subscriptions.collateral": STAFF,
    "subscriptions.registers_page": CONFIDENTIAL,
    "subscriptions.build_register": CONFIDENTIAL,
    "subscriptions.download_register": CONFIDENTIAL,
    "subscriptions.upload_satisfied": SELLERS,
    "subscriptions.refuse_all": SELLERS,
    "subscriptions.form_deals": STAFF,
    "subscriptions.settle": STAFF,
    "subscriptions.certificate": ANY,
    "subscriptions.notifications": BIDDERS,
    "auctions_api.list_auctions": ANY,
    "auctions_api.file_application": INITIATORS,
    "auctions_api.get_auction": ANY,
    "auctions_api.amend_terms": INITIATORS,
    "auctions_api.accept": STAFF,
    "auctions_api.request_terms": STAFF,
    "auctions_api.refuse": STAFF,
    "auctions_api.announce": STAFF,
    "auctions_api.cancel": INITIATORS,
    "auctions_api.postpone": INITIATORS,
    "auctions_api.list_bids": BIDDERS | {Role.COLLATERAL_CONTROLLER},
    "auctions_api.get_bid": BIDDERS | {Role.COLLATERAL_CONTROLLER},
    "auctions_api.submit_bid": BIDDERS,
    "auctions_api.replace_bid": BIDDERS,
    "auctions_api.change_bid": BIDDERS,
    "auctions_api.withdraw_bid": BIDDERS,
    "auctions_api.confirm_bid": frozenset({Role.COLLATERAL_CONTROLLER}),
    "auctions_api.refuse_bid": frozenset({Role.COLLATERAL_CONTROLLER}),
    "auctions_api.summary_register": REGISTER_READERS,
    "auctions_api.scenarios": REGISTER_READERS,
    "auctions_api.decide": INITIATORS,
    "auctions_api.form_deals": STAFF,
    "auctions_api.list_deals": REGISTER_READERS | BIDDERS,
    "auctions_api.settle": STAFF,
    "subscriptions_api.list_subscriptions": ANY,
    "subscriptions_api.file_application": SELLERS,
    "subscriptions_api.get_subscription": ANY,
    "subscriptions_api.accept": STAFF,
    "subscriptions_api.refuse": STAFF,
    "subscriptions_api.consent": STAFF,
    "subscriptions_api.no_consent": STAFF,
    "subscriptions_api.announce": STAFF,
    "subscriptions_api.change_terms": STAFF,
    "subscriptions_api.counts": ANY,
    "subscriptions_api.accepted_bids": CONFIDENTIAL,
    "subscriptions_api.collateral_check": STAFF,
    "subscriptions_api.satisfied_register": SELLERS,
    "subscriptions_api.refuse_all": SELLERS,
    "subscriptions_api.form_deals": STAFF,
    "subscriptions_api.list_deals": CONFIDENTIAL,
    "subscriptions_api.settle": STAFF,
    "subscriptions_api.list_bids": BIDDERS | {Role.COLLATERAL_CONTROLLER},
    "subscriptions_api.get_bid": BIDDERS | {Role.COLLATERAL_CONTROLLER},
    "subscriptions_api.submit_bid": BIDDERS,
    "subscriptions_api.change_bid": BIDDERS,
    "subscriptions_api.withdraw_bid": BIDDERS,
    "subscriptions_api.confirm_bid": frozenset({Role.COLLATERAL_CONTROLLER}),
    "subscriptions_api.refuse_bid": frozenset({Role.COLLATERAL_CONTROLLER}),
    "subscriptions_api.investor_details": BIDDERS,
    "registers.verify": ANY,
    "market_reference.instruments": STAFF,
    "market_reference.new_instrument": STAFF,
    "market_reference.edit_instrument": STAFF,
    "market_reference.halt": STAFF,
    "market_reference.resume": STAFF,
    "market_reference.set_price": STAFF,
    "market_reference.accounts": STAFF,
    "market_reference.my_accounts": BIDDERS,
    "market_staff.day": STAFF,
    "market_staff.open_day": STAFF,
    "market_staff.close_day": STAFF,
    "market_staff.settlement": STAFF,
    "market_staff.load_balances": STAFF,
    "market_staff.surveillance_page": STAFF,
    "market_staff.halt": STAFF,
    "market_staff.resume": STAFF,
    "market_staff.certificates_today": STAFF,
    "market_staff.certificates_page": STAFF,
    "market_staff.certificate_pdf": STAFF | BIDDERS,
    "market.index": ANY,
    "market.trade": BIDDERS,
    "market.amend_order": BIDDERS,
    "market.cancel_order": BIDDERS,
    "market.orders": BIDDERS,
    "market.settlement": BIDDERS,
    "market.positions": BIDDERS,
    "market.direct": BIDDERS,
    "market.answer_offer": BIDDERS,
    "market_api.list_instruments": ANY,
    "market_api.list_quotes": ANY,
    "market_api.get_book": BIDDERS | STAFF,
    "market_api.place_order": BIDDERS,
    "market_api.place_orders": BIDDERS,
    "market_api.list_orders": BIDDERS,
    "market_api.get_order": BIDDERS,
    "market_api.cancel_order": BIDDERS,
    "market_api.amend_order": BIDDERS,
    "market_api.list_trades": BIDDERS | STAFF,
    "market_api.list_positions": BIDDERS | STAFF,
    "market_repo.index": BIDDERS,
    "market_repo.offer": BIDDERS,
    "market_repo.answer": BIDDERS,
    "market_repo.cancel": BIDDERS,
    "market_repo.detail": BIDDERS | STAFF,
    "market_repo.close_early": BIDDERS,
    "market_repo.all_repos": STAFF,
    "market_repo_api.place_order": BIDDERS,
    "market_repo_api.offer_direct": BIDDERS,
    "market_repo_api.answer_direct": BIDDERS,
    "market_repo_api.close_early": BIDDERS,
    "market_repo_api.list_repos": BIDDERS | STAFF,
    "brokerage.clients": OFFICE,
    "brokerage.new_client": OFFICE,
    "brokerage.client": OFFICE,
    "brokerage.deposit": OFFICE,
    "brokerage.record_income": OFFICE,
    "brokerage.reconciliation": OFFICE,
    "brokerage_api.reconciliation": OFFICE,
    "cabinet.home": CLIENT,
    "cabinet.portfolio_page": CLIENT,
    "cabinet_api.portfolio": CLIENT,
    "orders.new_order": CLIENT,
    "orders.orders": CLIENT,
    "orders.order": CLIENT,
    "orders.cancel": CLIENT,
    "orders.deals": CLIENT,
    "orders.deal": CLIENT,
    "orders.orders_xlsx": CLIENT,
    "orders.deals_xlsx": CLIENT,
    "orders_api.place": CLIENT,
    "orders_api.orders": CLIENT,
    "orders_api.order": CLIENT,
    "orders_api.cancel": CLIENT,
    "orders_api.deals": CLIENT,
    "dealing.queue": BIDDERS,
    "dealing.order": BIDDERS,
    "dealing.fill": BIDDERS,
    "dealing.reject": BIDDERS,
    "cabinet_risk.risk": CLIENT,
    "cabinet_risk_api.risk": CLIENT,
    "cabinet_category.category": CLIENT,
    "cabinet_category.request_category": CLIENT,
    "cabinet_category_api.category_status": CLIENT,
    "cabinet_category_api.request_category": CLIENT,
    "orders.check_order": CLIENT,
    "cabinet_statement.page": CLIENT,
    "cabinet_statement.xlsx": CLIENT,
    "cabinet_statement.pdf": CLIENT,
    "cabinet_statement_api.statement": CLIENT,
    "venues.index": OFFICE,
    "venues.new_instrument": OFFICE,
    "venues.edit_instrument": OFFICE,
    "venues.deactivate": OFFICE,
    "venues.quotes": OFFICE,
    "venues_api.push_quotes": OFFICE,
    "venues_api.list_instruments": OFFICE,
    "cabinet_instruments.instruments": CLIENT,
    "cabinet_instruments.search": CLIENT,
    "cabinet_instruments.add": CLIENT,
    "cabinet_instruments.remove": CLIENT,
    "cabinet_instruments_api.search_instruments": CLIENT,
    "cabinet_instruments_api.get_watchlist": CLIENT,
    "cabinet_instruments_api.add_to_watchlist": CLIENT,
    "cabinet_instruments_api.remove_from_watchlist": CLIENT,
    "cabinet_instruments_api.quotes": CLIENT,
    "messaging.outbox": ANY,
    "signing.show": CLIENT,
    "signing.send_code": CLIENT,
    "signing.confirm_code": CLIENT,
    "signing.sign_eds": CLIENT,
    "signing.sign_sandbox": CLIENT,
    "signing.document_xml": CLIENT | STAFF | OFFICE,
    "signing.signature_xml": CLIENT | STAFF | OFFICE,
    "signing_api.get_document": CLIENT,
    "signing_api.send_code": CLIENT,
    "signing_api.confirm_code": CLIENT,
    "signing_api.sign_eds": CLIENT,
    "withdrawals.index": CLIENT,
    "withdrawals.new": CLIENT,
    "withdrawals.show": CLIENT,
    "withdrawals.cancel": CLIENT,
    "withdrawals_office.queue": OFFICE,
    "withdrawals_office.detail": OFFICE,
    "withdrawals_office.approve": OFFICE,
    "withdrawals_office.pay": OFFICE,
    "withdrawals_office.reject": OFFICE,
    "withdrawals_office.register_xlsx": OFFICE,
    "withdrawals_office.register_xml": OFFICE,
    "withdrawals_office.register_schema": OFFICE | STAFF,
    "banks.banks": ADMIN,
    "banks.bank": ADMIN,
    "banks.deactivate": ADMIN,
    "notices.index": CLIENT,
    "notices.read": CLIENT,
    "notices.read_all": CLIENT,
    "withdrawals_api.list_withdrawals": CLIENT,
    "withdrawals_api.create_withdrawal": CLIENT,
    "withdrawals_api.get_withdrawal": CLIENT,
    "withdrawals_api.cancel_withdrawal": CLIENT,
    "withdrawals_office_api.queue": OFFICE,
    "withdrawals_office_api.approve": OFFICE,
    "withdrawals_office_api.pay": OFFICE,
    "withdrawals_office_api.reject": OFFICE,
    "notices_api.list_notices": CLIENT,
    "notices_api.mark_read": CLIENT,
    "margin.rates": RISK | OFFICE,
    "margin.add_rate": RISK,
    "margin.rate_history": RISK | OFFICE,
    "margin.fx": RISK | OFFICE,
    "margin.add_fx": RISK,
    "margin.fx_history": RISK | OFFICE,
    "margin_api.list_rates": RISK | OFFICE,
    "margin_api.add_rate": RISK,
    "margin_api.list_fx": RISK | OFFICE,
    "margin_api.add_fx": RISK,
    "risk_clients.index": RISK | OFFICE,
    "risk_clients.client": RISK | OFFICE,
    "risk_clients_api.list_clients": RISK | OFFICE,
    "risk_clients_api.get_client": RISK | OFFICE,
    "risk_clients.execute_close_out": RISK,
    "risk_clients.demand": RISK,
    "risk_clients.suspend": RISK,
    "risk_clients.record_death": RISK,
    "risk_clients_api.close_out": RISK,
    "risk_clients_api.demand": RISK,
    "risk_clients_api.suspend": RISK,
    "risk_clients_api.record_death": RISK,
    "margin_categories.queue": RISK | OFFICE,
    "margin_categories.detail": RISK | OFFICE,
    "margin_categories.record_qualification": RISK,
    "margin_categories.record_agreement": RISK,
    "margin_categories.grant": RISK,
    "margin_categories.refuse": RISK,
    "margin_categories.downgrade": RISK,
    "margin_categories_api.queue": RISK | OFFICE,
    "margin_categories_api.get_request": RISK | OFFICE,
    "margin_categories_api.record_qualification": RISK,
    "margin_categories_api.record_agreement": RISK,
    "margin_categories_api.grant": RISK,
    "margin_categories_api.refuse": RISK,
    "margin_categories_api.downgrade": RISK,
    "margin_fees.tariff": RISK | OFFICE,
    "margin_fees.add_tariff": RISK,
    "margin_fees_api.tariff": RISK | OFFICE,
    "margin_fees_api.add_tariff": RISK,
}
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
# Logging out ends the session the walk reuses, so it goes last.
LAST = {"auth.logout"}


def declared(app) -> dict:
    return {rule.endpoint: endpoint_access(rule.endpoint) for rule in app.url_map.iter_rules()}


def test_every_route_declares_its_access(app):
    unclassified = sorted(endpoint for endpoint, access in declared(app).items() if access is None)
    assert unclassified == []


def test_declared_access_matches_the_reviewed_table(app):
    assert declared(app) == EXPECTED


def _url(app, rule: Rule) -> str:
    values = {}
    for argument in rule.arguments:
        converter = rule._converters[argument]
        kind = type(converter).__name__
        if kind == "AnyConverter":  # e.g. <any(pdf, xlsx):fmt>: only its listed values route
            values[argument] = sorted(converter.items)[0]
        else:
            values[argument] = 999_999 if isinstance(converter, NumberConverter) else "x"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _requests(app):
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: (rule.endpoint in LAST, rule.endpoint))
    for rule in rules:
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - SKIPPED_METHODS):
            yield rule, method, _url(app, rule)


def _denied_anonymously(response, url: str) -> bool:
    if url.startswith("/api/"):
        return response.status_code == 401
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", [None, *sorted(ALL_ROLES)])
def test_each_role_is_answered_as_declared(app, make_user, role):
    client = app.test_client()
    if role is not None:
        user = make_user(Role(role))
        assert client.post("/login", data={"login": user.login, "password": TEST_PASSWORD}).status_code == 302
    wrong = []
    for rule, method, url in _requests(app):
        access = endpoint_access(rule.endpoint)
        allowed = access == PUBLIC or (role is not None and access is not None and role in access)
        response = client.open(url, method=method)
        if access == PUBLIC:
            # A public page may still send a visitor to the login page (/, /logout).
            ok = response.status_code not in (401, 403)
        elif allowed:
            ok = response.status_code not in (401, 403) and not _denied_anonymously(response, url)
        elif role is None:
            ok = _denied_anonymously(response, url)
        else:
            ok = response.status_code == 403
        if not ok:
            wrong.append(f"{method} {url} as {role or 'anonymous'}: {response.status_code}")
    assert wrong == []
