"""The worker threads requests run in: a few on SQLite, many on a database server, or KB_API_THREADS."""

import asyncio
import os

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.main import create_app
from api.threads import SERVER_DATABASE_THREADS, worker_threads


def test_sqlite_gets_a_thread_per_core_and_a_server_database_many(monkeypatch):
    monkeypatch.delenv("KB_API_THREADS", raising=False)
    assert worker_threads("sqlite") == max(2, os.cpu_count() or 1)
    assert worker_threads("postgresql") == SERVER_DATABASE_THREADS > worker_threads("sqlite")


@pytest.mark.parametrize("value", ["many", "0", "-2", "1.5"])
def test_a_bad_thread_count_is_named(monkeypatch, value):
    monkeypatch.setenv("KB_API_THREADS", value)
    with pytest.raises(ValueError, match="KB_API_THREADS"):
        worker_threads("sqlite")


async def _tokens() -> int:
    return anyio.to_thread.current_default_thread_limiter().total_tokens


def test_the_server_runs_requests_in_that_many_threads(monkeypatch, seeded_url):
    monkeypatch.setenv("KB_API_THREADS", "3")
    with TestClient(create_app(seeded_url)) as client:
        assert client.portal.call(_tokens) == 3
        assert client.get("/timeline", params={"limit": 2}).status_code == 200


def test_the_session_is_closed_on_the_event_loop_only_on_sqlite(client, database_engine_name, monkeypatch):
    # Handing a connection back to a database server is a network round trip: not on the loop.
    where = []
    close = Session.close

    def recording_close(self):
        try:
            asyncio.get_running_loop()
            where.append("event loop")
        except RuntimeError:
            where.append("worker thread")
        close(self)

    monkeypatch.setattr(Session, "close", recording_close)
    assert client.get("/timeline", params={"limit": 1}).status_code == 200
    assert where == ["event loop" if database_engine_name == "sqlite" else "worker thread"]
