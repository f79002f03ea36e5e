"""Engines, sessions, migrations and the database's version, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlmodel import Session

from kb.config import database_url, migrations_dir
from kb.models import DatabaseState
from kb.stored_json import refresh_public_json, refresh_stored_format


CONNECT_TIMEOUT_SECONDS = 10
SQLITE_CACHE_KIB = 16 * 1024


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite leaves foreign keys off unless asked, per connection; WAL lets the API read
    # while a seed run writes, and the busy timeout makes a writer wait instead of failing.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # 16 MiB of page cache rather than SQLite's 2: a timeline page reads events, links and
    # sources from all over the file, and bench/serve.py answers 4-7% more requests with it,
    # while the API's memory stays under 150 MB during a 1,000,000-row export.
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> sa.Engine:
    """One engine per database URL for the life of the process."""
    url = database_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False})
        sa.event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    connect_args = {}
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        # An unreachable host fails in seconds rather than after the system's TCP timeout.
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    # Pre-ping replaces connections the server has dropped (a restart, a killed backend), so
    # the first request after an outage works instead of failing on a dead pooled connection.
    return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args)


# The key of the advisory lock a PostgreSQL transaction holds while it stores ("kb" in ASCII).
STORING_LOCK_KEY = 0x6B62


def begin_storing(connection: sa.Connection) -> None:
    """Make the connection's transaction the only one storing until it ends, on any engine.

    On SQLite the write lock, waited for up to the busy timeout: no one else can write. On
    PostgreSQL a transaction-scoped advisory lock: readers and other writes go on, and only
    transactions that store (articles, ``kb.stored_json``'s refresh at migration) wait.
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": STORING_LOCK_KEY})


@sa.event.listens_for(Session, "before_commit")
def _store_public_json(session: Session) -> None:
    # Every commit stores the JSON of the events it changed (see kb.stored_json): a reader
    # would otherwise build it on every request until the next write.
    session.flush()
    refresh_public_json(session.connection())


@contextmanager
def session_scope(engine: sa.Engine) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    with Session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def database_version(connection: sa.Connection) -> str:
    """A token that changes whenever anything the knowledge base shows changes, on any engine.

    The database's uid and its version, which triggers raise at every insert, update and
    delete of a row that some answer shows (migration 0005): a new article as much as an
    organization's kind changed in place by the gazetteer. One row read (every read of the
    API asks it first, see ``api.caching``).

    >>> database_version(connection)  # doctest: +SKIP
    '0b6c1e9e-5d0f-4a57-9a43-0d3b1f0c2a11.1742'
    """
    uid, version = connection.execute(_STATE).one()
    return f"{uid}.{version}"


_STATE = sa.select(DatabaseState.uid, DatabaseState.version).where(DatabaseState.id == 1)


# Engine-specific full-text objects made by migration 0002, outside SQLModel's metadata.
FULL_TEXT_OBJECTS = ("event_fts", "ix_event_search_tsv")


def include_in_schema_comparison(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's ``include_object`` hook: compare everything but the full-text objects."""
    return not (name or "").startswith(FULL_TEXT_OBJECTS)


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for ``url`` that needs no ``alembic.ini``."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    # ConfigParser interpolation would choke on a '%' in a password.
    config.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    return config


def migrate(url: str | None = None, revision: str = "head") -> None:
    """Bring the database schema up to ``revision`` (creating the database file if needed).

    At the head revision, each event's stored JSON is brought up to date too (see
    ``kb.stored_json.refresh_stored_format``).
    """
    command.upgrade(alembic_config(url), revision)
    if revision == "head":
        with get_engine(url).connect() as connection:
            begin_storing(connection)
            refresh_stored_format(connection)
            connection.commit()


def downgrade(url: str | None = None, revision: str = "base") -> None:
    """Take the database schema back down to ``revision``."""
    command.downgrade(alembic_config(url), revision)
