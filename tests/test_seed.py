"""Seeding: idempotent, one transaction per article, bad files reported and skipped."""

import subprocess
import sys
from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from kb.db import get_engine
from kb.ingest import seed_paths
from kb.models import Article
from tests.conftest import REPO, SEED_ARTICLES


def _snapshot(engine) -> dict[str, list]:
    """Every row of every table (timestamps aside)."""
    snapshot = {}
    with engine.connect() as connection:
        for table in sa.inspect(connection).get_table_names():
            if table == "alembic_version":
                continue
            rows = connection.exec_driver_sql(f'SELECT * FROM "{table}"').mappings().all()
            snapshot[table] = sorted(repr(sorted((k, v) for k, v in r.items() if k != "ingested_at")) for r in rows)
    return snapshot


def test_seeding_twice_changes_nothing(cli, engine, db_url):
    first = cli("--db", db_url, "seed", str(SEED_ARTICLES))
    assert first.exit_code == 0, first.output
    before = _snapshot(engine)
    assert before["article"] and before["event"] and before["evidence"]
    second = cli("--db", db_url, "seed", str(SEED_ARTICLES))
    assert second.exit_code == 0
    assert "0 stored" in second.output
    assert _snapshot(engine) == before


def test_broken_file_is_reported_and_skipped(cli, engine, db_url, tmp_path):
    good = tmp_path / "good.md"
    good.write_text("---\ntitle: Anthropic представила Claude 3\npublished: 2024-03-05\n---\n"
                    "Anthropic 4 марта 2024 года представила Claude 3.\n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("Заголовок\nтекст".encode("cp1251"))
    (tmp_path / "bad-yaml.md").write_text("---\ntitle: [unclosed\n---\nТекст.\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")

    result = cli("--db", db_url, "seed", str(tmp_path), str(tmp_path / "missing.txt"))

    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 4
    assert any("latin1.txt: not UTF-8" in e for e in errors)
    assert any("bad-yaml.md: line" in e and "not valid YAML" in e for e in errors)
    assert any("empty.txt: empty file" in e for e in errors)
    assert any("missing.txt" in e and "No such file" in e for e in errors)
    with Session(engine) as session:
        assert [a.file_name for a in session.exec(select(Article))] == ["good.md"]


def test_published_option_only_fills_files_without_a_date(cli, engine, db_url, tmp_path):
    (tmp_path / "dated.md").write_text("---\ntitle: A\npublished: 2024-03-05\n---\nТекст статьи.\n", encoding="utf-8")
    (tmp_path / "plain.txt").write_text("Заголовок\nТекст статьи.\n", encoding="utf-8")
    assert cli("--db", db_url, "seed", str(tmp_path), "--published", "2023-01-01").exit_code == 0
    with Session(engine) as session:
        published = {a.file_name: str(a.published) for a in session.exec(select(Article))}
    assert published == {"dated.md": "2024-03-05", "plain.txt": "2023-01-01"}


def test_bad_published_option_is_refused(cli, db_url):
    result = cli("--db", db_url, "seed", str(SEED_ARTICLES), "--published", "06.03.2023")
    assert result.exit_code == 2
    assert "--published" in result.output and "YYYY-MM-DD" in result.output


def test_python_dash_m_kb_works(tmp_path):
    url = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    done = subprocess.run(
        [sys.executable, "-m", "kb", "--db", url, "date", "3 марта", "--ref", "2023-03-06"],
        capture_output=True, text=True, cwd=REPO, check=True,
    )
    assert '"start": "2023-03-03"' in done.stdout


def test_a_publication_date_in_the_future_is_refused(cli, db_url, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Заголовок\nOpenAI 13 мая выпустила GPT-4o.\n", encoding="utf-8")
    result = cli("--db", db_url, "seed", str(article), "--published", "2099-01-01")
    assert result.exit_code == 2 and "2099-01-01 is in the future" in result.output
    with pytest.raises(ValueError, match="in the future"):
        seed_paths(get_engine(db_url), [article], date(2099, 1, 1))


def test_a_date_given_to_a_stored_file_is_said_not_to_be_applied(cli, db_url, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Заголовок\nOpenAI 13 мая выпустила GPT-4o.\n", encoding="utf-8")
    assert cli("--db", db_url, "seed", str(article)).exit_code == 0
    again = cli("--db", db_url, "seed", str(article), "--published", "2024-05-14")
    assert again.exit_code == 0 and "0 stored, 1 unchanged" in again.stdout
    assert f"note: {article}: stored already, published on no date given; the date 2024-05-14 is not applied" in again.stderr
    same = cli("--db", db_url, "seed", str(article))
    assert "note:" not in same.stderr  # nothing given, nothing ignored
