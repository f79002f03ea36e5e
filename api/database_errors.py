"""A database that cannot be reached answers 503 with a problem document, not a 500.

The server may be down, refusing connections, or may have killed the request's connection
(a restart, a failover, an administrator). The engine's pool checks connections before use
(``pool_pre_ping`` in ``kb.db``) and drops dead ones, so the API recovers by itself as soon
as the database is back; until then clients are told to retry.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from fastapi import FastAPI, Request

from api.errors import ProblemResponse, problem_response

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5

# sqlite3 raises OperationalError for mistakes too ("no such table"); these names alone mean
# the file cannot be used right now.
_SQLITE_UNAVAILABLE = ("SQLITE_CANTOPEN", "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_FULL", "SQLITE_READONLY")


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be used now (down, unreachable, connection lost, busy).

    A wrong query is not unavailability: it stays a 500.
    """
    if isinstance(exc, sa.exc.TimeoutError):  # no connection free in the pool in time
        return True
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, sa.exc.OperationalError):
        return False
    sqlite_error = getattr(exc.orig, "sqlite_errorname", None)
    return sqlite_error is None or sqlite_error.startswith(_SQLITE_UNAVAILABLE)


def install_database_error_handlers(app: FastAPI) -> None:
    """Make ``app`` answer 503 (``application/problem+json``, ``Retry-After``) while the database is unavailable."""
    app.add_exception_handler(sa.exc.DBAPIError, _database_error)
    app.add_exception_handler(sa.exc.TimeoutError, _database_error)


async def _database_error(request: Request, exc: Exception) -> ProblemResponse:
    if not is_database_unavailable(exc):
        raise exc  # a 500, answered by api.errors
    # The driver's message may name hosts and users: it goes to the log, not to the client.
    logger.warning("database unavailable during %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        503,
        "the database cannot be reached at the moment; try again shortly",
        instance=request.url.path,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
