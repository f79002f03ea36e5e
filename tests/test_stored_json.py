"""Each event's stored public JSON (kb/stored_json.py): always what building it now gives.

The timeline reads ``event_json`` instead of building each event's JSON. These tests
change everything an event's JSON shows, through the API, the library and plain SQL, and
check after each change that the stored text is exactly what the database builds now, or
NULL (and then built by readers) where no session has committed since.
"""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from kb.backup import dump, restore
from kb.db import get_engine, migrate, session_scope
from kb.event_lists import event_document_column
from kb.ingest import seed_paths
from kb.models import AIModel, Article, Event, EventJson, Organization, StoredFormat
from kb.stored_json import FORMAT_NAME, refresh_public_json
from tests.conftest import SEED_ARTICLES
from tests.test_writes import _posted

REPORT_OF_THE_LEAK = {
    "title": "Веса LLaMA оказались в открытом доступе",
    "text": (
        "Как стало известно, 3 марта 2023 года веса языковой модели LLaMA компании Meta утекли на форум 4chan.\n\n"
        "Торрент со всеми версиями модели разошёлся за несколько часов."
    ),
    "published": "2023-03-07",
    "url": "https://example.org/llama-weights",
    "source": "Другой пример",
}


def _stored_and_built(engine: sa.Engine) -> list[tuple[int, str | None, str]]:
    """Every event's id, stored JSON (None: none stored) and JSON built now."""
    with engine.connect() as connection:
        built = event_document_column(connection.dialect.name)
        statement = select(Event.id, EventJson.public_json, built).outerjoin(EventJson, EventJson.event_id == Event.id)
        return [tuple(row) for row in connection.execute(statement.order_by(Event.id))]


def assert_current(engine: sa.Engine) -> None:
    """Every event has stored JSON, and it is what building it now gives."""
    rows = _stored_and_built(engine)
    assert rows, "no events to check"
    missing = [event_id for event_id, stored, _ in rows if stored is None]
    assert not missing, f"events without stored JSON: {missing}"
    stale = [event_id for event_id, stored, built in rows if stored != built]
    assert not stale, f"events whose stored JSON is stale: {stale}"


def _stale_ids(engine: sa.Engine) -> set[int]:
    with engine.connect() as connection:
        return set(connection.execute(select(EventJson.event_id).where(col(EventJson.public_json).is_(None))).scalars())


def test_a_seeded_corpus_has_every_events_json_stored(seeded_url):
    assert_current(get_engine(seeded_url))


def test_the_timeline_sends_the_stored_json(client, seeded_url):
    with get_engine(seeded_url).connect() as connection:
        stored = connection.execute(select(EventJson.public_json)).scalars().all()
    body = client.get("/timeline", params={"limit": 1000}).text
    assert all(text in body for text in stored)


def test_writes_through_the_api_leave_every_events_json_current(writable_client, engine):
    leak = _posted(writable_client)["events"][0]
    assert_current(engine)
    _posted(writable_client, REPORT_OF_THE_LEAK)  # a second source for the same event
    assert_current(engine)
    url = f"/events/{leak['id']}"
    for patch in (
        {"title": "Утечка весов LLaMA", "kind": "announcement", "confidence": 0.75},
        {"date_start": "2023-03-01", "date_end": "2023-03-31", "precision": "month"},
        {"models": [], "people": []},
    ):
        assert writable_client.patch(url, json=patch).status_code == 200
        assert_current(engine)
    orgs = {o["name"]: o["id"] for o in writable_client.get("/organizations").json()}
    models = {m["name"]: m["id"] for m in writable_client.get("/models").json()}
    patch = {"organizations": [{"id": orgs["4chan"], "role": "platform"}], "models": [models["LLaMA-13B"]]}
    assert writable_client.patch(url, json=patch).status_code == 200
    assert_current(engine)
    # Merging 4chan into Meta renames the event's organization: its JSON follows.
    response = writable_client.post(f"/organizations/{orgs['Meta']}/merge", json={"from": orgs["4chan"]})
    assert response.status_code == 200, response.text
    assert_current(engine)
    shown = writable_client.get(url).json()
    assert [o["name"] for o in shown["organizations"]] == ["Meta"]
    response = writable_client.post(f"/models/{models['LLaMA']}/merge", json={"from": models["LLaMA-13B"]})
    assert response.status_code == 200, response.text
    assert_current(engine)
    assert [m["name"] for m in writable_client.get(url).json()["models"]] == ["LLaMA"]
    assert writable_client.delete(url).status_code == 204
    with engine.connect() as connection:
        assert connection.execute(select(Event.id).where(Event.id == leak["id"])).first() is None


