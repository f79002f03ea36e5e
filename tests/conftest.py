"""Fixtures: real SQLite databases built by the migrations, the real pipeline, real HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session
from typer.testing import CliRunner

from api.main import create_app
from kb.cli import app as cli_app
from kb.config import seeds_dir
from kb.db import get_engine, migrate, session_scope
from kb.gazetteer import sync_gazetteer
from kb.ingest import seed_paths
from kb.matcher import EntityMatcher

REPO = Path(__file__).resolve().parents[1]
SHARED_SEEDS = REPO.parent / "shared" / "seeds"
FOUNDING_ARTICLE = SHARED_SEEDS / "000_90e5efb5689d2f42.txt"
SEED_ARTICLES = seeds_dir() / "articles"


@pytest.fixture
def founding_article() -> Path:
    """The founding article (a Russian report of the LLaMA leak), from ../shared/seeds."""
    if not FOUNDING_ARTICLE.exists():
        pytest.skip(f"founding article not found at {FOUNDING_ARTICLE}: ../shared/seeds is beside CI and developer checkouts only")
    return FOUNDING_ARTICLE


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """An empty knowledge base, migrated to head, in a fresh SQLite file."""
    url = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    migrate(url)
    return url


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
def seeded_url(tmp_path_factory) -> str:
    """A knowledge base seeded with the bundled corpus; shared, so tests must not write to it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('seeded') / 'kb.sqlite'}"
    migrate(url)
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
