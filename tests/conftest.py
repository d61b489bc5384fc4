"""Fixtures: a migrated database per test (SQLite file copy, or PostgreSQL truncated after; one
PostgreSQL database per xdist worker),
the app, clients, factories and `login_as(role)`.

The suite runs on SQLite unless DATABASE_URL names a PostgreSQL database (`make test` does both).
"""
import os
import shutil
from collections.abc import Callable

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text

from app import create_app
from app.auth import services
from app.auth.models import Organisation, User
from app.auth.roles import ROLE_ORGANISATION_KINDS, OrganisationKind, Role
from app.clock.services import wall_now
from app.extensions import db

TEST_PASSWORD = "Correct-horse-42"
ENV_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = ENV_URL.startswith("postgresql")


def base_config(database_url: str) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-000000",
        "PASSWORD_HASH_PROFILE": "cheapest",
        "WTF_CSRF_ENABLED": False,
        "SANDBOX_CLOCK": True,
    }


def _migrate(database_url: str) -> None:
    app = create_app(base_config(database_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


class DeskClient(FlaskClient):
    """Each request runs as it would in a worker: in its own app context, with a fresh `g`
    and its own database session.

    The test's own transaction is committed first: on SQLite every transaction takes the write
    lock up front (BEGIN IMMEDIATE), and a real worker never shares the test's transaction.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


def _engine(database_url: str, **kwargs):
    return create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1), **kwargs)


def _worker_database(database_url: str) -> str:
    """Under pytest-xdist each worker gets a database of its own on the same server
    (`<name>_gw0`, `<name>_gw1`, …), created afresh: workers truncate theirs after each test."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return database_url
    url = make_url(database_url)
    name = f"{url.database}_{worker}"
    engine = _engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def template_database(tmp_path_factory) -> str:
    """Migrated once per session (per xdist worker): a SQLite file to copy, or the worker's
    PostgreSQL database itself."""
    if ON_POSTGRES:
        database_url = _worker_database(ENV_URL)
        engine = _engine(database_url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        _migrate(database_url)
        return database_url
    path = tmp_path_factory.mktemp("template") / "desk.sqlite3"
    _migrate(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(template_database, tmp_path) -> str:
    if ON_POSTGRES:
        return template_database
    copy = tmp_path / "desk.sqlite3"
    shutil.copyfile(template_database, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def make_app(database_url, tmp_path) -> Callable:
    """Builds apps on this test's database; several apps stand for several workers. Register
    files and the signing key go to this test's temporary folder."""
    apps = []
    files = {"REGISTER_DIR": str(tmp_path / "registers"),
             "REGISTER_SIGNING_KEY": str(tmp_path / "signing_key.pem"),
             "REGISTER_SIGNING_CERT": str(tmp_path / "signing_cert.pem")}

    def build(**overrides):
        app = create_app({**base_config(database_url), **files, **overrides})
        app.test_client_class = DeskClient
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if ON_POSTGRES:
        _truncate(database_url)


def _truncate(database_url: str) -> None:
    engine = _engine(database_url)
    tables = ", ".join(table.name for table in db.metadata.sorted_tables)
    with engine.begin() as connection:
        # TRUNCATE fires no row triggers: the audit heads go too, and streams start afresh.
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_org(app) -> Callable[..., Organisation]:
    counter = iter(range(1, 10_000))

    def build(kind: OrganisationKind = OrganisationKind.MEMBER_FIRM, name: str | None = None,
              primary_dealer: bool = False, parent: Organisation | None = None) -> Organisation:
        number = next(counter)
        if kind == OrganisationKind.CLIENT and parent is None:
            parent = build(OrganisationKind.MEMBER_FIRM)
        org = services.create_organisation(
            db.session, name or f"{kind} {number}", kind, wall_now(), bin=f"{number:012d}",
            is_primary_dealer=primary_dealer, parent=parent,
        )
        db.session.commit()
        return org

    return build


@pytest.fixture
def make_user(app, make_org) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def build(role: Role = Role.PARTICIPANT, login: str | None = None, password: str = TEST_PASSWORD,
              organisation: Organisation | None = None) -> User:
        org = organisation or make_org(ROLE_ORGANISATION_KINDS[role], primary_dealer=role == Role.PRIMARY_DEALER)
        user = services.create_user(db.session, login or f"{role.value}{next(counter)}", f"Test {role.value}",
                                    role, org, password, wall_now())
        db.session.commit()
        return user

    return build


@pytest.fixture
def login_as(client, make_user) -> Callable[..., User]:
    """Create a user of that role and log the test client in as it."""

    def login(role: Role, **kwargs) -> User:
        user = make_user(role, **kwargs)
        response = client.post("/login", data={"login": user.login, "password": kwargs.get("password", TEST_PASSWORD)})
        assert response.status_code == 302, response.data
        return user

    return login
