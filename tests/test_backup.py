"""Backups: `kb dump` and `kb restore` give back the same knowledge base, on either engine."""

import io
import json
import re
from datetime import datetime, timezone

import pytest
from alembic.script import ScriptDirectory
from sqlmodel import Session, select

from kb.backup import RestoreError, dump, restore
from kb.db import alembic_config, get_engine, migrate, session_scope
from kb.ingest import seed_paths
from kb.models import AIModel, Alias, AuditAction, AuditEntry, DatabaseState, Organization, Person
from tests.conftest import SEED_ARTICLES


def _dump(url: str) -> str:
    out = io.StringIO()
    with Session(get_engine(url)) as session:
        dump(session, out)
    return out.getvalue()


def _restore(url: str, text: str) -> dict[str, int]:
    with session_scope(get_engine(url)) as session:
        return restore(session, io.StringIO(text))


@pytest.fixture(scope="module")
def seeded_dump(seeded_url) -> str:
    return _dump(seeded_url)


def _database_uid(url: str) -> str:
    with Session(get_engine(url)) as session:
        return session.exec(select(DatabaseState.uid)).one()


def test_dump_is_json_lines_in_dependency_and_id_order(seeded_dump, seeded_url):
    header, *rows = [json.loads(line) for line in seeded_dump.splitlines()]
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert header.pop("database_uid") == _database_uid(seeded_url)
    assert header == {"kb_dump": 1, "schema_revision": head}
    tables = [row["table"] for row in rows]
    for referring, referred in (("alias", "organization"), ("event_model", "ai_model"), ("evidence", "article"), ("evidence", "event")):
        assert max(i for i, t in enumerate(tables) if t == referred) < min(i for i, t in enumerate(tables) if t == referring)
    evidence = [row for row in rows if row["table"] == "evidence"]
    assert evidence and [row["id"] for row in evidence] == sorted(row["id"] for row in evidence)
    article = next(row for row in rows if row["table"] == "article")
    assert datetime.fromisoformat(article["ingested_at"]).utcoffset().total_seconds() == 0
    assert {"article", "event", "event_search", "organization", "ai_model", "alias"} <= set(tables)


def test_restore_into_a_fresh_database_dumps_identically(seeded_dump, empty_db_url):
    """A database migrated on its own has a uid of its own; the restore gives it the dump's,
    so that the knowledge base keeps its iCalendar UIDs wherever it moves."""
    migrate(empty_db_url)
    counts = _restore(empty_db_url, seeded_dump)
    assert sum(counts.values()) == len(seeded_dump.splitlines()) - 1
    assert _dump(empty_db_url) == seeded_dump


def test_people_audit_and_a_family_listed_after_its_variant_survive(databases, db_url, tmp_path):
    """Rows the corpus does not make: a person, an audit entry with JSON, a forward self-reference."""
    with session_scope(get_engine(db_url)) as session:
        variant = AIModel(name="Variant-7B")
        session.add(variant)
        session.flush()
        family = AIModel(name="Family")
        session.add(family)
        session.flush()
        variant.family_id = family.id  # the family's id is the larger one
        person = Person(name="Сэм Альтман", reviewed=False)
        session.add(person)
        session.flush()
        session.add(Alias(text="Альтман", key="альтман", person_id=person.id))
        session.add(AuditEntry(actor="editor", action=AuditAction.update, entity="person", entity_id=person.id,
                               at=datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc),
                               before={"name": "Sam Altman"}, after={"name": "Сэм Альтман", "tags": [1, None]}))
    first = _dump(db_url)
    copy = databases.create(tmp_path)
    try:
        _restore(copy, first)
        assert _dump(copy) == first
        with Session(get_engine(copy)) as session:
            restored = session.exec(select(AIModel).where(AIModel.name == "Variant-7B")).one()
            assert restored.family_id == session.exec(select(AIModel.id).where(AIModel.name == "Family")).one()
            entry = session.exec(select(AuditEntry)).one()
            assert entry.after == {"name": "Сэм Альтман", "tags": [1, None]} and entry.at.tzinfo is not None
    finally:
        databases.drop(copy)


def test_new_rows_after_a_restore_get_fresh_ids(seeded_dump, db_url, tmp_path):
    """On PostgreSQL the id sequences must be moved past the restored ids."""
    _restore(db_url, seeded_dump)
    with session_scope(get_engine(db_url)) as session:
        largest = max(session.exec(select(Organization.id)))
        added = Organization(name="Новая организация")
        session.add(added)
        session.flush()
        assert added.id == largest + 1
    article = tmp_path / "new.md"
    article.write_text("---\ntitle: Anthropic представила Claude 3\npublished: 2024-03-05\n---\n"
                       "Anthropic 4 марта 2024 года представила Claude 3.\n", encoding="utf-8")
    report = seed_paths(get_engine(db_url), [article])
    assert report.stored and not report.failed


