"""Fixtures: real databases built by the migrations, the real pipeline, real HTTP.

The whole suite runs on one engine: SQLite (temporary files) by default, PostgreSQL when
``--db-url URL`` or ``KB_TEST_DATABASE_URL`` names a PostgreSQL database (``.ci/start-postgres``
starts one and prints its URL). On PostgreSQL every test gets a database of its own, copied
from a template migrated once per session, and dropped afterwards; the role needs CREATEDB.

Tests that only make sense on one engine say so with ``@pytest.mark.sqlite_only(reason)`` or
``@pytest.mark.postgresql_only(reason)``; on the other they are skipped with that reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session
from typer.testing import CliRunner

from api.main import create_app
from kb.cli import app as cli_app
from kb.config import seeds_dir
from kb.db import get_engine, migrate, session_scope
from kb.gazetteer import sync_gazetteer
from kb.ingest import seed_paths
from kb.extract.matcher import EntityMatcher

REPO = Path(__file__).resolve().parents[1]
SHARED_SEEDS = REPO.parent / "shared" / "seeds"
FOUNDING_ARTICLE = SHARED_SEEDS / "000_90e5efb5689d2f42.txt"
SEED_ARTICLES = seeds_dir() / "articles"
TEST_DATABASE_URL_VARIABLE = "KB_TEST_DATABASE_URL"


# --- choosing the engine ---------------------------------------------------------------------


def pytest_addoption(parser):
    parser.addoption(
        "--db-url",
        default=os.environ.get(TEST_DATABASE_URL_VARIABLE) or None,
        help=f"Run the suite on this PostgreSQL database (default: ${TEST_DATABASE_URL_VARIABLE}, else SQLite files).",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only(reason): the test only makes sense on SQLite")
    config.addinivalue_line("markers", "postgresql_only(reason): the test only makes sense on PostgreSQL")
    url = config.getoption("--db-url")
    if url and sa.make_url(url).get_backend_name() != "postgresql":
        raise pytest.UsageError(f"--db-url / {TEST_DATABASE_URL_VARIABLE} must be a PostgreSQL URL, not {url!r}")
    config.kb_databases = TestDatabases(url)


def pytest_report_header(config) -> str:
    return f"kb database engine: {config.kb_databases.description}"


def pytest_runtest_setup(item):
    engine = item.config.kb_databases.engine_name
    for marker, other in (("sqlite_only", "postgresql"), ("postgresql_only", "sqlite")):
        mark = item.get_closest_marker(marker)
        if mark is not None and engine == other:
            reason = mark.kwargs.get("reason") or (mark.args[0] if mark.args else marker)
            pytest.skip(f"{marker.replace('_', ' ')} (this run is on {engine}): {reason}")


def pytest_unconfigure(config):
    databases = getattr(config, "kb_databases", None)
    if databases is not None:
        databases.close()


class TestDatabases:
    """Makes and drops the databases the tests use, on the engine this run is on."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, server_url: str | None):
        self.server_url = sa.make_url(server_url) if server_url else None
        self.engine_name = "postgresql" if server_url else "sqlite"
        self._admin: sa.Engine | None = None
        self._template: str | None = None
        self._created: list[str] = []

    @property
    def description(self) -> str:
        if self.server_url is None:
            return f"SQLite (temporary files; --db-url or ${TEST_DATABASE_URL_VARIABLE} selects PostgreSQL)"
        return f"PostgreSQL at {self.server_url.render_as_string(hide_password=True)}"

    def create(self, directory: Path, *, migrated: bool = True) -> str:
        """The URL of a new database: empty, or migrated to head."""
        if self.server_url is None:
            url = f"sqlite:///{directory / f'kb-{uuid.uuid4().hex[:8]}.sqlite'}"
            if migrated:
                migrate(url)
            return url
        # Copying a template migrated once is much faster than migrating every database.
        template = self._migrated_template() if migrated else "template0"
        return self._create_postgresql_database(template)

    def drop(self, url: str) -> None:
        """Drop a database made by ``create`` (a SQLite file goes with its temporary folder)."""
        get_engine(url).dispose()
        if self.server_url is not None:
            name = sa.make_url(url).database
            with self._admin_engine().connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._created.remove(name)

    def close(self) -> None:
        """Drop what is left (the template, databases of tests that were interrupted)."""
        if self._admin is None:
            return
        with self._admin.connect() as connection:
            for name in self._created:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._admin.dispose()

    def _admin_engine(self) -> sa.Engine:
        if self._admin is None:
            self._admin = sa.create_engine(self.server_url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
            try:
                with self._admin.connect():
                    pass
            except sa.exc.OperationalError as exc:
                pytest.exit(f"cannot reach the test database server {self.description}: {exc}", returncode=3)
        return self._admin

    def _create_postgresql_database(self, template: str) -> str:
        name = f"kb_test_{uuid.uuid4().hex[:12]}"
        with self._admin_engine().connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self._created.append(name)
        return self.server_url.set(database=name).render_as_string(hide_password=False)

    def _migrated_template(self) -> str:
        if self._template is None:
            url = self._create_postgresql_database("template0")
            migrate(url)
            # A template must have no connections while it is copied.
            get_engine(url).dispose()
            self._template = sa.make_url(url).database
        return self._template


@pytest.fixture(scope="session")
def databases(pytestconfig) -> TestDatabases:
    """Makes databases on this run's engine: ``databases.create(tmp_path, migrated=False)``."""
    return pytestconfig.kb_databases


@pytest.fixture(scope="session")
def database_engine_name(databases) -> str:
    """``"sqlite"`` or ``"postgresql"``: the engine this run is on."""
    return databases.engine_name


@pytest.fixture
def empty_db_url(databases, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all, on this run's engine."""
    url = databases.create(tmp_path, migrated=False)
    yield url
    databases.drop(url)


# --- the knowledge base ----------------------------------------------------------------------


@pytest.fixture
def founding_article() -> Path:
    """The founding article (a Russian report of the LLaMA leak), from ../shared/seeds."""
    if not FOUNDING_ARTICLE.exists():
        pytest.skip(f"founding article not found at {FOUNDING_ARTICLE}: ../shared/seeds is beside CI and developer checkouts only")
    return FOUNDING_ARTICLE


@pytest.fixture
def db_url(databases, tmp_path: Path) -> Iterator[str]:
    """An empty knowledge base, migrated to head, in a database of its own."""
    url = databases.create(tmp_path)
    yield url
    databases.drop(url)


@pytest.fixture
def engine(db_url: str):
    return get_engine(db_url)


@pytest.fixture
def session(engine):
    with Session(engine) as session:
        yield session


@pytest.fixture
def gazetteer_engine(engine):
    """A knowledge base holding the gazetteer and no articles."""
    with session_scope(engine) as session:
        sync_gazetteer(session)
    return engine


@pytest.fixture
def matcher(gazetteer_engine) -> EntityMatcher:
    with Session(gazetteer_engine) as session:
        return EntityMatcher.from_session(session)


@pytest.fixture(scope="session")
def seeded_url(databases, tmp_path_factory) -> str:
    """A knowledge base seeded with the bundled corpus; shared, so tests must not write to it."""
    url = databases.create(tmp_path_factory.mktemp("seeded"))
    report = seed_paths(get_engine(url), [SEED_ARTICLES])
    assert not report.failed, report.failed
    return url


@pytest.fixture
def client(seeded_url: str) -> TestClient:
    with TestClient(create_app(seeded_url)) as client:
        yield client


@pytest.fixture
def cli():
    """Runs the ``kb`` command in-process: ``cli("--db", url, "timeline")``."""
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli_app, list(args), catch_exceptions=False)

    return run
