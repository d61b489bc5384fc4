"""`flask audit verify` against a trail changed behind the app's back, on SQLite and PostgreSQL;
the append-only triggers; and a change committing or rolling back together with its audit row."""
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from app.audit.models import AuditEvent, AuditHead
from app.audit.services import GENESIS_HASH, row_digest
from app.auth.models import User
from app.auth.roles import Role
from app.extensions import db
from tests.audit.conftest import audit_count, last_audit_id
from tests.conftest import TEST_PASSWORD


def verify(runner):
    return runner.invoke(args=["audit", "verify"])


def test_an_intact_chain_exits_0(runner, make_user):
    make_user(Role.ISSUER)
    make_user(Role.CLIENT)
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"audit chain intact: {audit_count()} rows"


def test_an_empty_trail_is_intact(runner):
    result = verify(runner)
    assert result.exit_code == 0
    assert "intact: 0 rows" in result.stdout


def test_a_row_edited_behind_the_apps_back_is_named(runner, make_user, tamper):
    make_user(Role.MINFIN)
    make_user(Role.ISSUER)
    victim = last_audit_id() - 2
    tamper("UPDATE audit_events SET after = :after WHERE id = :id", after='{"login": "mallory"}', id=victim)
    result = verify(runner)
    assert result.exit_code == 1
    assert f"audit chain broken at row {victim}: row contents do not match its hash" in result.stderr
    assert f"({victim - 1} rows before it are intact)" in result.stderr


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(runner, make_user, tamper):
    make_user(Role.MINFIN)
    victim = db.session.get(AuditEvent, 1)
    victim.actor_login = "mallory"
    forged = row_digest(victim)
    db.session.rollback()
    tamper("UPDATE audit_events SET actor_login = 'mallory', row_hash = :forged WHERE id = 1", forged=forged)
    result = verify(runner)
    assert result.exit_code == 1
    assert "audit chain broken at row 2: prev_hash does not match the previous row" in result.stderr


def test_a_deleted_middle_row_is_named_as_the_gap(runner, make_user, tamper):
    make_user(Role.PARTICIPANT)
    make_user(Role.ISSUER)
    gap = last_audit_id() - 1
    tamper("DELETE FROM audit_events WHERE id = :id", id=gap)
    result = verify(runner)
    assert result.exit_code == 1
    assert f"audit chain broken at row {gap + 1}: row {gap} is missing (next row is {gap + 1})" in result.stderr


def test_a_deleted_tail_row_is_found_through_the_head(runner, make_user, tamper):
    make_user(Role.PARTICIPANT)
    last = last_audit_id()
    tamper("DELETE FROM audit_events WHERE id = :id", id=last)
    result = verify(runner)
    assert result.exit_code == 1
    assert f"audit chain broken at row {last}: rows after the last stored one were removed" in result.stderr


def test_a_forged_head_is_not_enough_to_hide_a_deleted_tail(runner, make_user, tamper):
    make_user(Role.PARTICIPANT)
    last = last_audit_id()
    tamper("DELETE FROM audit_events WHERE id = :id", id=last)
    db.session.execute(text("UPDATE audit_head SET last_id = last_id - 1"))
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert f"audit chain broken at row {last - 1}" in result.stderr


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET action = 'user.deleted' WHERE id = 1",
    "DELETE FROM audit_events WHERE id = 1",
])
def test_the_database_refuses_update_and_delete(make_user, statement):
    make_user(Role.ISSUER)
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert db.session.get(AuditEvent, 1).action == "organisation.created"


def test_the_database_refuses_an_orm_edit_too(make_user):
    make_user(Role.ISSUER)
    db.session.get(AuditEvent, 1).after = None
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(AuditEvent, 1).after is not None


def test_the_database_refuses_an_orm_delete(make_user):
    make_user(Role.ISSUER)
    db.session.delete(db.session.get(AuditEvent, 1))
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert audit_count() == 2


def test_a_change_commits_with_its_audit_row(client, login_as):
    login_as(Role.ADMIN)
    org_id = db.session.scalar(select(User.organisation_id).where(User.role == Role.ADMIN))
    response = client.post("/admin/users", data={
        "login": "aigerim", "full_name": "Aigerim N.", "role": "exchange_staff", "organisation_id": str(org_id),
        "new_password": TEST_PASSWORD, "new_password_again": TEST_PASSWORD,
    })
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.login == "aigerim"))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created",
                                                       AuditEvent.object_id == str(user.id)))
    assert event.actor_role == "admin" and '"login": "aigerim"' in event.after


def test_a_failed_audit_write_leaves_no_change_behind(client, login_as):
    """The audit insert fails (its id is taken): the user it describes must not be stored either."""
    login_as(Role.ADMIN)
    org_id = db.session.scalar(select(User.organisation_id).where(User.role == Role.ADMIN))
    count, head = audit_count(), db.session.get(AuditHead, 1).last_hash
    db.session.execute(text("UPDATE audit_head SET last_id = last_id - 1"))
    db.session.commit()
    with pytest.raises(DatabaseError):
        client.post("/admin/users", data={
            "login": "ghost", "full_name": "Ghost", "role": "exchange_staff", "organisation_id": str(org_id),
            "new_password": TEST_PASSWORD, "new_password_again": TEST_PASSWORD,
        })
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.login == "ghost")) is None
    assert audit_count() == count
    assert db.session.get(AuditHead, 1).last_hash == head != GENESIS_HASH


def test_a_refused_create_user_writes_neither_user_nor_audit_row(runner, make_org):
    org = make_org()
    count = audit_count()
    result = runner.invoke(args=["users", "create", "nobody", "--role", "exchange_staff", "--org", org.name,
                                 "--name", "Nobody", "--password", TEST_PASSWORD])
    assert result.exit_code == 1
    assert "This role cannot be given to a user of that organisation." in result.stderr
    assert db.session.scalar(select(User).where(User.login == "nobody")) is None
    assert audit_count() == count
