"""Fixtures: real databases built by the migrations, the real pipeline, real HTTP.

The whole suite runs on one engine: SQLite (temporary files) by default, PostgreSQL when
``--db-url URL`` or ``KB_TEST_DATABASE_URL`` names a PostgreSQL database (``.ci/start-postgres``
starts one and prints its URL). Every test gets a database of its own, copied from a template
built once per session (see tests/databases.py); on PostgreSQL the role needs CREATEDB.

Tests that only make sense on one engine say so with ``@pytest.mark.sqlite_only(reason)`` or
``@pytest.mark.postgresql_only(reason)``; on the other they are skipped with that reason.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import uvicorn
from fastapi.testclient import TestClient
from sqlmodel import Session
from typer.testing import CliRunner

from api.main import create_app
from kb.cli import app as cli_app
from kb.config import seeds_dir
from kb.db import get_engine, session_scope
from kb.gazetteer import sync_gazetteer
from kb.ingest import seed_paths
from kb.extract.matcher import EntityMatcher
from kb.feeds.fetching import Fetcher, FetchSettings
from tests.databases import TEST_DATABASE_URL_VARIABLE, TestDatabases
from tests.feed_server import FeedServer

REPO = Path(__file__).resolve().parents[1]
# The founding article lives beside the checkout; KB_SHARED_SEEDS points elsewhere (a second work tree).
SHARED_SEEDS = Path(os.environ.get("KB_SHARED_SEEDS") or REPO.parent / "shared" / "seeds")
FOUNDING_ARTICLE = SHARED_SEEDS / "000_90e5efb5689d2f42.txt"
SEED_ARTICLES = seeds_dir() / "articles"


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
    config.kb_databases.check_server()


def pytest_report_header(config) -> str:
    return f"kb database engine: {config.kb_databases.description}"


def pytest_sessionstart(session):
    # -q drops the report header; the engine a run is on is still worth a line.
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and session.config.get_verbosity() < 0:
        reporter.write_line(pytest_report_header(session.config))


def pytest_collection_modifyitems(config, items):
    engine = config.kb_databases.engine_name
    for item in items:
        for marker, other in (("sqlite_only", "postgresql"), ("postgresql_only", "sqlite")):
            mark = item.get_closest_marker(marker)
            if mark is not None and engine == other:
                reason = mark.kwargs.get("reason") or (mark.args[0] if mark.args else marker)
                item.add_marker(pytest.mark.skip(reason=f"{marker.replace('_', ' ')} (this run is on {engine}): {reason}"))


def pytest_unconfigure(config):
    databases = getattr(config, "kb_databases", None)
    if databases is not None:
        databases.close()


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
def db_url(databases, tmp_path: Path, request) -> Iterator[str]:
    """An empty knowledge base, migrated to head, in a database of its own."""
    # A test that will load the gazetteer gets a copy of a database that holds it already.
    url = databases.create(tmp_path, gazetteer="gazetteer_engine" in request.fixturenames)
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
def gazetteer_engine(engine, databases, db_url):
    """A knowledge base holding the gazetteer and no articles."""
    if not databases.holds_gazetteer(db_url):
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


# --- writes ----------------------------------------------------------------------------------


@pytest.fixture
def writer_headers(monkeypatch) -> dict[str, str]:
    """Writes enabled with one bearer token (its writer is recorded as "api"): the headers presenting it."""
    monkeypatch.setenv("KB_API_TOKEN", "test-token")
    return {"Authorization": "Bearer test-token"}


@pytest.fixture
def writable_client(db_url: str, gazetteer_engine, writer_headers) -> Iterator[TestClient]:
    """The API over a knowledge base of its own (the gazetteer, no articles) that every request may write to."""
    with TestClient(create_app(db_url), headers=writer_headers) as client:
        yield client


# --- a live server ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_url(seeded_url: str) -> Iterator[str]:
    """The application served by uvicorn over real HTTP, on a free local port, in a background thread.

    Over the seeded knowledge base (read-only, like ``seeded_url``): for a real browser.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))  # the port is the system's free choice, held until uvicorn takes it
    server = uvicorn.Server(uvicorn.Config(create_app(seeded_url), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield "http://127.0.0.1:%d" % listener.getsockname()[1]
    server.should_exit = True
    thread.join(timeout=10)
    listener.close()


# --- a news site -----------------------------------------------------------------------------

# A fetcher that gives up soon and does not pause: the feed server is ours, on this machine.
QUICK_FETCHING = FetchSettings(timeout=0.3, delay=0, attempts=2, backoff=0.01)


@pytest.fixture
def feed_site() -> Iterator[FeedServer]:
    """Our news site (tests/feed_server.py: feeds, pages, robots.txt, and paths that misbehave) on 127.0.0.1."""
    with FeedServer() as site:
        yield site


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    """A fetcher with ``QUICK_FETCHING``."""
    with Fetcher(QUICK_FETCHING) as fetcher:
        yield fetcher
