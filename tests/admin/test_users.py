"""Administrators list, create and edit users and reset passwords; sessions end on disabling."""
import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.auth.roles import OrganisationKind, Role
from app.extensions import db
from tests.admin.conftest import counts, still_logged_in
from tests.conftest import TEST_PASSWORD

NEW_PASSWORD = "Brand-new-pass-7"


def create(client, org, **fields):
    data = {"login": "Dana.J", "full_name": "Дана Жумабекова", "email": "", "role": "participant",
            "organisation_id": str(org.id), "new_password": TEST_PASSWORD, "new_password_again": TEST_PASSWORD}
    data.update(fields)
    return client.post("/admin/users", data=data)


def edit(client, user, **fields):
    data = {"full_name": user.full_name, "email": user.email or "", "role": user.role, "is_enabled": "y"}
    data.update(fields)
    return client.post(f"/admin/users/{user.id}", data={k: v for k, v in data.items() if v is not False})


def row(response, login: str) -> str:
    return response.text.split(f'data-login="{login}"')[1].split("</tr>")[0]


def by_login(login: str) -> User | None:
    return db.session.scalar(select(User).where(User.login == login))


@pytest.mark.parametrize("role", [Role.EXCHANGE_STAFF, Role.PARTICIPANT, Role.COLLATERAL_CONTROLLER])
def test_only_administrators_get_in(client, login_as, role):
    login_as(role)
    for url in ("/admin/users", "/admin/users/1"):
        assert client.get(url).status_code == 403
    assert client.post("/admin/users/1/password", data={}).status_code == 403


def test_list_shows_active_sessions_and_last_login(client, admin, make_user, browser):
    dealer = make_user(Role.PRIMARY_DEALER, login="dealer")
    idle = make_user(Role.ISSUER, login="quiet")
    browser(dealer)
    browser(dealer)
    page = client.get("/admin/users")
    assert 'data-testid="active-sessions">2<' in row(page, "dealer")
    assert 'data-testid="active-sessions">0<' in row(page, "quiet")
    assert "—" in row(page, "quiet") and "—" not in row(page, "dealer")
    assert idle.organisation.name in row(page, "quiet")


def test_list_filters_by_role_organisation_and_status(client, admin, make_user):
    dealer = make_user(Role.PRIMARY_DEALER, login="dealer")
    make_user(Role.ISSUER, login="issuer")
    off = make_user(Role.ISSUER, login="off")
    edit(client, off, is_enabled=False)

    def logins(query: str) -> set[str]:
        return set(re.findall(r'data-login="([^"]+)"', client.get(f"/admin/users?{query}").text))

    assert logins("role=issuer") == {"issuer", "off"}
    assert logins(f"organisation={dealer.organisation_id}") == {"dealer"}
    assert logins("enabled=no") == {"off"}
    assert logins("role=issuer&enabled=yes") == {"issuer"}
    assert "Not a valid choice" in client.get("/admin/users?role=king").text


def test_create_a_user_who_can_then_log_in(app, client, admin, make_org, browser):
    firm = make_org(OrganisationKind.MEMBER_FIRM)
    response = create(client, firm, email="dana@example.kz")
    assert response.status_code == 302
    user = by_login("dana.j")
    assert (user.full_name, user.email, user.role, user.organisation_id) == (
        "Дана Жумабекова", "dana@example.kz", "participant", firm.id)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created")
                             .order_by(AuditEvent.id.desc())).actor_login == admin.login
    browser(user)


@pytest.mark.parametrize(("fields", "message"), [
    ({"new_password_again": "Something-else-1"}, "The new passwords do not match."),
    ({"new_password": "short", "new_password_again": "short"}, "at least 10 characters"),
    ({"login": "bad login!"}, "A login uses letters, digits"),
    ({"login": ""}, "This field is required."),
    ({"role": "exchange_staff"}, "This role cannot be given to a user of that organisation."),
    ({"role": "primary_dealer"}, "The organisation is not a primary dealer."),
    ({"organisation_id": "999999"}, "Not a valid choice"),
    ({"email": "not-an-address"}, "This is not an email address."),
])
def test_refusals_are_shown_and_nothing_is_written(client, admin, make_org, fields, message):
    firm = make_org(OrganisationKind.MEMBER_FIRM)
    before = counts()
    response = create(client, firm, **fields)
    assert response.status_code == 400
    assert message in response.text
    assert counts() == before


