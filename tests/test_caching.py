"""Conditional GETs: ETags that change with the data and the URL, and 304 while they hold."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.caching import etag_matches
from api.main import create_app
from kb.db import session_scope
from kb.ingest import seed_paths
from kb.models import AuditAction, AuditEntry
from kb.queries import database_version


@pytest.mark.parametrize("path", ["/timeline", "/timeline.csv", "/timeline.ics", "/models", "/events/1", "/people"])
def test_reads_carry_an_etag_and_revalidate(client, path):
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and first.headers["cache-control"] == "no-cache"
    assert client.get(path).headers["etag"] == etag  # same data, same URL
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and again.headers["cache-control"] == "no-cache"


def test_the_etag_depends_on_the_url(client):
    assert client.get("/timeline").headers["etag"] != client.get("/timeline", params={"kind": "leak"}).headers["etag"]
    stale = client.get("/timeline", params={"kind": "leak"}).headers["etag"]
    assert client.get("/timeline", headers={"If-None-Match": stale}).status_code == 200


def test_errors_carry_no_etag(client):
    response = client.get("/events/999999")
    assert response.status_code == 404 and "etag" not in response.headers
    assert client.get("/events/999999", headers={"If-None-Match": "*"}).status_code == 404


def test_if_none_match_lists_and_weak_comparison():
    assert etag_matches('"a", W/"b"', 'W/"b"') and etag_matches('W/"a"', '"a"')
    assert not etag_matches('"ab"', 'W/"a"') and not etag_matches(None, 'W/"a"') and not etag_matches("", 'W/"a"')
    assert not etag_matches("*", 'W/"a"')  # answered in full: the endpoint knows whether it exists


def test_a_write_changes_the_etag(db_url, gazetteer_engine, tmp_path):
    article = tmp_path / "a.md"
    article.write_text("---\ntitle: Выпуск\npublished: 2024-05-14\n---\nOpenAI 13 мая 2024 года выпустила GPT-4o.\n", encoding="utf-8")
    with TestClient(create_app(db_url)) as client:
        before = client.get("/timeline")
        etag = before.headers["etag"]
        assert before.json()["items"] == []
        seed_paths(gazetteer_engine, [article])
        after = client.get("/timeline", headers={"If-None-Match": etag})
        assert after.status_code == 200 and after.json()["items"] and after.headers["etag"] != etag
        # An edit adds no article or event, but every edit is audited.
        etag = after.headers["etag"]
        with session_scope(gazetteer_engine) as session:
            session.add(AuditEntry(actor="test", action=AuditAction.update, entity="event", entity_id=1))
        assert client.get("/timeline", headers={"If-None-Match": etag}).status_code == 200


def test_database_version_is_cheap_to_compare(engine):
    with Session(engine) as session:
        empty = database_version(session.connection())
        assert empty == database_version(session.connection()) and set(empty.replace(".", "")) == {"0"}