class _WrittenToWhileDumping(io.StringIO):
    """An output that, once the dump has begun, has another connection add a row and commit."""

    def __init__(self, url: str):
        super().__init__()
        self.url = url

    def write(self, text: str) -> int:
        if not self.tell():
            with session_scope(get_engine(self.url)) as session:
                session.add(Organization(name="Появилась во время выгрузки"))
        return super().write(text)


def test_a_dump_is_one_moment_of_the_database_while_others_write(seeded_dump, db_url):
    _restore(db_url, seeded_dump)
    out = _WrittenToWhileDumping(db_url)
    with Session(get_engine(db_url)) as session:
        dump(session, out)
    assert out.getvalue() == seeded_dump
    assert "Появилась во время выгрузки" in _dump(db_url)


def test_restore_refuses_a_database_that_is_not_empty(seeded_url, seeded_dump):
    with pytest.raises(RestoreError, match="not empty"):
        _restore(seeded_url, seeded_dump)
    assert _dump(seeded_url) == seeded_dump


@pytest.mark.parametrize("damage, message", [
    (lambda text: text.replace('"table":"event"', '"table":"happening"', 1), "unknown table 'happening'"),
    (lambda text: text.replace('"date_start":"', '"date_start":"вчера', 1), "event.date_start is not an ISO date"),
    (lambda text: text.replace('"quote":', '"citation":', 1), "evidence has no column 'citation'"),
    (lambda text: text + "{not json\n", "not JSON"),
    (lambda text: re.sub(r'("table":"evidence",.*?"event_id":)\d+', r"\g<1>999999", text, count=1), r"lines \d+-\d+ \(evidence\): rows the schema refuses"),
    (lambda text: text.replace('"kind":"leak"', '"kind":"rumour"', 1), r"\(event\): rows the schema refuses"),
    (lambda text: "hello\n" + text, "line 1: not JSON"),
])
def test_a_damaged_dump_is_refused_with_its_line_and_loads_nothing(seeded_dump, db_url, damage, message):
    with pytest.raises(RestoreError, match=message):
        _restore(db_url, damage(seeded_dump))
    assert _dump(db_url).count("\n") == 1  # the header only: everything was rolled back


def test_cli_dump_and_restore(cli, seeded_url, db_url, tmp_path):
    backup = tmp_path / "kb.jsonl"
    dumped = cli("--db", seeded_url, "dump", "-o", str(backup))
    assert dumped.exit_code == 0 and f"to {backup}" in dumped.stderr
    restored = cli("--db", db_url, "restore", str(backup))
    assert restored.exit_code == 0
    rows = len(backup.read_text(encoding="utf-8").splitlines()) - 1
    assert restored.stdout.strip() == f"restored {rows} rows from {backup}"
    assert cli("--db", db_url, "dump").stdout == backup.read_text(encoding="utf-8")
    again = cli("--db", db_url, "restore", str(backup))
    assert again.exit_code == 1
    assert again.stderr.startswith(f"error: {backup}: the database is not empty")


def test_cli_restore_migrates_an_empty_database_first(cli, seeded_dump, empty_db_url, tmp_path):
    backup = tmp_path / "kb.jsonl"
    backup.write_text(seeded_dump, encoding="utf-8")
    assert cli("--db", empty_db_url, "restore", str(backup)).exit_code == 0
    assert _dump(empty_db_url) == seeded_dump


@pytest.mark.postgresql_only(reason="the round trip needs a PostgreSQL server: set KB_TEST_DATABASE_URL or --db-url")
def test_sqlite_to_postgresql_to_sqlite_gives_identical_dumps(databases, db_url, tmp_path):
    first_sqlite = f"sqlite:///{tmp_path / 'first.sqlite'}"
    migrate(first_sqlite)
    assert not seed_paths(get_engine(first_sqlite), [SEED_ARTICLES]).failed
    from_sqlite = _dump(first_sqlite)

    _restore(db_url, from_sqlite)  # db_url is PostgreSQL in this run
    from_postgresql = _dump(db_url)

    second_sqlite = f"sqlite:///{tmp_path / 'second.sqlite'}"
    migrate(second_sqlite)
    _restore(second_sqlite, from_postgresql)

    assert from_postgresql == from_sqlite
    assert _dump(second_sqlite) == from_sqlite