def test_a_taken_login_is_refused(client, admin, make_user):
    taken = make_user(Role.PARTICIPANT, login="taken")
    before = counts()
    response = create(client, taken.organisation, login="TAKEN")
    assert "This login is taken." in response.text
    assert counts() == before


def test_no_user_for_an_inactive_organisation(client, admin, make_org):
    firm = make_org(OrganisationKind.MEMBER_FIRM)
    client.post(f"/admin/organisations/{firm.id}", data={"name": firm.name, "bin": firm.bin})
    assert firm.name not in client.get("/admin/users").text.split('id="organisation_id"')[1]
    assert create(client, firm).status_code == 400


def test_edit_name_email_and_role(client, admin, make_org, make_user, browser):
    firm = make_org(OrganisationKind.MEMBER_FIRM, primary_dealer=True)
    user = make_user(Role.PARTICIPANT, organisation=firm)
    session = browser(user)
    response = edit(client, user, full_name="Арман Касымов", email="arman@example.kz", role="primary_dealer")
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.full_name, user.email, user.role) == ("Арман Касымов", "arman@example.kz", "primary_dealer")
    assert not still_logged_in(session)  # a new role ends the sessions


def test_only_the_roles_of_the_organisations_kind_are_offered(client, admin, make_user):
    user = make_user(Role.ISSUER)
    page = client.get(f"/admin/users/{user.id}").text
    assert 'value="issuer"' in page and 'value="participant"' not in page
    response = edit(client, user, role="participant")
    assert response.status_code == 400 and "Not a valid choice" in response.text
    db.session.refresh(user)
    assert user.role == "issuer"


def test_disabling_ends_sessions_and_enabling_lets_them_back(client, admin, make_user, browser):
    user = make_user(Role.CLIENT)
    first, second = browser(user), browser(user)
    assert 'data-testid="active-sessions">2<' in client.get(f"/admin/users/{user.id}").text
    assert edit(client, user, is_enabled=False).status_code == 302
    assert not still_logged_in(first) and not still_logged_in(second)
    assert 'data-testid="active-sessions">0<' in client.get(f"/admin/users/{user.id}").text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.updated"))
    assert '"is_enabled": true' in event.before and '"is_enabled": false' in event.after
    assert first.post("/login", data={"login": user.login, "password": TEST_PASSWORD}).status_code == 401
    assert edit(client, user).status_code == 302
    browser(user)


def test_an_administrator_cannot_disable_themselves(client, admin):
    before = counts()
    response = edit(client, admin, is_enabled=False)
    assert response.status_code == 400
    assert "You cannot disable yourself or change your own role." in response.text
    assert counts() == before and still_logged_in(client)


def test_edit_refusals_are_shown(client, admin, make_user):
    user = make_user(Role.MINFIN)
    before = counts()
    assert "This field is required." in edit(client, user, full_name="").text
    assert "This is not an email address." in edit(client, user, email="nope").text
    db.session.refresh(user)
    assert user.full_name.startswith("Test") and user.email is None
    assert counts() == before


def test_reset_password_ends_sessions(client, admin, make_user, browser):
    user = make_user(Role.ISSUER)
    session = browser(user)
    response = client.post(f"/admin/users/{user.id}/password",
                           data={"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD})
    assert response.status_code == 302
    assert not still_logged_in(session)
    assert session.post("/login", data={"login": user.login, "password": TEST_PASSWORD}).status_code == 401
    browser(user, NEW_PASSWORD)


@pytest.mark.parametrize(("again", "message"), [
    ("Different-pass-9", "The new passwords do not match."),
    ("", "This field is required."),
])
def test_reset_password_refusals(client, admin, make_user, browser, again, message):
    user = make_user(Role.ISSUER)
    before = counts()
    response = client.post(f"/admin/users/{user.id}/password",
                           data={"new_password": NEW_PASSWORD, "new_password_again": again})
    assert response.status_code == 400
    assert message in response.text
    assert f'value="{user.full_name}"' in response.text  # the edit form still shows the stored values
    assert counts() == before
    browser(user)


def test_unknown_user_is_404(client, admin):
    assert client.get("/admin/users/999999").status_code == 404
    assert client.post("/admin/users/999999/password", data={}).status_code == 404
