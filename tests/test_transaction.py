"""One transaction per request, ended at the edge: a change commits once when its view succeeds
and rolls back when it fails; a read never writes."""
import pytest
from flask import abort
from sqlalchemy import func, select

from app.auth.access import public
from app.auth.models import Organisation
from app.auth.roles import OrganisationKind
from app.clock.services import wall_now
from app.extensions import db
from app.transaction import WriteOnRead


def add_org(name: str) -> None:
    db.session.add(Organisation(name=name, kind=OrganisationKind.ISSUER, created_at=wall_now()))
    db.session.flush()


@pytest.fixture
def routed(make_app):
    """An app with routes that write and then answer in different ways."""
    app = make_app()

    @app.route("/probe/write/<outcome>", methods=["GET", "POST"], endpoint="probe_write")
    @public
    def write(outcome: str):
        add_org(f"probe-{outcome}")
        if outcome == "refused":
            abort(422)
        if outcome == "raises":
            raise RuntimeError("the view broke")
        return "ok"

    app.config["PROPAGATE_EXCEPTIONS"] = False
    with app.app_context():
        yield app


def orgs_named(prefix: str) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Organisation).where(Organisation.name.like(f"{prefix}%")))


def test_a_change_that_succeeds_is_committed_once_at_the_edge(routed):
    assert routed.test_client().post("/probe/write/fine").status_code == 200
    assert orgs_named("probe-fine") == 1


@pytest.mark.parametrize("outcome, status", [("refused", 422), ("raises", 500)])
def test_a_change_that_fails_leaves_nothing_behind(routed, outcome, status):
    assert routed.test_client().post(f"/probe/write/{outcome}").status_code == status
    assert orgs_named(f"probe-{outcome}") == 0


def test_a_read_that_tries_to_write_fails_and_writes_nothing(routed):
    routed.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(WriteOnRead):
        routed.test_client().get("/probe/write/fine")
    assert orgs_named("probe-fine") == 0
