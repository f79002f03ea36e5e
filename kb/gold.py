"""Hand-written gold annotations (``*.yaml`` beside each evaluation corpus): reading and checking them.

The format and the annotation guidelines are in ``tests/data/ANNOTATION.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from kb.dates import Precision, interval_for_value
from kb.models import EventKind, Role


class GoldFileError(ValueError):
    """A gold file that cannot be used; the message names the file and the field."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class GoldEvent:
    kind: EventKind
    value: str  # "2023-03-03", "2023-03" or "2023", by precision
    precision: Precision
    organizations: dict[str, Role]
    models: tuple[str, ...]
    people: tuple[str, ...]
    quote: str



@dataclass(frozen=True)
class GoldArticle:
    gold_file: Path
    article: str  # file name under the corpus folder
    events: tuple[GoldEvent, ...]
    background: tuple[GoldEvent, ...] = ()  # recalled in passing: neither asked for nor false when found
    passing_organizations: tuple[str, ...] = ()
    passing_models: tuple[str, ...] = ()

    @property
    def passing_names(self) -> tuple[str, ...]:
        return self.passing_organizations + self.passing_models


def load_gold(folder: Path) -> list[GoldArticle]:
    """Every ``*.yaml`` gold file in ``folder``, sorted by name."""
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise GoldFileError(folder, "no gold files (*.yaml) in this folder")
    return [read_gold_file(path) for path in files]


def read_gold_file(path: Path) -> GoldArticle:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise GoldFileError(path, f"not readable as YAML ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("article"), str):
        raise GoldFileError(path, "field 'article': missing or not a file name")
    events = tuple(_event(path, f"events[{i}]", raw) for i, raw in enumerate(data.get("events") or []))
    background = tuple(_event(path, f"background[{i}]", raw, quoted=False) for i, raw in enumerate(data.get("background") or []))
    passing = data.get("passing") or {}
    if not isinstance(passing, dict):
        raise GoldFileError(path, "field 'passing': expected 'organizations' and 'models' lists")
    return GoldArticle(
        gold_file=path,
        article=data["article"],
        events=events,
        background=background,
        passing_organizations=tuple(passing.get("organizations") or ()),
        passing_models=tuple(passing.get("models") or ()),
    )


def _event(path: Path, where: str, raw, quoted: bool = True) -> GoldEvent:
    if not isinstance(raw, dict):
        raise GoldFileError(path, f"{where}: expected a mapping")
    try:
        kind = EventKind(raw.get("kind"))
        precision = Precision(raw.get("precision"))
    except ValueError as exc:
        raise GoldFileError(path, f"{where}: {exc}") from None
    value = raw.get("date")
    if isinstance(value, date):
        value = value.isoformat()
    if not isinstance(value, str) or interval_for_value(value) is None:
        raise GoldFileError(path, f"{where}.date: {value!r} is not a TIMEX3 date with a year (\"2023-03-03\", \"2023-03\", \"2023-SU\")")
    organizations = raw.get("organizations") or {}
    if not isinstance(organizations, dict):
        raise GoldFileError(path, f"{where}.organizations: expected a mapping of name to role")
    try:
        roles = {str(name): Role(role) for name, role in organizations.items()}
    except ValueError as exc:
        raise GoldFileError(path, f"{where}.organizations: {exc}") from None
    quote = raw.get("quote") or ""
    if not isinstance(quote, str) or (quoted and not quote.strip()):
        raise GoldFileError(path, f"{where}.quote: missing")
    return GoldEvent(
        kind=kind,
        value=value,
        precision=precision,
        organizations=roles,
        models=tuple(str(m) for m in raw.get("models") or ()),
        people=tuple(str(p) for p in raw.get("people") or ()),
        quote=quote,
    )
