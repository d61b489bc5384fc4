"""`flask orgs …` and `flask users …`: changes are audited as "cli"; bad input exits non-zero
with a clear message and writes nothing."""
import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import Organisation, User, UserSession
from app.auth.roles import OrganisationKind, Role
from app.extensions import db
from tests.admin.conftest import counts, still_logged_in
from tests.conftest import TEST_PASSWORD

NEW_PASSWORD = "Brand-new-pass-7"


def flask(runner, *args, input=None):
    return runner.invoke(args=list(args), input=input)


def last_event() -> AuditEvent:
    return db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))


def org_named(name: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def user_named(login: str) -> User | None:
    return db.session.scalar(select(User).where(User.login == login))


def test_orgs_create_and_list(runner):
    result = flask(runner, "orgs", "create", "АО «Астана Капитал»", "--kind", "member_firm",
                   "--bin", "990140000311", "--primary-dealer")
    assert result.exit_code == 0, result.output
    firm = org_named("АО «Астана Капитал»")
    assert result.stdout.strip() == f"created organisation {firm.id}: АО «Астана Капитал»"
    assert (firm.kind, firm.bin, firm.is_primary_dealer) == ("member_firm", "990140000311", True)
    event = last_event()
    assert (event.action, event.actor_login, event.object_id) == ("organisation.created", "cli", str(firm.id))
    result = flask(runner, "orgs", "create", "Сатпаев Ержан", "--kind", "client", "--parent", "АО «Астана Капитал»")
    assert result.exit_code == 0, result.output
    assert org_named("Сатпаев Ержан").parent_id == firm.id
    listing = flask(runner, "orgs", "list").stdout.splitlines()
    assert f"{firm.id}\tmember_firm\t990140000311\tprimary_dealer\tАО «Астана Капитал»" in listing
    assert any(line.endswith("Сатпаев Ержан (client of АО «Астана Капитал»)") for line in listing)


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--kind", "bank"], 2, "Invalid value for '--kind'"),
    ([], 2, "Missing option '--kind'"),
    (["--kind", "client", "--parent", "Nobody Ltd"], 2, "there is no organisation named 'Nobody Ltd'"),
    (["--kind", "client"], 1, "A client belongs to a member firm."),
    (["--kind", "issuer", "--primary-dealer"], 1, "Only a member firm can be a primary dealer."),
    (["--kind", "issuer", "--bin", "12"], 1, "A BIN/IIN has exactly 12 digits."),
])
def test_orgs_create_refusals(runner, args, code, message):
    before = counts()
    result = flask(runner, "orgs", "create", "Some Org", *args)
    assert result.exit_code == code
    assert message in result.stderr
    assert counts() == before


def test_orgs_create_refuses_a_parent_for_a_non_client(runner, make_org):
    firm = make_org(OrganisationKind.MEMBER_FIRM)
    result = flask(runner, "orgs", "create", "Some Issuer", "--kind", "issuer", "--parent", firm.name)
    assert result.exit_code == 1
    assert "Only a client belongs to a member firm" in result.stderr


def test_users_create_with_the_password_given(runner, make_org):
    firm = make_org(OrganisationKind.MEMBER_FIRM, primary_dealer=True)
    result = flask(runner, "users", "create", "Arman", "--role", "primary_dealer", "--org", firm.name,
                   "--name", "Арман Касымов", "--email", "arman@example.kz", "--password", TEST_PASSWORD)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"created user arman (primary_dealer, {firm.name})"
    user = user_named("arman")
    assert (user.full_name, user.email, user.role) == ("Арман Касымов", "arman@example.kz", "primary_dealer")
    assert (last_event().action, last_event().actor_login) == ("user.created", "cli")


