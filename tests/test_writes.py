"""Writes over HTTP: articles submitted, events corrected and deleted, their history, body limits."""

import asyncio
import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.main import create_app
from kb.articles import read_article
from kb.db import STORING_LOCK_KEY, get_engine
from kb.extract import extract_events
from kb.ingest import seed_paths
from kb.models import Event, EventKind, Evidence, Person
from kb.queries import TimelineFilter, iter_timeline

LEAK = {
    "title": "Исходники модели LLaMA утекли в сеть",
    "text": (
        "3 марта 2023 года на форуме 4chan появилась ссылка на торрент с весами языковой модели LLaMA, "
        "которую компания Meta раздавала только исследователям.\n\nОб утечке первым сообщило издание The Verge."
    ),
    "published": "2023-03-06",
    "url": "https://example.org/llama-leak",
    "source": "Пример",
}


def _event_facts(event: dict) -> tuple:
    """What the pipeline decided about an event, without ids that differ between databases."""
    return (
        event["kind"],
        event["title"],
        event["date"]["start"],
        event["date"]["end"],
        event["date"]["precision"],
        sorted((o["name"], o["role"]) for o in event["organizations"]),
        sorted(m["name"] for m in event["models"]),
        sorted((s["quote"], s["char_start"]) for s in event["sources"]),
    )


def _posted(client: TestClient, article: dict = LEAK) -> dict:
    response = client.post("/articles", json=article)
    assert response.status_code == 201, response.text
    return response.json()


def _history(client: TestClient, event_id: int) -> list[dict]:
    response = client.get(f"/events/{event_id}/history")
    assert response.status_code == 200, response.text
    return response.json()


# --- POST /articles ---------------------------------------------------------------------------


def test_a_posted_article_gives_the_events_kb_seed_gives(writable_client, databases, tmp_path: Path):
    seed_file = next(p for p in sorted((Path(__file__).parents[1] / "seeds" / "articles").glob("*.md")))
    article = read_article(seed_file)
    body = {"title": article.title, "text": article.text, "published": str(article.published)}
    posted = _posted(writable_client, body)

    seeded_url = databases.create(tmp_path)
    try:
        seed_paths(get_engine(seeded_url), [seed_file])
        with Session(get_engine(seeded_url)) as session:
            seeded = [e.model_dump(mode="json") for e in iter_timeline(session, TimelineFilter())]
    finally:
        databases.drop(seeded_url)
    assert posted["events"], "the seed article reports at least one event"
    assert sorted(map(_event_facts, posted["events"])) == sorted(map(_event_facts, seeded))


def test_a_posted_article_is_stored_with_its_events_and_a_location(writable_client):
    response = writable_client.post("/articles", json=LEAK)
    assert response.status_code == 201
    body = response.json()
    assert body["stored"] is True
    assert response.headers["location"] == f"/articles/{body['article_id']}"
    assert body["new_events"] and set(body["new_events"]) <= {e["id"] for e in body["events"]}
    assert any("LLaMA" in [m["name"] for m in e["models"]] for e in body["events"])
    assert all(s["article_id"] == body["article_id"] for e in body["events"] for s in e["sources"])
    stored = writable_client.get(f"/articles/{body['article_id']}").json()
    assert (stored["title"], stored["url"], stored["source"], stored["published"]) == (
        LEAK["title"], LEAK["url"], LEAK["source"], LEAK["published"]
    )
    assert {e["id"] for e in stored["events"]} == {e["id"] for e in body["events"]}


def test_posting_the_same_article_again_changes_nothing(writable_client):
    first = _posted(writable_client)
    timeline = writable_client.get("/timeline").json()["items"]
    # The same content, written with other line endings, is the same article.
    again = writable_client.post("/articles", json=LEAK | {"text": LEAK["text"].replace("\n", "\r\n")})
    twice = writable_client.post("/articles", json=LEAK)
    for response in (again, twice):
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["stored"] is False and body["new_events"] == []
        assert body["article_id"] == first["article_id"]
        assert [e["id"] for e in body["events"]] == [e["id"] for e in first["events"]]
    assert writable_client.get("/timeline").json()["items"] == timeline
    created = [entry for entry in _history(writable_client, first["events"][0]["id"]) if entry["action"] == "create"]
    assert len(created) == 1 and created[0]["actor"] == "api"


