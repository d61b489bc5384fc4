"""Reference data of the secondary market: instruments, reference prices, trading accounts —
the services' rules and refusals, their audit rows, and who may open the pages."""
import json
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.roles import OrganisationKind, Role
from app.clock.services import set_sandbox_time
from app.domain.calendar import ALMATY
from app.domain.isin import isin_is_valid
from app.extensions import db
from app.secondary.models import Instrument, ReferencePrice, TradingAccount
from app.secondary.reference import services as reference
from app.secondary.reference.services import ReferenceDataError
from tests.conftest import TEST_PASSWORD

TODAY = date(2027, 3, 10)


def isin(body: str) -> str:
    """`body` (11 characters) completed with its check digit."""
    return next(body + str(digit) for digit in range(10) if isin_is_valid(body + str(digit)))


SHARE = dict(code="KCEL", isin=isin("KZ1C0000111"), name="Kcell JSC", kind="share", group="Main, premium",
             currency="KZT", face_value=None, lot_size=1, price_step=Decimal("0.01"), price_subject="money",
             settlement_codes=["T2", "T0"], corridor_percent=Decimal("10"))
BAD_ISIN = SHARE["isin"][:-1] + str((int(SHARE["isin"][-1]) + 1) % 10)   # a wrong check digit
BOND = dict(code="MUM120_0017", isin=isin("KZKD0000222"), name="MEUKAM-120", kind="bond", group="Government",
            currency="KZT", face_value=Decimal("1000"), lot_size=1, price_step=Decimal("0.0001"),
            price_subject="clean", settlement_codes=["T0"], corridor_percent=Decimal("5"),
            coupon_rate=Decimal("12.5"), coupon_frequency=2, maturity_on=date(2035, 6, 1),
            repo_discount=Decimal("0.15"))


