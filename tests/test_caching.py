"""Conditional GETs: ETags that change with the data and the URL, and 304 while they hold."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from sqlmodel import select

from api.caching import etag_for, etag_matches
from api.main import create_app
from kb.db import database_version, get_engine, migrate, session_scope
from kb.gazetteer import load_gazetteer, sync_gazetteer
from kb.ingest import seed_paths
from kb.models import Alias, AuditAction, AuditEntry, Organization, OrganizationKind


@pytest.fixture
def client_over_gazetteer(db_url, gazetteer_engine):
    with TestClient(create_app(db_url)) as client:
        yield client


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


def test_a_change_in_place_changes_the_etag(client_over_gazetteer, gazetteer_engine, tmp_path):
    """The gazetteer changing an organization's kind adds no row: the version must change all the same."""
    first = client_over_gazetteer.get("/organizations")
    openai = next(o for o in first.json() if o["name"] == "OpenAI")
    assert openai["kind"] != "regulator"
    gazetteer = load_gazetteer()
    changed = next(o for o in gazetteer.organizations if o.name == "OpenAI")
    changed.kind = OrganizationKind.regulator
    with session_scope(gazetteer_engine) as session:
        assert sync_gazetteer(session, gazetteer) == 1
    again = client_over_gazetteer.get("/organizations", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 200 and again.headers["etag"] != first.headers["etag"]
    assert next(o for o in again.json() if o["name"] == "OpenAI")["kind"] == "regulator"


@pytest.mark.parametrize("change", ["update", "delete", "alias"])
def test_every_kind_of_change_raises_the_version(gazetteer_engine, change):
    with Session(gazetteer_engine) as session:
        before = database_version(session.connection())
    with session_scope(gazetteer_engine) as session:
        org = session.exec(select(Organization).where(Organization.name == "OpenAI")).one()
        if change == "update":
            org.wikidata_id = "Q0"
        elif change == "delete":
            session.delete(session.exec(select(Alias).where(Alias.organization_id == org.id)).first())
        else:
            session.add(Alias(text="Открытый ИИ", key="открытыйии", organization_id=org.id))
    with Session(gazetteer_engine) as session:
        after = database_version(session.connection())
        assert after != before and after == database_version(session.connection())  # reading changes nothing


def test_a_rolled_back_change_leaves_the_version(gazetteer_engine):
    with Session(gazetteer_engine) as session:
        before = database_version(session.connection())
        session.exec(select(Organization)).first().wikidata_id = "Q0"
        session.flush()
        session.rollback()
        assert database_version(session.connection()) == before


def test_the_etag_changes_with_the_software_version(monkeypatch):
    etag = etag_for("uid.1", "/timeline", "")
    monkeypatch.setattr("api.caching.__version__", "99.0")
    assert etag_for("uid.1", "/timeline", "") != etag


def test_two_knowledge_bases_never_share_a_version(db_url, empty_db_url):
    """Each database made by the migrations has a uid of its own (a copy of one is the same knowledge base)."""
    migrate(empty_db_url)
    with get_engine(db_url).connect() as one, get_engine(empty_db_url).connect() as two:
        assert database_version(one) != database_version(two)
        assert database_version(one).endswith(".0") and database_version(two).endswith(".0")