def test_a_second_report_of_an_event_adds_a_source_and_is_audited(writable_client):
    first = _posted(writable_client)
    leak = next(e for e in first["events"] if e["kind"] == "leak")
    # Reports merge into a dated event; the date is set as a person would correct it.
    writable_client.patch(f"/events/{leak['id']}", json={"date_start": "2023-03-03", "date_end": "2023-03-03"})
    second = _posted(
        writable_client,
        {
            "title": "Модель LLaMA от Meta оказалась в открытом доступе",
            "text": "Веса LLaMA утекли на 4chan 3 марта 2023 года, пишет The Verge. В Meta утечку подтвердили.",
            "published": "2023-03-07",
        },
    )
    assert leak["id"] in [e["id"] for e in second["events"]] and leak["id"] not in second["new_events"], second
    merged = writable_client.get(f"/events/{leak['id']}").json()
    assert {s["article_id"] for s in merged["sources"]} == {first["article_id"], second["article_id"]}
    last = _history(writable_client, leak["id"])[-1]
    assert (last["action"], last["before"], last["after"]["source_added"]) == ("update", None, second["article_id"])


BAD_ARTICLES = [
    ({"title": ""}, "title"),
    ({"text": "   "}, "text"),
    ({"published": "2099-01-01"}, "published"),
    ({"published": "вчера"}, "published"),
    ({"author": "someone"}, "author"),
    ({"text": "нулевой\x00символ"}, "text"),
]


def test_a_bad_article_is_refused_naming_the_field(writable_client):
    for change, field in BAD_ARTICLES:
        response = writable_client.post("/articles", json=LEAK | change)
        assert response.status_code == 422, (change, response.text)
        assert field in str(response.json()), change
    assert writable_client.get("/timeline").json()["items"] == []


# --- PATCH, DELETE, history ------------------------------------------------------------------