def audit_rows(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def clock(app):
    set_sandbox_time(db.session, datetime.combine(TODAY, time(11), tzinfo=ALMATY), frozen=True, user_id=None)
    db.session.commit()


@pytest.fixture
def share(app) -> Instrument:
    instrument = reference.create_instrument(db.session, **SHARE)
    db.session.commit()
    return instrument


@pytest.fixture
def firm(make_org):
    return make_org(OrganisationKind.MEMBER_FIRM, name="Freedom Broker")


# --- instruments ---------------------------------------------------------------------------

def test_an_instrument_is_created_with_its_audit_row(share):
    bond = reference.create_instrument(db.session, **BOND)
    db.session.commit()
    assert share.settlement_codes == "T0,T2" and share.codes == ["T0", "T2"]
    assert (bond.face_value, bond.coupon_frequency, bond.repo_discount) == (Decimal("1000"), 2, Decimal("0.15"))
    assert [item.code for item in reference.instruments(db.session)] == ["KCEL", "MUM120_0017"]
    [row, _bond_row] = audit_rows("instrument.created")
    assert row.object_id == str(share.id) and json.loads(row.after)["code"] == "KCEL"


def test_codes_and_isins_are_written_in_capitals(app):
    instrument = reference.create_instrument(db.session, **{**SHARE, "code": " kcel_a ", "isin": SHARE["isin"].lower()})
    assert (instrument.code, instrument.isin) == ("KCEL_A", SHARE["isin"])


def test_a_discount_bond_needs_no_coupon_terms(app):
    bill = reference.create_instrument(db.session, **{**BOND, "code": "MKM012", "isin": isin("KZK20000333"),
                                                      "coupon_rate": None, "coupon_frequency": None})
    assert bill.coupon_rate is None and bill.maturity_on == date(2035, 6, 1)


@pytest.mark.parametrize("base, changes, field, code", [
    (SHARE, {"code": "KCEL-1"}, "code", "bad_code"),
    (SHARE, {"code": "A" * 21}, "code", "bad_code"),
    (SHARE, {"code": ""}, "code", "bad_code"),
    (SHARE, {"isin": BAD_ISIN}, "isin", "bad_isin"),
    (SHARE, {"isin": "KZ1C"}, "isin", "bad_isin"),
    (SHARE, {"name": "  "}, "name", "bad_name"),
    (SHARE, {"group": ""}, "group", "bad_group"),
    (SHARE, {"currency": "tenge"}, "currency", "bad_currency"),
    (SHARE, {"kind": "fund"}, "kind", "bad_kind"),
    (SHARE, {"price_step": Decimal(0)}, "price_step", "bad_price_step"),
    (SHARE, {"price_step": Decimal("-0.01")}, "price_step", "bad_price_step"),
    (SHARE, {"price_step": None}, "price_step", "bad_price_step"),
    (SHARE, {"price_step": Decimal("0.00001")}, "price_step", "too_many_places"),
    (SHARE, {"price_step": "abc"}, "price_step", "not_a_number"),
    (SHARE, {"lot_size": 0}, "lot_size", "bad_lot_size"),
    (SHARE, {"lot_size": None}, "lot_size", "bad_lot_size"),
    (SHARE, {"corridor_percent": Decimal(0)}, "corridor_percent", "bad_corridor"),
    (SHARE, {"corridor_percent": Decimal("100.01")}, "corridor_percent", "bad_corridor"),
    (SHARE, {"corridor_percent": Decimal("7.125")}, "corridor_percent", "too_many_places"),
    (SHARE, {"settlement_codes": []}, "settlement_codes", "bad_settlement_codes"),
    (SHARE, {"settlement_codes": ["T0", "Z0"]}, "settlement_codes", "bad_settlement_codes"),
    (SHARE, {"price_subject": "clean"}, "price_subject", "bad_price_subject"),
    (SHARE, {"coupon_rate": Decimal(10)}, "coupon_rate", "share_with_coupon"),
    (SHARE, {"repo_discount": Decimal(1)}, "repo_discount", "bad_repo_discount"),
    (SHARE, {"repo_discount": Decimal("0.12345")}, "repo_discount", "too_many_places"),
    (BOND, {"price_subject": "money"}, "price_subject", "bad_price_subject"),
    (BOND, {"face_value": None}, "face_value", "face_value_required"),
    (BOND, {"face_value": Decimal(0)}, "face_value", "bad_face_value"),
    (BOND, {"face_value": Decimal("1000.001")}, "face_value", "too_many_places"),
    (BOND, {"coupon_frequency": None}, "coupon_frequency", "bad_coupon_frequency"),
    (BOND, {"coupon_frequency": 3}, "coupon_frequency", "bad_coupon_frequency"),
    (BOND, {"maturity_on": None}, "maturity_on", "maturity_required"),
    (BOND, {"coupon_rate": None}, "coupon_rate", "coupon_rate_required"),
    (BOND, {"coupon_rate": Decimal("-1")}, "coupon_rate", "bad_coupon_rate"),
])
def test_bad_terms_are_refused_before_anything_is_written(app, base, changes, field, code):
    with pytest.raises(ReferenceDataError) as refused:
        reference.create_instrument(db.session, **{**base, **changes})
    assert (refused.value.field, refused.value.code) == (field, code)
    assert str(refused.value.message)
    db.session.rollback()
    assert count(Instrument) == 0 and count(AuditEvent) == 0


@pytest.mark.parametrize("changes, field, message", [
    ({"isin": isin("KZ1C0000999")}, "code", "An instrument with this trading code already exists."),
    ({"code": "KCEL2"}, "isin", "An instrument with this ISIN already exists."),
])
def test_duplicates_are_refused_with_a_clear_message(share, changes, field, message):
    with pytest.raises(ReferenceDataError) as refused:
        reference.create_instrument(db.session, **{**SHARE, **changes})
    with force_locale("en"):
        assert (refused.value.field, str(refused.value.message)) == (field, message)
    assert refused.value.code == f"duplicate_{field}"


def test_an_update_is_checked_whole_and_audited(share):
    reference.update_instrument(db.session, share, name="Kcell", corridor_percent=Decimal("15"), settlement_codes=["T2"])
    db.session.commit()
    assert (share.name, share.corridor_percent, share.settlement_codes) == ("Kcell", Decimal("15"), "T2")
    [row] = audit_rows("instrument.updated")
    assert json.loads(row.before)["name"] == "Kcell JSC" and json.loads(row.after)["name"] == "Kcell"
    assert json.loads(row.after)["settlement_codes"] == "T2"


def test_a_refused_update_changes_nothing(share):
    with pytest.raises(ReferenceDataError) as refused:
        reference.update_instrument(db.session, share, name="Renamed", lot_size=0)
    assert refused.value.field == "lot_size"
    db.session.rollback()
    assert share.name == "Kcell JSC" and audit_rows("instrument.updated") == []


@pytest.mark.parametrize("changes, field, code", [
    ({"code": "KCEL2"}, "code", "fixed_term"),
    ({"kind": "bond"}, "kind", "fixed_term"),
    ({"isin": BOND["isin"]}, "isin", "duplicate_isin"),
])
def test_an_update_may_not_change_the_code_or_kind_or_take_anothers_isin(share, changes, field, code):
    reference.create_instrument(db.session, **BOND)
    with pytest.raises(ReferenceDataError) as refused:
        reference.update_instrument(db.session, share, **changes)
    assert (refused.value.field, refused.value.code) == (field, code)


def test_an_update_may_keep_its_own_code_and_isin(share):
    reference.update_instrument(db.session, share, code="KCEL", isin=SHARE["isin"], lot_size=10)
    assert share.lot_size == 10


def test_halt_and_resume_are_audited_and_refused_out_of_turn(share):
    with pytest.raises(ReferenceDataError) as refused:
        reference.resume_instrument(db.session, share)
    assert refused.value.code == "not_halted"
    with pytest.raises(ReferenceDataError) as refused:
        reference.halt_instrument(db.session, share, "   ")
    assert (refused.value.field, refused.value.code) == ("reason", "reason_required")
    reference.halt_instrument(db.session, share, "Issuer's announcement pending")
    assert share.halted and share.halt_reason == "Issuer's announcement pending"
    with pytest.raises(ReferenceDataError) as refused:
        reference.halt_instrument(db.session, share, "again")
    assert refused.value.code == "already_halted"
    reference.resume_instrument(db.session, share)
    assert not share.halted and share.halt_reason is None
    assert len(audit_rows("instrument.halted")) == len(audit_rows("instrument.resumed")) == 1


def test_a_days_reference_price_is_inserted_then_replaced(share):
    assert reference.reference_price(db.session, share.id, TODAY) is None
    reference.set_reference_price(db.session, share, TODAY, Decimal("1500.5"))
    reference.set_reference_price(db.session, share, TODAY, Decimal("1510"))
    reference.set_reference_price(db.session, share, date(2027, 3, 11), Decimal("1520"))
    db.session.commit()
    assert reference.reference_price(db.session, share.id, TODAY) == Decimal("1510")
    assert count(ReferencePrice) == 2
    first, second, _third = audit_rows("reference_price.set")
    assert first.before is None and json.loads(second.before) == {"trading_day": "2027-03-10", "price": "1500.5000"}
    assert json.loads(second.after)["price"] == "1510.0000"


@pytest.mark.parametrize("price, code", [
    (Decimal(0), "bad_price"), (Decimal("-5"), "bad_price"), (None, "bad_price"),
    (Decimal("10.00001"), "too_many_places"), ("ten", "not_a_number"),
])
def test_a_bad_reference_price_is_refused(share, price, code):
    with pytest.raises(ReferenceDataError) as refused:
        reference.set_reference_price(db.session, share, TODAY, price)
    assert (refused.value.field, refused.value.code) == ("price", code)
    assert count(ReferencePrice) == 0


@pytest.mark.parametrize("reference_price, percent, step, low, high", [
    (Decimal(1000), Decimal(10), Decimal("0.5"), Decimal(900), Decimal(1100)),
    (Decimal(100), Decimal(5), Decimal(7), Decimal(98), Decimal(105)),       # ends move inside, onto ticks
])
def test_corridor_ends_are_whole_ticks(reference_price, percent, step, low, high):
    instrument = Instrument(corridor_percent=percent, price_step=step)
    assert reference.corridor_prices(instrument, reference_price) == (low, high)


# --- trading accounts ----------------------------------------------------------------------

def test_member_firms_hold_own_and_client_accounts(firm, make_org):
    own = reference.create_account(db.session, organisation=firm, code="frb_own", kind="own")
    client = reference.create_account(db.session, organisation=firm, code="FRB_C1", kind="client",
                                      client_name="Aigerim S.", client_code="C-001")
    other = make_org(OrganisationKind.MEMBER_FIRM)
    reference.create_account(db.session, organisation=other, code="OTHER", kind="aggregated")
    db.session.commit()
    assert own.code == "FRB_OWN" and (own.client_code, own.client_name) == (None, None)
    assert [account.code for account in reference.accounts_of(db.session, firm.id)] == ["FRB_C1", "FRB_OWN"]
    assert client.client_code == "C-001"
    rows = audit_rows("trading_account.created")
    assert len(rows) == 3 and json.loads(rows[1].after)["client_name"] == "Aigerim S."


@pytest.mark.parametrize("kind, changes, field, code", [
    ("own", {"client_code": "C-1"}, "client_code", "client_not_allowed"),
    ("aggregated", {"client_name": "Someone"}, "client_code", "client_not_allowed"),
    ("client", {"client_name": "Aigerim S."}, "client_code", "client_code_required"),
    ("client", {"client_code": "C-1"}, "client_name", "client_name_required"),
    ("own", {"code": "FRB OWN"}, "code", "bad_account_code"),
    ("own", {"code": "X" * 31}, "code", "bad_account_code"),
    ("savings", {}, "kind", "bad_account_kind"),
])
def test_bad_accounts_are_refused(firm, kind, changes, field, code):
    with pytest.raises(ReferenceDataError) as refused:
        reference.create_account(db.session, **{"organisation": firm, "code": "FRB1", "kind": kind, **changes})
    assert (refused.value.field, refused.value.code) == (field, code)
    db.session.rollback()
    assert count(TradingAccount) == 0


@pytest.mark.parametrize("kind", [OrganisationKind.ISSUER, OrganisationKind.CUSTODIAN, OrganisationKind.EXCHANGE])
def test_only_member_firms_hold_accounts(make_org, kind):
    with pytest.raises(ReferenceDataError) as refused:
        reference.create_account(db.session, organisation=make_org(kind), code="ACC1", kind="own")
    assert (refused.value.field, refused.value.code) == ("organisation_id", "not_member_firm")


def test_a_duplicate_account_code_is_refused(firm):
    reference.create_account(db.session, organisation=firm, code="FRB1", kind="own")
    with pytest.raises(ReferenceDataError) as refused:
        reference.create_account(db.session, organisation=firm, code="frb1", kind="aggregated")
    with force_locale("en"):
        assert str(refused.value.message) == "A trading account with this code already exists."


# --- pages ---------------------------------------------------------------------------------

@pytest.fixture
def staff(client, login_as):
    login_as(Role.EXCHANGE_STAFF)
    client.post("/language", data={"lang": "en"})
    return client


SHARE_FORM = {"code": "HSBK", "isin": isin("KZ000A00001"), "name": "Halyk Bank", "kind": "share", "group": "Main",
              "currency": "KZT", "lot_size": "1", "price_step": "0.01", "price_subject": "money",
              "settlement_codes": ["T0", "T2"], "corridor_percent": "10"}


def test_staff_create_an_instrument_and_set_its_reference_price(staff, clock):
    response = staff.post("/market/reference/instruments/new", data=SHARE_FORM)
    assert response.status_code == 302
    instrument = db.session.scalar(select(Instrument))
    assert (instrument.code, instrument.settlement_codes, instrument.face_value) == ("HSBK", "T0,T2", None)
    page = staff.get(response.headers["Location"]).text
    assert 'value="2027-03-10"' in page                      # today's Almaty date by default
    response = staff.post(f"/market/reference/instruments/{instrument.id}/price",
                          data={"trading_day": "2027-03-10", "price": "250"}, follow_redirects=True)
    assert "The reference price is set." in response.text
    listing = staff.get("/market/reference/").text
    assert 'data-testid="reference">250.0000<' in listing
    assert 'data-testid="low">225.0000<' in listing and 'data-testid="high">275.0000<' in listing


def test_a_bad_instrument_form_shows_the_reason_and_stores_nothing(staff):
    response = staff.post("/market/reference/instruments/new", data={**SHARE_FORM, "price_subject": "clean"})
    assert response.status_code == 422
    assert "Shares trade in money (tenge per share)." in response.text
    response = staff.post("/market/reference/instruments/new", data={**SHARE_FORM, "settlement_codes": []})
    assert "Choose at least one settlement code: T0 or T2." in response.text
    assert count(Instrument) == 0 and audit_rows("instrument.created") == []


def test_staff_edit_halt_and_resume_an_instrument(staff, share):
    url = f"/market/reference/instruments/{share.id}"
    form = {key: value for key, value in SHARE_FORM.items() if key not in ("code", "kind")}
    response = staff.post(url, data={**form, "isin": share.isin, "name": "Kcell", "lot_size": "10"})
    assert response.status_code == 302
    response = staff.post(url, data={**form, "isin": share.isin, "lot_size": "0"})
    assert response.status_code == 422 and "A lot is a whole number of securities, at least 1." in response.text
    response = staff.post(f"{url}/halt", data={"reason": ""}, follow_redirects=True)
    assert "State the reason for the halt." in response.text
    response = staff.post(f"{url}/halt", data={"reason": "Corporate action"}, follow_redirects=True)
    assert "Trading in the instrument is halted." in response.text and "Corporate action" in response.text
    response = staff.post(f"{url}/resume", follow_redirects=True)
    assert "Trading in the instrument is resumed." in response.text
    db.session.expire_all()
    assert (share.name, share.lot_size, share.halted) == ("Kcell", 10, False)


def test_a_bad_reference_price_in_the_page_is_explained(staff, share):
    response = staff.post(f"/market/reference/instruments/{share.id}/price",
                          data={"trading_day": "2027-03-10", "price": "abc"}, follow_redirects=True)
    assert "Reference price:" in response.text
    response = staff.post(f"/market/reference/instruments/{share.id}/price",
                          data={"trading_day": "2027-03-10", "price": "0"}, follow_redirects=True)
    assert "A reference price is a positive number." in response.text
    assert count(ReferencePrice) == 0


def test_staff_open_accounts_and_members_see_only_their_own(staff, firm, make_org, make_user, client):
    other = make_org(OrganisationKind.MEMBER_FIRM, name="Other Broker")
    reference.create_account(db.session, organisation=other, code="OTHER_OWN", kind="own")
    response = staff.post("/market/reference/accounts", data={"organisation_id": str(firm.id), "code": "FRB_OWN",
                                                              "kind": "own"})
    assert response.status_code == 302
    response = staff.post("/market/reference/accounts", data={"organisation_id": str(firm.id), "code": "FRB_C",
                                                              "kind": "client", "client_code": ""})
    assert response.status_code == 422 and "A client account needs the client&#39;s code" in response.text
    assert "FRB_OWN" in staff.get("/market/reference/accounts").text

    member = make_user(Role.PARTICIPANT, organisation=firm)
    client.post("/logout")
    client.post("/login", data={"login": member.login, "password": TEST_PASSWORD})
    page = client.get("/market/reference/accounts/mine").text
    assert "FRB_OWN" in page and "OTHER_OWN" not in page


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.PRIMARY_DEALER, Role.ISSUER, Role.CLIENT])
def test_others_may_not_open_the_staff_pages(client, login_as, role):
    login_as(role)
    for url in ("/market/reference/", "/market/reference/instruments/new", "/market/reference/accounts"):
        assert client.get(url).status_code == 403
    assert client.post("/market/reference/accounts", data={"code": "X", "kind": "own"}).status_code == 403
    assert count(TradingAccount) == 0


def test_staff_have_no_page_of_their_own_accounts_and_unknown_instruments_are_404(staff):
    assert staff.get("/market/reference/accounts/mine").status_code == 403
    assert staff.get("/market/reference/instruments/999").status_code == 404
    assert staff.post("/market/reference/instruments/999/halt", data={"reason": "x"}).status_code == 404


def test_the_navigation_offers_instruments_to_staff_only(client, login_as, staff):
    assert 'href="/market/reference/"' in client.get("/home").text
    client.post("/logout")
    login_as(Role.PARTICIPANT)
    assert 'href="/market/reference/"' not in client.get("/home").text


def test_a_bonds_page_shows_its_stored_terms(staff):
    bond = reference.create_instrument(db.session, **BOND)
    db.session.commit()
    page = staff.get(f"/market/reference/instruments/{bond.id}").text
    assert 'value="2035-06-01"' in page and '<option selected value="2">' in page
    assert 'name="repo_discount" step="any" type="number" value="0.1500"' in page