def _leak_with_its_organizations(engine: sa.Engine, writable_client) -> dict:
    leak = _posted(writable_client)["events"][0]
    assert_current(engine)
    return leak


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE organization SET name = 'Meta Platforms' WHERE name = 'Meta'",
        "UPDATE ai_model SET name = 'LLaMA 1' WHERE name = 'LLaMA'",
        "UPDATE article SET title = 'Другой заголовок', url = 'https://example.org/moved'",
        "UPDATE event SET title = 'Другое название'",
        "UPDATE evidence SET quote = 'другая цитата'",
        "DELETE FROM event_organization WHERE organization_id IN (SELECT id FROM organization WHERE name = 'Meta')",
        "INSERT INTO event_model (event_id, model_id) SELECT event.id, ai_model.id FROM event, ai_model WHERE ai_model.name = 'GPT-4'",
    ],
)
def test_any_change_to_what_an_event_shows_makes_its_stored_json_stale(writable_client, engine, change):
    leak = _leak_with_its_organizations(engine, writable_client)
    with engine.begin() as connection:  # plain SQL, no session: nothing stores the JSON again
        connection.execute(sa.text(change))
    assert leak["id"] in _stale_ids(engine)
    # Readers build what is not stored: the change shows at once.
    shown = writable_client.get("/timeline", params={"model": "LLaMA"}).json()["items"]
    built = {event_id: text for event_id, _, text in _stored_and_built(engine)}
    assert [event["id"] for event in shown] == [leak["id"]]
    assert writable_client.get("/timeline", params={"model": "LLaMA"}).text == '{"items":[' + built[leak["id"]] + '],"next":null}'
    # The next commit of a session stores it.
    with session_scope(engine):
        pass
    assert_current(engine)


def test_an_event_added_by_plain_sql_is_shown_and_its_json_stored_at_the_next_commit(writable_client, engine):
    with engine.begin() as connection:
        event_id = connection.execute(
            sa.insert(Event).values(kind="release", title="Событие без сессии", created_at=sa.func.current_timestamp())
        ).inserted_primary_key[0]
    assert event_id in _stale_ids(engine)
    assert writable_client.get("/timeline").json()["items"][-1]["title"] == "Событие без сессии"
    with session_scope(engine):
        pass
    assert_current(engine)


def test_changes_that_an_event_does_not_show_leave_its_json_stored(writable_client, engine):
    _leak_with_its_organizations(engine, writable_client)
    with engine.begin() as connection:
        connection.execute(sa.update(Organization).values(reviewed=False))
        connection.execute(sa.update(AIModel).values(wikidata_id="Q1"))
        connection.execute(sa.update(Article).values(source="Прочее"))
        connection.execute(sa.text("UPDATE alias SET key = key"))
    assert not _stale_ids(engine)


def test_migrate_builds_every_events_json_again_when_the_code_builds_it_otherwise(db_url, engine):
    seed_paths(engine, [SEED_ARTICLES / "2023-03-03-llama-weights-leak-4chan.html"])
    assert_current(engine)
    with engine.begin() as connection:  # as if stored by a version of kb that built other JSON
        connection.execute(sa.update(EventJson).values(public_json='{"old": true}'))
        connection.execute(sa.update(StoredFormat).where(StoredFormat.name == FORMAT_NAME).values(fingerprint="older code"))
    migrate(db_url)
    assert_current(engine)
    with engine.connect() as connection:
        assert connection.execute(select(StoredFormat.fingerprint)).scalar_one() != "older code"


def test_migrate_stores_what_rows_written_without_a_session_left_missing(db_url, engine):
    seed_paths(engine, [SEED_ARTICLES / "2023-03-03-llama-weights-leak-4chan.html"])
    with engine.begin() as connection:
        connection.execute(sa.update(EventJson).values(public_json=None))
    assert _stale_ids(engine)
    migrate(db_url)
    assert_current(engine)


def test_a_dump_leaves_the_stored_json_out_and_a_restore_builds_it(seeded_url, db_url, engine, tmp_path):
    path = tmp_path / "kb.jsonl"
    with Session(get_engine(seeded_url)) as session, path.open("w", encoding="utf-8") as out:
        counts = dump(session, out)
    assert "stored_format" not in counts and "event_json" not in counts
    assert "public_json" not in path.read_text(encoding="utf-8")
    with session_scope(engine) as session, path.open(encoding="utf-8") as lines:
        restore(session, lines)
    assert_current(engine)


def test_refreshing_with_nothing_missing_changes_nothing(seeded_url):
    with get_engine(seeded_url).connect() as connection:
        assert refresh_public_json(connection) == 0
        connection.rollback()


@pytest.mark.postgresql_only("two transactions changing one event at once; SQLite lets one writer in at a time")
def test_two_transactions_changing_one_event_at_once_leave_its_json_current(writable_client, engine):
    leak = _leak_with_its_organizations(engine, writable_client)
    first, second = engine.connect(), engine.connect()
    try:
        # The first renames the event's organization and stores the event's JSON, uncommitted.
        first.execute(sa.text("UPDATE organization SET name = 'Meta Platforms' WHERE name = 'Meta'"))
        assert refresh_public_json(first) >= 1

        def retitle() -> None:
            # Waits for the first to commit: clearing the JSON locks the event's row.
            second.execute(sa.update(Event).where(Event.id == leak["id"]).values(title="Новое название"))
            refresh_public_json(second)
            second.commit()

        thread = threading.Thread(target=retitle)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive(), "the second transaction should wait for the first"
        first.commit()
        thread.join(timeout=30)
        assert not thread.is_alive()
    finally:
        first.close()
        second.close()
    assert_current(engine)
    shown = writable_client.get(f"/events/{leak['id']}").json()
    assert shown["title"] == "Новое название" and "Meta Platforms" in [o["name"] for o in shown["organizations"]]
