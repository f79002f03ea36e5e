"""The schema comes from the migrations, and the migrations agree with the models."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from kb.db import downgrade, get_engine, include_in_schema_comparison, migrate

TABLES = {
    "organization", "ai_model", "person", "alias", "article", "event", "event_organization", "event_model",
    "event_person", "evidence", "event_search", "audit_entry",
}


def _differences(engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True, "include_object": include_in_schema_comparison})
        return compare_metadata(context, SQLModel.metadata)


def test_migrations_build_every_table(engine):
    assert TABLES <= set(sa.inspect(engine).get_table_names())


def test_models_and_migrations_agree(engine):
    assert _differences(engine) == []


def test_downgrade_to_base_and_up_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'roundtrip.sqlite'}"
    migrate(url)
    downgrade(url, "base")
    assert not TABLES & set(sa.inspect(get_engine(url)).get_table_names())
    migrate(url)
    assert _differences(get_engine(url)) == []


def test_foreign_keys_are_enforced_on_sqlite(engine):
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
