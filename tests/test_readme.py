"""The README stays true: its tour runs and prints what it shows, and its lists of modules and
settings are those of the code. When an output changes on purpose: ``python -m tests.readme --update``."""

import difflib
import re
from pathlib import Path

import pytest

from tests.conftest import REPO, SHARED_SEEDS
from tests.readme import README, console_blocks, mask, run_readme

TEXT = README.read_text(encoding="utf-8")
# Where kb and the tools read settings from the environment.
SETTINGS_SOURCES = ["kb", "api", "tests", "bench", "migrations", ".ci"]


def _section(title: str) -> str:
    start = TEXT.index(f"\n## {title}\n")
    following = TEXT.find("\n## ", start + 1)
    return TEXT[start:following if following != -1 else None]


@pytest.mark.sqlite_only(reason="the tour is the README's commands on the embedded database they name; the suite covers PostgreSQL")
def test_the_tour_prints_what_the_readme_shows(databases, tmp_path):
    if not SHARED_SEEDS.is_dir():
        pytest.skip(f"{SHARED_SEEDS} is absent: the tour seeds the founding article from ../shared/seeds")
    assert console_blocks(TEXT.splitlines()), "the README has no checked console block"
    url = databases.create(tmp_path, migrated=False)
    try:
        blocks = run_readme(url, SHARED_SEEDS)
    finally:
        databases.drop(url)
    differences = []
    for block in blocks:
        for command in block.commands:
            if mask(command.actual) != mask(command.expected):
                diff = "\n".join(difflib.unified_diff(mask(command.expected), mask(command.actual), "README", "printed", lineterm=""))
                differences.append(f"README.md:{command.start + 1}: $ {command.text}\n{diff}")
    assert not differences, "\n\n".join(differences) + "\n\nIf the change is meant: python -m tests.readme --update"


def test_the_checker_masks_what_varies_and_nothing_else():
    assert mask(['{"id": 12, "article_id":3}', "GET /events/7", "took 3.2 s", "68 new, 19 merged  "]) == [
        '{"id": #, "article_id": #}', "GET /events/#", "took # s", "68 new, 19 merged"]


def _modules_in_code() -> set[str]:
    """Every module of kb and api, and kb's packages (their own modules are theirs to list)."""
    modules = {f"{path.parent.name}/{path.name}" for top in ("kb", "api") for path in (REPO / top).glob("*.py")
               if path.name not in ("__init__.py", "__main__.py")}
    return modules | {f"kb/{path.parent.name}/" for path in (REPO / "kb").glob("*/__init__.py")}


def test_the_modules_table_names_every_module_and_only_those():
    table = _section("How it works")
    named = set(re.findall(r"`((?:kb|api)/[\w/]+(?:\.py|/))`", table))
    assert not {name for name in named if not (REPO / name).exists()}, "the table names modules that are gone"
    assert not _modules_in_code() - named, "modules the table does not name"


def _settings_in_code() -> set[str]:
    found = set()
    for top in SETTINGS_SOURCES:
        for path in (REPO / top).rglob("*"):
            if path.is_file() and path.suffix in (".py", "") and "__pycache__" not in path.parts:
                found |= set(re.findall(r"\bKB_[A-Z][A-Z_]*[A-Z]\b", path.read_text(encoding="utf-8", errors="replace")))
    return found


def test_the_settings_list_is_every_kb_variable_the_code_reads():
    rows = [line.split("|")[1] for line in _section("Settings").splitlines() if line.startswith("| `KB_")]
    listed = {name for cell in rows for name in re.findall(r"`(KB_[A-Z_]+)`", cell)}
    assert listed == _settings_in_code()
