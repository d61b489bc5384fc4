"""Administrators list, create and edit organisations; every refusal is shown and writes nothing."""
import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import Organisation
from app.auth.roles import OrganisationKind, Role
from app.extensions import db
from tests.admin.conftest import counts, still_logged_in


def create(client, **fields):
    data = {"name": "АО «Новый брокер»", "kind": "member_firm", "bin": "", "parent_id": ""}
    data.update(fields)
    data = {key: value for key, value in data.items() if value is not False}
    return client.post("/admin/organisations", data=data)


def listed(response) -> str:
    """The list table alone (the create form's select names organisations too)."""
    return response.text.split('data-testid="organisations"')[1].split("</table>")[0]


def by_name(name: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


@pytest.mark.parametrize("role", [Role.EXCHANGE_STAFF, Role.PRIMARY_DEALER, Role.MINFIN])
def test_only_administrators_get_in(client, login_as, role):
    login_as(role)
    assert client.get("/admin/organisations").status_code == 403
    assert client.post("/admin/organisations", data={"name": "X", "kind": "issuer"}).status_code == 403
    assert client.get("/admin/organisations/1").status_code == 403


def test_list_filters_by_kind_and_status(client, admin, make_org):
    firm = make_org(OrganisationKind.MEMBER_FIRM, name="Firm A")
    make_org(OrganisationKind.ISSUER, name="Issuer B")
    closed = make_org(OrganisationKind.MEMBER_FIRM, name="Firm C")
    client.post(f"/admin/organisations/{closed.id}", data={"name": "Firm C", "bin": closed.bin})
    page = listed(client.get("/admin/organisations?kind=member_firm"))
    assert "Firm A" in page and "Firm C" in page and "Issuer B" not in page
    page = listed(client.get("/admin/organisations?kind=member_firm&active=no"))
    assert "Firm C" in page and "Firm A" not in page
    page = listed(client.get("/admin/organisations?active=yes"))
    assert firm.name in page and "Issuer B" in page and "Firm C" not in page
    assert "No organisations match" in client.get("/admin/organisations?kind=custodian").text


def test_create_a_primary_dealer(client, admin):
    response = create(client, bin="990140000311", is_primary_dealer="y")
    assert response.status_code == 302
    org = by_name("АО «Новый брокер»")
    assert (org.kind, org.bin, org.is_primary_dealer, org.is_active) == ("member_firm", "990140000311", True, True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.created",
                                                       AuditEvent.object_id == str(org.id)))
    assert event.actor_login == admin.login
    assert "created" in client.get("/admin/organisations").text


def test_create_a_client_of_a_member_firm(client, admin, make_org):
    firm = make_org(OrganisationKind.MEMBER_FIRM, name="Алатау Брокер")
    response = create(client, name="Сатпаев Ержан", kind="client", bin="850312300123", parent_id=str(firm.id))
    assert response.status_code == 302
    assert by_name("Сатпаев Ержан").parent_id == firm.id
    assert "Алатау Брокер" in listed(client.get("/admin/organisations?kind=client"))


@pytest.mark.parametrize(("fields", "message"), [
    ({"bin": "12345"}, "A BIN/IIN has exactly 12 digits."),
    ({"bin": "12345678901a"}, "A BIN/IIN has exactly 12 digits."),
    ({"name": ""}, "This field is required."),
    ({"kind": "bank"}, "Not a valid choice"),
    ({"kind": "issuer", "is_primary_dealer": "y"}, "Only a member firm can be a primary dealer."),
    ({"kind": "client"}, "A client belongs to a member firm."),
    ({"kind": "client", "parent_id": "999999"}, "Not a valid choice"),
])
def test_refusals_are_shown_and_nothing_is_written(client, admin, fields, message):
    before = counts()
    response = create(client, **fields)
    assert response.status_code == 400
    assert message in response.text
    assert counts() == before


