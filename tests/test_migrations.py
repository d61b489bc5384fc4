"""Migrations: one linear history whose head builds exactly the models' schema."""
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import ROOT
from app.extensions import db


def scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config)


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_one_head_and_one_base():
    script = scripts()
    assert len(script.get_heads()) == 1, script.get_heads()
    assert len(script.get_bases()) == 1, script.get_bases()


def test_upgrade_head_on_an_empty_database_gives_the_models_schema(app):
    # The session's template database was migrated from empty (a new SQLite file, or a
    # PostgreSQL schema dropped and recreated).
    assert current_revision() == scripts().get_current_head()
    assert schema_differences() == []


def test_downgrade_to_base_then_upgrade_head_again(app):
    downgrade(revision="base")
    try:
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        assert current_revision() is None
    finally:
        upgrade()  # on PostgreSQL the database is shared by the whole run
    assert current_revision() == scripts().get_current_head()
    assert schema_differences() == []