def test_patch_changes_the_fields_given_and_records_before_and_after(writable_client):
    event = _posted(writable_client)["events"][0]
    response = writable_client.patch(
        f"/events/{event['id']}",
        json={"kind": "announcement", "title": "Анонс LLaMA (Meta)", "confidence": 0.5},
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert (patched["kind"], patched["title"], patched["confidence"]) == ("announcement", "Анонс LLaMA (Meta)", 0.5)
    assert patched["date"] == event["date"] and patched["sources"] == event["sources"]
    assert writable_client.get(f"/events/{event['id']}").json() == patched
    entry = _history(writable_client, event["id"])[-1]
    assert (entry["action"], entry["actor"], entry["entity"], entry["entity_id"]) == ("update", "api", "event", event["id"])
    assert (entry["before"]["kind"], entry["before"]["title"], entry["before"]["confidence"]) == (
        event["kind"], event["title"], event["confidence"]
    )
    assert (entry["after"]["kind"], entry["after"]["title"], entry["after"]["confidence"]) == ("announcement", "Анонс LLaMA (Meta)", 0.5)


def test_patch_of_a_title_updates_full_text_search(writable_client):
    event = _posted(writable_client)["events"][0]
    assert writable_client.get("/timeline", params={"q": "жираф"}).json()["items"] == []
    writable_client.patch(f"/events/{event['id']}", json={"title": "Жираф и LLaMA"})
    found = writable_client.get("/timeline", params={"q": "жирафы"}).json()["items"]
    assert [e["id"] for e in found] == [event["id"]]


def test_patch_of_a_date_sets_its_value_and_drops_what_was_inferred(writable_client):
    event = _posted(writable_client)["events"][0]
    url = f"/events/{event['id']}"
    month = writable_client.patch(url, json={"date_start": "2023-02-01", "date_end": "2023-02-28", "precision": "month"}).json()
    assert month["date"] | {"text": None} == {
        "start": "2023-02-01", "end": "2023-02-28", "precision": "month", "modifier": None, "text": None,
        "value": "2023-02", "year_inferred": False, "year_inference_reason": None, "source": None,
    }
    day = writable_client.patch(url, json={"date_start": "2023-03-04", "date_end": "2023-03-04"}).json()["date"]
    assert (day["start"], day["precision"], day["value"]) == ("2023-03-04", "day", "2023-03-04")
    span = writable_client.patch(url, json={"date_end": "2023-03-09", "precision": "day"}).json()["date"]
    assert (span["start"], span["end"], span["value"]) == ("2023-03-04", "2023-03-09", "2023-03-04/2023-03-09")
    unknown = writable_client.patch(url, json={"date_start": None, "date_end": None}).json()["date"]
    assert (unknown["start"], unknown["end"], unknown["value"]) == (None, None, None)


BAD_PATCHES = [
    ({"date_start": "2023-03-05", "date_end": "2023-03-01"}, "date_start"),
    ({"date_end": "2020-01-01"}, "date_end"),
    ({"date_start": None}, "date_end"),
    ({"date_start": "2023-03-01", "date_end": "2023-03-05", "precision": None}, "precision"),
    ({"kind": "rumour"}, "kind"),
    ({"kind": None}, "kind"),
    ({"confidence": 1.5}, "confidence"),
    ({"title": "  "}, "title"),
    ({"models": [999999]}, "models"),
    ({"models": [2**40]}, "models"),
    ({"organizations": [{"id": 999999, "role": "subject"}]}, "organizations"),
    ({"organizations": [{"id": 1, "role": "boss"}]}, "organizations"),
    ({"people": [{"id": 999999}]}, "people"),
    ({"sources": []}, "sources"),
]


def test_a_bad_patch_is_refused_naming_the_field_and_changes_nothing(writable_client):
    event = _posted(writable_client)["events"][0]
    url = f"/events/{event['id']}"
    writable_client.patch(url, json={"date_start": "2023-03-03", "date_end": "2023-03-03"})
    before = writable_client.get(url).json()
    history = _history(writable_client, event["id"])
    for patch, field in BAD_PATCHES:
        response = writable_client.patch(url, json=patch)
        assert response.status_code == 422, (patch, response.text)
        assert field in str(response.json()), patch
    assert writable_client.get(url).json() == before
    assert _history(writable_client, event["id"]) == history


def test_patch_replaces_links_and_drops_duplicates(writable_client, db_url):
    event = _posted(writable_client)["events"][0]
    with Session(get_engine(db_url)) as session:
        person = Person(name="Янн Лекун", reviewed=False)
        session.add(person)
        session.commit()
        person_id = person.id
    orgs = {o["name"]: o["id"] for o in writable_client.get("/organizations").json()}
    models = {m["name"]: m["id"] for m in writable_client.get("/models").json()}
    response = writable_client.patch(
        f"/events/{event['id']}",
        json={
            "organizations": [
                {"id": orgs["Meta"], "role": "subject"},
                {"id": orgs["Meta"], "role": "subject"},
                {"id": orgs["4chan"], "role": "platform"},
            ],
            "models": [models["LLaMA-7B"], models["LLaMA-65B"], models["LLaMA-7B"]],
            "people": [{"id": person_id}],
        },
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert sorted((o["name"], o["role"]) for o in patched["organizations"]) == [("4chan", "platform"), ("Meta", "subject")]
    assert sorted(m["name"] for m in patched["models"]) == ["LLaMA-65B", "LLaMA-7B"]
    assert [(p["name"], p["role"]) for p in patched["people"]] == [("Янн Лекун", "subject")]
    entry = _history(writable_client, event["id"])[-1]
    assert [m["name"] for m in entry["after"]["models"]] == sorted(["LLaMA-7B", "LLaMA-65B"], key=models.get)
    emptied = writable_client.patch(f"/events/{event['id']}", json={"people": [], "models": []}).json()
    assert emptied["people"] == [] and emptied["models"] == [] and len(emptied["organizations"]) == 2


def test_a_patch_that_changes_nothing_records_nothing(writable_client):
    event = _posted(writable_client)["events"][0]
    entries = _history(writable_client, event["id"])
    response = writable_client.patch(f"/events/{event['id']}", json={"kind": event["kind"], "title": event["title"]})
    assert response.status_code == 200
    assert _history(writable_client, event["id"]) == entries


def test_delete_removes_the_event_but_not_its_article_and_keeps_its_history(writable_client):
    posted = _posted(writable_client)
    event = posted["events"][0]
    response = writable_client.delete(f"/events/{event['id']}")
    assert response.status_code == 204 and response.content == b""
    assert writable_client.get(f"/events/{event['id']}").status_code == 404
    assert writable_client.delete(f"/events/{event['id']}").status_code == 404
    assert event["id"] not in [e["id"] for e in writable_client.get("/timeline").json()["items"]]
    assert writable_client.get(f"/articles/{posted['article_id']}").status_code == 200
    history = _history(writable_client, event["id"])
    assert [entry["action"] for entry in history] == ["create", "delete"]
    assert history[-1]["after"] is None
    assert history[-1]["before"]["title"] == event["title"]
    assert [s["quote"] for s in history[-1]["before"]["sources"]] == [s["quote"] for s in event["sources"]]
    # Submitting the article again does not bring the deleted event back.
    again = writable_client.post("/articles", json=LEAK).json()
    assert event["id"] not in [e["id"] for e in again["events"]] and again["new_events"] == []


def test_history_is_oldest_first_and_404_for_an_event_never_seen(writable_client):
    event = _posted(writable_client)["events"][0]
    for confidence in (0.55, 0.45, 0.35):
        writable_client.patch(f"/events/{event['id']}", json={"confidence": confidence})
    history = _history(writable_client, event["id"])
    assert [e["action"] for e in history] == ["create", "update", "update", "update"]
    assert [e["after"]["confidence"] for e in history[1:]] == [0.55, 0.45, 0.35]
    assert [e["id"] for e in history] == sorted(e["id"] for e in history)
    assert history == sorted(history, key=lambda e: e["at"])
    for path in ("/events/999999/history",):
        assert writable_client.get(path).status_code == 404
    for method, path, body in (("patch", "/events/999999", {"confidence": 1}), ("delete", "/events/999999", None)):
        response = writable_client.request(method, path, json=body)
        assert response.status_code == 404 and "999999" in response.text


# --- request body limit ----------------------------------------------------------------------


@pytest.fixture
def small_limit_client(db_url, gazetteer_engine, writer_headers, monkeypatch):
    monkeypatch.setenv("KB_MAX_BODY_BYTES", "2000")
    with TestClient(create_app(db_url), headers=writer_headers) as client:
        yield client


def _oversized() -> dict:
    return LEAK | {"text": LEAK["text"] * 10}


def test_a_body_above_the_limit_is_refused_with_413(small_limit_client):
    response = small_limit_client.post("/articles", json=_oversized())
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 413 and "2000" in response.json()["detail"]
    assert small_limit_client.get("/timeline").json()["items"] == []
    # Refused on the declared length, whatever the route would have done with the body.
    assert small_limit_client.request("DELETE", "/events/1", content=b"x" * 3000).status_code == 413
    assert small_limit_client.post("/articles", json=LEAK).status_code == 201


def test_a_chunked_body_is_counted_and_refused(small_limit_client):
    chunks = (b" " * 500 for _ in range(100))  # no Content-Length: sent chunked
    response = small_limit_client.post("/articles", content=chunks, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "2000" in response.json()["detail"]
    assert small_limit_client.get("/timeline").json()["items"] == []


def test_a_streamed_body_is_not_read_past_the_limit(db_url, writer_headers, monkeypatch):
    # FastAPI's test client hands the application a body in one piece; speak ASGI directly
    # to send it in chunks, as a server does, and count how many the application asked for.
    monkeypatch.setenv("KB_MAX_BODY_BYTES", "2000")
    app = create_app(db_url)
    received, sent = [], []
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/articles", "raw_path": b"/articles", "query_string": b"", "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked"),
                    (b"authorization", writer_headers["Authorization"].encode())],
        "client": ("127.0.0.1", 1), "server": ("testserver", 80),
    }

    async def receive():
        received.append(500)
        return {"type": "http.request", "body": b" " * 500, "more_body": len(received) < 100}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert sum(received) <= 2500, f"{sum(received)} bytes read for a limit of 2000"


def test_a_chunked_body_under_the_limit_goes_in(small_limit_client):
    payload = json.dumps(LEAK).encode()
    response = small_limit_client.post(
        "/articles",
        content=(payload[i : i + 100] for i in range(0, len(payload), 100)),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 201, response.text


def test_the_default_limit_is_one_megabyte(writable_client):
    assert writable_client.post("/articles", json=LEAK | {"text": "а" * 600_000}).status_code == 413
    assert writable_client.post("/articles", json=LEAK | {"text": "a" * 400_000 + "."}).status_code == 201


def test_a_limit_that_is_not_a_size_stops_the_application_from_starting(db_url, monkeypatch):
    monkeypatch.setenv("KB_MAX_BODY_BYTES", "1MB")
    with pytest.raises(ValueError, match="KB_MAX_BODY_BYTES"):
        create_app(db_url)


def _storing_is_open(engine) -> bool:
    """Whether a transaction could begin storing now (kb.db.begin_storing), asked from another connection without waiting."""
    if engine.dialect.name == "sqlite":
        other = sqlite3.connect(engine.url.database, timeout=0.1)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.rollback()
            return True
        except sqlite3.OperationalError:  # database is locked
            return False
        finally:
            other.close()
    with engine.connect() as other:
        free = other.execute(sa.text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": STORING_LOCK_KEY}).scalar_one()
        other.rollback()
        return free


def test_an_article_is_extracted_before_its_storing_transaction_begins(writable_client, engine, monkeypatch):
    # Extraction is the slow part: other submissions and seed runs may store meanwhile.
    open_while_extracting = []

    def extracting(*args, **kwargs):
        open_while_extracting.append(_storing_is_open(engine))
        return extract_events(*args, **kwargs)

    for module in ("kb.editing", "kb.ingest"):  # wherever the pipeline extracts from
        monkeypatch.setattr(f"{module}.extract_events", extracting, raising=False)
    _posted(writable_client)
    assert open_while_extracting == [True]
    assert _storing_is_open(engine)  # and nothing is left holding it


def test_concurrent_reports_of_one_event_through_the_api_make_one_event(writable_client, engine):
    # Four reports of the same leak at once. Each transaction must see the events stored before
    # it, or each stores the leak as new (it did on PostgreSQL): they store one at a time, on
    # every engine (kb.ingest._begin_writing). Every request stored, one event, four sources.
    reports = [
        LEAK | {"title": f"Утечка LLaMA, заметка {n}", "url": f"https://example.org/leak-{n}", "text": LEAK["text"] + f" Заметка {n}."}
        for n in range(4)
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda report: writable_client.post("/articles", json=report), reports))
    assert [answer.status_code for answer in answers] == [201] * 4, [answer.text for answer in answers]
    with Session(engine) as session:
        leaks = session.exec(select(Event).where(Event.kind == EventKind.leak)).all()
        assert len(leaks) == 1
        assert len(session.exec(select(Evidence).where(Evidence.event_id == leaks[0].id)).all()) == 4