def test_users_create_prompts_twice_for_the_password(app, runner, make_org):
    firm = make_org(OrganisationKind.ISSUER)
    # The first pair differs, so the prompt asks again.
    answers = f"{TEST_PASSWORD}\nsomething-else\n{NEW_PASSWORD}\n{NEW_PASSWORD}\n"
    result = flask(runner, "users", "create", "asel", "--role", "issuer", "--org", firm.name, "--name", "Асель",
                   input=answers)
    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output  # hidden input is not echoed
    client = app.test_client()
    assert client.post("/login", data={"login": "asel", "password": NEW_PASSWORD}).status_code == 302


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--role", "issuer", "--org", "Nobody Ltd"], 2, "there is no organisation named 'Nobody Ltd'"),
    (["--role", "wizard", "--org", "{org}"], 2, "Invalid value for '--role'"),
    (["--role", "exchange_staff", "--org", "{org}"], 1, "This role cannot be given to a user of that organisation."),
    (["--role", "issuer", "--org", "{org}", "--password", "short"], 1, "at least 10 characters"),
    (["--role", "issuer", "--org", "{org}", "--email", "nope"], 1, "This is not an email address."),
])
def test_users_create_refusals(runner, make_org, args, code, message):
    firm = make_org(OrganisationKind.ISSUER)
    args = [arg.format(org=firm.name) for arg in args]
    if "--password" not in args:
        args += ["--password", TEST_PASSWORD]
    before = counts()
    result = flask(runner, "users", "create", "someone", "--name", "Someone", *args)
    assert result.exit_code == code
    assert message in result.stderr
    assert counts() == before


def test_users_create_refuses_a_taken_login(runner, make_user):
    taken = make_user(Role.ISSUER, login="taken")
    result = flask(runner, "users", "create", "taken", "--role", "issuer", "--org", taken.organisation.name,
                   "--name", "Other", "--password", TEST_PASSWORD)
    assert result.exit_code == 1
    assert "This login is taken." in result.stderr


def test_users_list(runner, make_user):
    user = make_user(Role.MINFIN, login="dana")
    result = flask(runner, "users", "list")
    assert result.exit_code == 0
    assert f"dana\tminfin\tenabled\t{user.organisation.name}\t{user.full_name}" in result.stdout.splitlines()


def test_users_disable_ends_sessions_and_enable_restores(app, runner, make_user):
    user = make_user(Role.PARTICIPANT, login="broker")
    client = app.test_client()
    client.post("/login", data={"login": "broker", "password": TEST_PASSWORD})
    assert still_logged_in(client)
    result = flask(runner, "users", "disable", "BROKER")
    assert result.exit_code == 0, result.output
    assert "disabled user broker" in result.stdout
    assert not still_logged_in(client)
    db.session.expire_all()
    assert db.session.scalar(select(UserSession.revoked_at).where(UserSession.user_id == user.id)) is not None
    assert (last_event().action, last_event().actor_login) == ("user.updated", "cli")
    before = counts()
    assert "already disabled" in flask(runner, "users", "disable", "broker").stdout
    assert counts() == before
    assert flask(runner, "users", "enable", "broker").exit_code == 0
    assert client.post("/login", data={"login": "broker", "password": TEST_PASSWORD}).status_code == 302
    assert "already enabled" in flask(runner, "users", "enable", "broker").stdout


@pytest.mark.parametrize("command", ["disable", "enable", "set-password"])
def test_unknown_login_is_refused(runner, command):
    result = flask(runner, "users", command, "ghost", input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 2
    assert "there is no user with login 'ghost'" in result.stderr


def test_set_password_prompts_and_ends_sessions(app, runner, make_user):
    make_user(Role.ISSUER, login="asel")
    client = app.test_client()
    client.post("/login", data={"login": "asel", "password": TEST_PASSWORD})
    result = flask(runner, "users", "set-password", "asel", input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output
    assert (last_event().action, last_event().actor_login) == ("user.password_reset", "cli")
    assert not still_logged_in(client)
    assert client.post("/login", data={"login": "asel", "password": TEST_PASSWORD}).status_code == 401
    assert client.post("/login", data={"login": "asel", "password": NEW_PASSWORD}).status_code == 302


def test_set_password_refuses_a_short_one(runner, make_user):
    user = make_user(Role.ISSUER, login="asel")
    old_hash = user.password_hash
    result = flask(runner, "users", "set-password", "asel", "--password", "short")
    assert result.exit_code == 1
    assert "at least 10 characters" in result.stderr
    db.session.refresh(user)
    assert user.password_hash == old_hash
