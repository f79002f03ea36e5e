"""The `kb` command as a newcomer meets it: its help, its version, its options, its errors."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from kb import __version__
from tests.conftest import REPO


def _kb(*arguments: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``kb`` in a process of its own, as a shell runs it: what it prints, tracebacks included."""
    return subprocess.run(
        [sys.executable, "-m", "kb", *arguments], capture_output=True, text=True, cwd=REPO, timeout=120,
        env={**os.environ, "COLUMNS": "120", **(env or {})},
    )


def test_version(cli):
    assert cli("--version").stdout == f"kb {__version__}\n"


@pytest.mark.parametrize("command", [[], ["timeline"], ["export"], ["seed"], ["entities", "merge"], ["serve"]])
def test_help_names_values_not_python_types(cli, command):
    text = cli(*command, "--help").stdout
    assert "Usage:" in text
    for raw in ("<str>", "<int", "<bool>", "list[", "<float", "Path]", "<class"):
        assert raw not in text, (command, raw)
    if command:
        assert "--db URL" in text  # every command that uses the knowledge base takes --db


@pytest.mark.parametrize(
    "url, cause",
    [
        ("not a url", "not a database URL"),
        ("mysql://kb:s3cret@127.0.0.1/kb", "kb works with SQLite and PostgreSQL, not mysql"),
        ("postgresql+psycopg://kb:s3cret@127.0.0.1:1/kb", "Connection refused"),
        ("sqlite:////nonexistent-folder/kb.sqlite", "unable to open database file"),
    ],
)
def test_a_bad_database_url_is_one_line_naming_it_without_its_password(url, cause):
    for arguments, env in (
        (["--db", url, "timeline"], None),
        (["timeline", "--db", url], None),
        (["timeline"], {"KB_DATABASE_URL": url}),
    ):
        result = _kb(*arguments, env=env)
        assert result.returncode == 1 and result.stdout == "", (arguments, result.stderr)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: database ") and cause in lines[0], result.stderr
        assert "s3cret" not in result.stderr and "Traceback" not in result.stderr


def test_a_database_without_a_knowledge_base_says_how_to_make_one(empty_db_url):
    result = _kb("timeline", "--db", empty_db_url)
    assert result.returncode == 1 and "no knowledge base there yet" in result.stderr and "kb migrate" in result.stderr


def test_db_is_taken_before_or_after_the_command(cli, seeded_url):
    before = cli("--db", seeded_url, "timeline", "--kind", "leak").stdout
    assert "Утечка" in before and cli("timeline", "--kind", "leak", "--db", seeded_url).stdout == before


def test_limit_order_and_min_confidence_as_in_the_api(cli, client, seeded_url):
    def ids(*options):
        result = cli("timeline", "--db", seeded_url, "--format", "json", *options)
        assert result.exit_code == 0, result.output
        return [event["id"] for event in json.loads(result.stdout)]

    def api(**params):
        return [i["id"] for i in client.get("/timeline", params={"limit": 1000, **params}).json()["items"]]

    assert ids("--limit", "3") == api()[:3]
    assert ids("--order", "desc") == api(order="desc")
    assert ids("--min-confidence", "0.95") == api(min_confidence=0.95) != api()
    assert ids("--kind", "leak,release") == api(kind="leak,release") == ids("--kind", "leak", "--kind", "release")
    rows = list(csv.DictReader(io.StringIO(cli("timeline", "--db", seeded_url, "--format", "csv", "--limit", "2").stdout)))
    assert [int(r["id"]) for r in rows] == api()[:2]


def test_nothing_found_says_so(cli, seeded_url):
    result = cli("timeline", "--db", seeded_url, "--model", "Нет такой модели")
    assert result.exit_code == 0 and result.stdout == "no events match\n"


def test_a_table_says_how_many_events_it_shows(cli, seeded_url):
    assert cli("timeline", "--db", seeded_url, "--kind", "leak", "--limit", "2").stdout.rstrip().endswith("2 events")


def test_a_person_by_surname_on_the_command_line(cli, seeded_url):
    by_name = cli("timeline", "--db", seeded_url, "--person", "Сэм Альтман").stdout
    assert "Альтман" in by_name or "OpenAI" in by_name
    assert cli("timeline", "--db", seeded_url, "--person", "Альтман").stdout == by_name
    assert cli("timeline", "--db", seeded_url, "--person", "альтман").stdout == by_name


def test_an_unknown_kind_names_the_option(cli, seeded_url):
    result = cli("timeline", "--db", seeded_url, "--kind", "leak,rumour")
    assert result.exit_code == 2 and "--kind" in result.output and "rumour" in result.output