def test_a_parent_is_refused_for_a_non_client(client, admin, make_org):
    firm = make_org(OrganisationKind.MEMBER_FIRM)
    before = counts()
    response = create(client, kind="issuer", parent_id=str(firm.id))
    assert response.status_code == 400
    assert "Only a client belongs to a member firm" in response.text
    assert counts() == before


def test_duplicates_are_refused(client, admin, make_org):
    taken = make_org(OrganisationKind.ISSUER, name="Taken")
    before = counts()
    assert "already exists" in create(client, name="Taken").text
    assert "BIN/IIN already exists" in create(client, name="Fresh", bin=taken.bin).text
    assert counts() == before


def test_edit_name_bin_and_primary_dealer(client, admin, make_org):
    firm = make_org(OrganisationKind.MEMBER_FIRM, name="Old name")
    response = client.post(f"/admin/organisations/{firm.id}", data={
        "name": "New name", "bin": "041040000412", "is_primary_dealer": "y", "is_active": "y"})
    assert response.status_code == 302
    db.session.refresh(firm)
    assert (firm.name, firm.bin, firm.is_primary_dealer) == ("New name", "041040000412", True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.updated"))
    assert '"name": "Old name"' in event.before and '"name": "New name"' in event.after


def test_edit_refusals_keep_the_organisation_as_it_was(client, admin, make_org, make_user):
    firm = make_org(OrganisationKind.MEMBER_FIRM, name="Dealer", primary_dealer=True)
    make_user(Role.PRIMARY_DEALER, organisation=firm)
    other = make_org(OrganisationKind.ISSUER, name="Other")
    before = counts()
    cases = [
        ({"name": "Other", "bin": firm.bin, "is_primary_dealer": "y", "is_active": "y"}, "already exists"),
        ({"name": "Dealer", "bin": other.bin, "is_primary_dealer": "y", "is_active": "y"}, "BIN/IIN already exists"),
        ({"name": "Dealer", "bin": "1", "is_primary_dealer": "y", "is_active": "y"}, "exactly 12 digits"),
        ({"name": "Dealer", "bin": firm.bin, "is_active": "y"}, "hold the primary-dealer role"),
    ]
    for data, message in cases:
        response = client.post(f"/admin/organisations/{firm.id}", data=data)
        assert response.status_code == 400
        assert message in response.text
    db.session.refresh(firm)
    assert (firm.name, firm.is_primary_dealer, firm.is_active) == ("Dealer", True, True)
    assert counts() == before


def test_an_issuer_is_not_offered_the_primary_dealer_flag(client, admin, make_org):
    issuer = make_org(OrganisationKind.ISSUER)
    assert 'name="is_primary_dealer"' not in client.get(f"/admin/organisations/{issuer.id}").text
    response = client.post(f"/admin/organisations/{issuer.id}", data={
        "name": issuer.name, "bin": issuer.bin, "is_primary_dealer": "y", "is_active": "y"})
    assert response.status_code == 302
    db.session.refresh(issuer)
    assert issuer.is_primary_dealer is False


def test_deactivating_ends_the_sessions_of_its_users(client, admin, make_user, browser):
    dealer = make_user(Role.PARTICIPANT)
    colleague = make_user(Role.PARTICIPANT, organisation=dealer.organisation)
    first, second = browser(dealer), browser(colleague)
    response = client.post(f"/admin/organisations/{dealer.organisation_id}",
                           data={"name": dealer.organisation.name, "bin": dealer.organisation.bin})
    assert response.status_code == 302
    assert not still_logged_in(first) and not still_logged_in(second)
    assert first.post("/login", data={"login": dealer.login, "password": "Correct-horse-42"}).status_code == 401


def test_an_administrator_cannot_deactivate_their_own_organisation(client, admin):
    org = admin.organisation
    response = client.post(f"/admin/organisations/{org.id}", data={"name": org.name, "bin": org.bin})
    assert response.status_code == 400
    assert "You cannot deactivate your own organisation." in response.text
    assert still_logged_in(client)


def test_unknown_organisation_is_404(client, admin):
    assert client.get("/admin/organisations/999999").status_code == 404
