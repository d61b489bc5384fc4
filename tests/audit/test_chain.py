"""`flask audit verify` against a trail changed behind the app's back, on SQLite and PostgreSQL;
the append-only triggers; one chain per stream; and a change committing or rolling back together
with its audit row."""
from datetime import UTC, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from app.audit.models import AuditEvent, AuditHead
from app.audit.services import GENESIS_HASH, LEGACY_STREAM, genesis_hash, record, row_digest
from app.auth.models import User
from app.auth.roles import Role
from app.extensions import db
from tests.audit.conftest import audit_count
from tests.conftest import TEST_PASSWORD

STREAM = "thing:1"


def verify(runner):
    return runner.invoke(args=["audit", "verify"])


def events_of(stream: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.stream == stream).order_by(AuditEvent.seq)))


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


def test_each_stream_has_its_own_gapless_seq_and_genesis(add_events):
    add_events(2, stream="thing:1")
    add_events(1, stream="thing:2")
    add_events(1, stream="thing:1")
    assert [event.seq for event in events_of("thing:1")] == [1, 2, 3]
    first, second = events_of("thing:2")[0], events_of("thing:1")[0]
    assert first.seq == 1 and first.prev_hash == genesis_hash("thing:2") != genesis_hash("thing:1")
    assert second.prev_hash == genesis_hash("thing:1") != GENESIS_HASH
    assert db.session.get(AuditHead, "thing:1").last_seq == 3


def test_an_object_is_its_own_stream_by_default(add_events):
    event = add_events(1, object_type="gadget", object_id=7)[0]
    assert (event.stream, event.seq) == ("gadget:7", 1)


def test_a_row_edited_behind_the_apps_back_is_named(runner, add_events, tamper):
    add_events(4, stream=STREAM)
    victim = events_of(STREAM)[1]
    tamper("UPDATE audit_events SET after = :after WHERE id = :id", after='{"login": "mallory"}', id=victim.id)
    result = verify(runner)
    assert result.exit_code == 1
    assert f"audit chain broken at row {victim.id} ({STREAM} #2): row contents do not match its hash" in result.stderr
    assert "(1 rows before it are intact)" in result.stderr


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(runner, add_events, tamper):
    first, second = add_events(2, stream=STREAM)
    victim = db.session.get(AuditEvent, first.id)
    victim.actor_login = "mallory"
    forged = row_digest(victim)
    db.session.rollback()
    tamper("UPDATE audit_events SET actor_login = 'mallory', row_hash = :forged WHERE id = :id",
           forged=forged, id=first.id)
    result = verify(runner)
    assert result.exit_code == 1
    assert (f"audit chain broken at row {second.id} ({STREAM} #2): prev_hash does not match the previous row"
            in result.stderr)


def test_a_deleted_middle_row_is_named_as_the_gap(runner, add_events, tamper):
    events = add_events(3, stream=STREAM)
    tamper("DELETE FROM audit_events WHERE id = :id", id=events[1].id)
    result = verify(runner)
    assert result.exit_code == 1
    assert (f"audit chain broken at row {events[2].id} ({STREAM} #3): entry 2 of the stream is missing (next is 3)"
            in result.stderr)


def test_a_row_moved_to_another_stream_breaks_both(runner, add_events, tamper):
    add_events(2, stream="thing:1")
    add_events(1, stream="thing:2")
    moved = events_of("thing:2")[0]
    tamper("UPDATE audit_events SET stream = 'thing:1', seq = 3 WHERE id = :id", id=moved.id)
    result = verify(runner)
    assert result.exit_code == 1
    assert f"audit chain broken at row {moved.id} (thing:1 #3): prev_hash does not match" in result.stderr


def test_a_deleted_tail_row_is_found_through_the_head(runner, add_events, tamper):
    events = add_events(2, stream=STREAM)
    tamper("DELETE FROM audit_events WHERE id = :id", id=events[-1].id)
    result = verify(runner)
    assert result.exit_code == 1
    assert f"audit chain broken at row {STREAM} #2: rows after the last stored one were removed" in result.stderr


def test_a_whole_stream_deleted_is_found_through_its_head(runner, add_events, tamper):
    add_events(2, stream=STREAM)
    tamper("DELETE FROM audit_events WHERE stream = :stream", stream=STREAM)
    result = verify(runner)
    assert result.exit_code == 1
    assert f"{STREAM} #2: rows after the last stored one were removed" in result.stderr


