"""The database failing or refusing under the API: 503 while it is unreachable (and recovery), 422 for text it cannot hold."""

import socket
import time
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.database_errors import RETRY_AFTER_SECONDS, is_database_unavailable
from api.main import create_app
from kb.db import get_engine, migrate

ENDPOINTS = ["/timeline", "/models", "/organizations", "/events/1"]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def unreachable_url(databases, database_engine_name, tmp_path) -> str:
    """A URL on this run's engine where no database can be reached."""
    if database_engine_name == "sqlite":
        return f"sqlite:///{tmp_path / 'not-there-yet' / 'kb.sqlite'}"
    return databases.server_url.set(port=_closed_port()).render_as_string(hide_password=False)


def _assert_unavailable(response) -> None:
    assert response.status_code == 503, response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    problem = response.json()
    assert problem["status"] == 503 and problem["title"] == "Service Unavailable"
    assert "database" in problem["detail"]
    assert "password" not in response.text and "kb:kb" not in response.text


@pytest.mark.parametrize("path", ENDPOINTS)
def test_unreachable_database_answers_503_with_a_problem_document(unreachable_url, path):
    with TestClient(create_app(unreachable_url)) as client:
        _assert_unavailable(client.get(path))


def test_api_recovers_when_the_database_comes_back(unreachable_url, databases, database_engine_name, tmp_path):
    with TestClient(create_app(unreachable_url)) as client:
        _assert_unavailable(client.get("/timeline"))
        if database_engine_name == "sqlite":
            (tmp_path / "not-there-yet").mkdir()
            migrate(unreachable_url)
            assert client.get("/timeline").json() == {"items": [], "next": None}
            return
    # On PostgreSQL: a real database that stops accepting connections, then starts again.
    url = databases.create(tmp_path)
    try:
        with TestClient(create_app(url)) as client:
            assert client.get("/timeline").status_code == 200
            with _refusing_connections(databases, url):
                _assert_unavailable(client.get("/timeline"))
                _assert_unavailable(client.get("/models"))
            assert client.get("/timeline").status_code == 200
            assert client.get("/models").status_code == 200
    finally:
        databases.drop(url)


def test_a_wrong_query_is_not_an_outage(engine):
    """Only unavailability is a 503: a query the database refuses stays a server error."""
    with pytest.raises(sa.exc.DBAPIError) as raised, engine.connect() as connection:
        connection.exec_driver_sql("SELECT * FROM no_such_table")
    assert not is_database_unavailable(raised.value)


@pytest.mark.parametrize("param", ["model", "org", "person"])
def test_a_name_the_database_cannot_hold_is_a_422_on_every_engine(client, param):
    """PostgreSQL refuses text with a NUL character even in a comparison; the API says so first."""
    response = client.get("/timeline", params={param: "Meta\x00"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["param"] == param


def test_a_title_the_database_cannot_hold_is_a_422_on_every_engine(writable_client):
    posted = writable_client.post("/articles", json={"title": "OpenAI выпустила GPT-4",
                                                     "text": "OpenAI 14 марта 2023 года выпустила GPT-4."})
    event_id = posted.json()["events"][0]["id"]
    response = writable_client.patch(f"/events/{event_id}", json={"title": "GPT-4\x00"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "title"


# --- PostgreSQL: connections killed under the API --------------------------------------------


def _admin(databases) -> sa.Engine:
    return sa.create_engine(databases.server_url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)


def _terminate(databases, pids: list[int]) -> None:
    """Kill these server processes, and wait until they are gone."""
    admin = _admin(databases)
    with admin.connect() as connection:
        for pid in pids:
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        for _ in range(100):
            alive = connection.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"), {"pids": pids}).scalar()
            if not alive:
                break
            time.sleep(0.05)
    admin.dispose()


def _backends(databases, url: str) -> list[int]:
    admin = _admin(databases)
    with admin.connect() as connection:
        pids = connection.execute(
            sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"),
            {"name": sa.make_url(url).database},
        ).scalars().all()
    admin.dispose()
    return list(pids)


@contextmanager
def _refusing_connections(databases, url: str):
    """The database refuses new connections and loses the ones it had, as in an outage."""
    name = sa.make_url(url).database
    admin = _admin(databases)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
    _terminate(databases, _backends(databases, url))
    try:
        yield
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        admin.dispose()


@pytest.mark.postgresql_only(reason="kills PostgreSQL server processes with pg_terminate_backend")
def test_connection_killed_mid_request_answers_503_then_the_api_recovers(databases, seeded_url):
    engine = get_engine(seeded_url)
    killed = []

    def kill_this_connection(connection, cursor, statement, parameters, context, executemany):
        # After the pool's pre-ping has found the connection alive, before the query runs.
        killed.append(connection.connection.dbapi_connection.info.backend_pid)
        _terminate(databases, killed[-1:])

    with TestClient(create_app(seeded_url)) as client:
        assert client.get("/timeline").status_code == 200
        sa.event.listen(engine, "before_cursor_execute", kill_this_connection)
        try:
            _assert_unavailable(client.get("/timeline"))
        finally:
            sa.event.remove(engine, "before_cursor_execute", kill_this_connection)
        assert killed
        assert client.get("/timeline").status_code == 200


@pytest.mark.postgresql_only(reason="kills PostgreSQL server processes with pg_terminate_backend")
def test_connections_killed_between_requests_are_replaced_unseen(databases, seeded_url):
    with TestClient(create_app(seeded_url)) as client:
        before = client.get("/timeline").json()
        pids = _backends(databases, seeded_url)
        assert pids, "the pool should hold a connection"
        _terminate(databases, pids)
        # pool_pre_ping finds the dead connection and opens a new one: no error at all.
        assert client.get("/timeline").json() == before
        assert not set(pids) & set(_backends(databases, seeded_url))
