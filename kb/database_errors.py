"""A database that cannot be used, said in one line: which database (password hidden), and why.

``kb --db URL`` may name no database at all, an engine kb does not work with, a driver that is
not installed, a server that is down or refuses the password, a file that cannot be opened,
or a database with no knowledge base in it. ``check_database_url`` refuses what can be told
from the URL alone; ``database_problem`` says what a failed connection or query means.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

SUPPORTED_BACKENDS = ("sqlite", "postgresql")
_EXAMPLES = "sqlite:///kb.sqlite or postgresql+psycopg://USER:PASSWORD@HOST/DATABASE"
# The password of a URL SQLAlchemy cannot parse: between "user:" and "@".
_PASSWORD = re.compile(r"(://[^:/@]*:)[^@/]*@")
# What the drivers say when the schema is not there (SQLite, PostgreSQL).
_NO_SCHEMA = re.compile(r"no such table|relation \S+ does not exist")


class DatabaseUnusable(Exception):
    """A database that cannot be used; the message names it (password hidden) and says why."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"database {shown_url(url)}: {reason}")
        self.reason = reason


def shown_url(url: str) -> str:
    """``url`` with its password hidden.

    >>> shown_url("postgresql+psycopg://kb:s3cret@db.example/kb")
    'postgresql+psycopg://kb:***@db.example/kb'
    """
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return _PASSWORD.sub(r"\1***@", url)


def check_database_url(url: str) -> None:
    """Raise ``DatabaseUnusable`` unless ``url`` names a database kb can use: SQLite or
    PostgreSQL, through a driver that is installed."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise DatabaseUnusable(url, f"not a database URL (expected {_EXAMPLES})") from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise DatabaseUnusable(url, f"kb works with SQLite and PostgreSQL, not {backend} (expected {_EXAMPLES})")
    try:
        parsed.get_dialect().import_dbapi()
    except (ImportError, sa.exc.NoSuchModuleError):
        raise DatabaseUnusable(
            url, f"the driver {parsed.get_driver_name()!r} is not installed (postgresql+psycopg:// uses the one kb installs)"
        ) from None


def database_problem(url: str, exc: BaseException) -> DatabaseUnusable | None:
    """What ``exc``, raised using the database at ``url``, says about that database; None when
    it is not about the database being usable (a mistake in a query stays an error of kb's)."""
    if not isinstance(exc, sa.exc.DBAPIError):
        return None
    message = " ".join(str(exc.orig).split()) if exc.orig is not None else str(exc)
    if _NO_SCHEMA.search(message):
        return DatabaseUnusable(url, "no knowledge base there yet: create it with `kb migrate` (or `kb seed`, which does)")
    if not isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError)):
        return None
    if "unable to open database file" in message:
        message += " (does its folder exist, and may it be written?)"
    return DatabaseUnusable(url, message)