def test_a_forged_head_is_not_enough_to_hide_a_deleted_tail(runner, add_events, tamper):
    events = add_events(3, stream=STREAM)
    tamper("DELETE FROM audit_events WHERE id = :id", id=events[-1].id)
    tamper("UPDATE audit_heads SET last_seq = last_seq - 1 WHERE stream = :stream", stream=STREAM)
    result = verify(runner)
    assert result.exit_code == 1
    assert f"audit chain broken at row {STREAM} #2: the chain head does not match" in result.stderr


def test_rows_without_a_head_are_found(runner, add_events, tamper):
    add_events(1, stream=STREAM)
    tamper("DELETE FROM audit_heads WHERE stream = :stream", stream=STREAM)
    result = verify(runner)
    assert result.exit_code == 1
    assert f"audit chain broken at row {STREAM} #1: chain head is missing" in result.stderr


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


@pytest.mark.parametrize("statement", [
    "DELETE FROM audit_heads",
    "UPDATE audit_heads SET last_seq = last_seq - 1",
    "UPDATE audit_heads SET last_hash = 'x'",
    "UPDATE audit_heads SET stream = 'elsewhere'",
])
def test_the_database_lets_heads_only_move_forward(add_events, statement):
    add_events(2, stream=STREAM)
    with pytest.raises(DatabaseError, match="only move forward"):
        db.session.execute(text(statement))
    db.session.rollback()
    head = db.session.get(AuditHead, STREAM)
    assert (head.last_seq, head.last_hash) == (2, events_of(STREAM)[-1].row_hash)


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


def test_rows_of_the_single_chain_still_verify_after_the_migration(app, runner):
    """Rows written before streams (digest over the id, all-zero genesis) become the stream
    'desk' with seq = id; new rows go to their own streams beside it."""
    db.session.commit()
    downgrade(revision="0005")
    try:
        previous = GENESIS_HASH
        for number in (1, 2, 3):
            old = AuditEvent(seq=number, occurred_at=_at(number), actor_login="system", object_type="thing",
                             object_id=str(number), action="old.event", prev_hash=previous)
            previous = row_digest(old)
            db.session.execute(text(
                "INSERT INTO audit_events (id, occurred_at, actor_login, object_type, object_id, action, "
                "prev_hash, row_hash) VALUES (:id, :at, 'system', 'thing', :object_id, 'old.event', :prev, :hash)"
            ), {"id": number, "at": old.occurred_at, "object_id": str(number), "prev": old.prev_hash,
                "hash": previous})
        db.session.execute(text("UPDATE audit_head SET last_id = 3, last_hash = :hash"), {"hash": previous})
        db.session.commit()
    finally:
        upgrade()
    record(db.session, "new.event", "thing", 1)
    db.session.commit()
    assert [(event.id, event.seq) for event in events_of(LEGACY_STREAM)] == [(1, 1), (2, 2), (3, 3)]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "new.event")).id == 4
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert "intact: 4 rows" in result.stdout


def _at(number: int) -> datetime:
    return datetime(2026, 11, 30, 9, number, tzinfo=UTC)


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


def test_a_failed_audit_write_leaves_no_change_behind(client, login_as, tamper):
    """The audit insert fails (its seq is taken): the user it describes must not be stored either."""
    admin = login_as(Role.ADMIN)
    org_id = admin.organisation_id
    count = audit_count()
    # The next user's id is predictable; take its stream's first seq behind the app's back.
    next_user_id = db.session.scalar(select(User.id).order_by(User.id.desc()).limit(1)) + 1
    stream = f"user:{next_user_id}"
    record(db.session, "test.squatter", "user", next_user_id)
    db.session.commit()
    tamper("UPDATE audit_heads SET last_seq = 0 WHERE stream = :stream", stream=stream)
    with pytest.raises(DatabaseError):
        client.post("/admin/users", data={
            "login": "ghost", "full_name": "Ghost", "role": "exchange_staff", "organisation_id": str(org_id),
            "new_password": TEST_PASSWORD, "new_password_again": TEST_PASSWORD,
        })
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.login == "ghost")) is None
    assert audit_count() == count + 1
    assert db.session.get(AuditHead, stream).last_seq == 0


def test_a_refused_create_user_writes_neither_user_nor_audit_row(runner, make_org):
    org = make_org()
    count = audit_count()
    result = runner.invoke(args=["users", "create", "nobody", "--role", "exchange_staff", "--org", org.name,
                                 "--name", "Nobody", "--password", TEST_PASSWORD])
    assert result.exit_code == 1
    assert "This role cannot be given to a user of that organisation." in result.stderr
    assert db.session.scalar(select(User).where(User.login == "nobody")) is None
    assert audit_count() == count
