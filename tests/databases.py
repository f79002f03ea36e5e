"""The test suite's databases: made fresh for each test, on SQLite or PostgreSQL.

Migrating a database, and loading the gazetteer into it, take longer than copying one that
has been through it already; so each kind of database is built once per session as a
template (a file on SQLite, a template database on PostgreSQL) and copied for every test.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import tempfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from kb.config import gazetteer_path
from kb.db import get_engine, migrate, session_scope
from kb.gazetteer import sync_gazetteer

TEST_DATABASE_URL_VARIABLE = "KB_TEST_DATABASE_URL"


class TestDatabases:
    """Makes and drops the databases the tests use, on the engine this run is on."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, server_url: str | None):
        self.server_url = sa.make_url(server_url) if server_url else None
        self.engine_name = "postgresql" if server_url else "sqlite"
        self._admin: sa.Engine | None = None
        self._templates: dict[tuple, str] = {}  # what a template holds -> its URL
        self._template_dir: Path | None = None
        self._created: list[str] = []  # PostgreSQL databases to drop at the end
        self._with_gazetteer: set[str] = set()

    @property
    def description(self) -> str:
        if self.server_url is None:
            return f"SQLite (temporary files; --db-url or ${TEST_DATABASE_URL_VARIABLE} selects PostgreSQL)"
        return f"PostgreSQL at {self.server_url.render_as_string(hide_password=True)}"

    def create(self, directory: Path, *, migrated: bool = True, gazetteer: bool = False) -> str:
        """The URL of a new database: empty, migrated to head, or migrated and holding the gazetteer."""
        if not migrated:
            return self._new_database(directory, template=None)
        contents = ("migrated",) + ((_gazetteer_digest(),) if gazetteer else ())
        url = self._new_database(directory, template=self._template(contents))
        if gazetteer:
            self._with_gazetteer.add(url)
        return url

    def holds_gazetteer(self, url: str) -> bool:
        """Whether ``url`` was made with the gazetteer in it."""
        return url in self._with_gazetteer

    def drop(self, url: str) -> None:
        """Drop a database made by ``create`` (a SQLite file goes with its temporary folder)."""
        get_engine(url).dispose()
        self._with_gazetteer.discard(url)
        if self.server_url is not None:
            name = sa.make_url(url).database
            with self._admin_engine().connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._created.remove(name)

    def close(self) -> None:
        """Drop what is left: the templates, and databases of tests that were interrupted."""
        if self._template_dir is not None:
            shutil.rmtree(self._template_dir, ignore_errors=True)
        if self._admin is None:
            return
        with self._admin.connect() as connection:
            for name in self._created:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._admin.dispose()

    # --- making databases --------------------------------------------------------------------

    def _template(self, contents: tuple) -> str:
        if contents not in self._templates:
            if self._template_dir is None:
                self._template_dir = Path(tempfile.mkdtemp(prefix="kb-test-templates-"))
            url = self._new_database(self._template_dir, template=None)
            migrate(url)
            if len(contents) > 1:
                with session_scope(get_engine(url)) as session:
                    sync_gazetteer(session)
            # A PostgreSQL template must have no connections while it is copied.
            get_engine(url).dispose()
            self._templates[contents] = url
        return self._templates[contents]

    def _new_database(self, directory: Path, template: str | None) -> str:
        if self.server_url is None:
            path = directory / f"kb-{uuid.uuid4().hex[:8]}.sqlite"
            if template is not None:
                _copy_sqlite(sa.make_url(template).database, path)
            return f"sqlite:///{path}"
        name = f"kb_test_{uuid.uuid4().hex[:12]}"
        source = sa.make_url(template).database if template else "template0"
        with self._admin_engine().connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        self._created.append(name)
        return self.server_url.set(database=name).render_as_string(hide_password=False)

    def _admin_engine(self) -> sa.Engine:
        if self._admin is None:
            self._admin = sa.create_engine(self.server_url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
        return self._admin

    def check_server(self) -> None:
        """Fail at once, and clearly, when the PostgreSQL server cannot be reached."""
        if self.server_url is None:
            return
        try:
            with self._admin_engine().connect():
                pass
        except sa.exc.OperationalError as exc:
            self._admin = None
            raise pytest.UsageError(f"cannot reach the test database server, {self.description}: {exc.orig}") from None


def _copy_sqlite(source: str, target: Path) -> None:
    # SQLite's online backup copies a consistent database, whatever its WAL holds.
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _gazetteer_digest() -> str:
    """Names the gazetteer's content, so a test that points elsewhere gets a template of its own."""
    return hashlib.sha256(gazetteer_path().read_bytes()).hexdigest()
