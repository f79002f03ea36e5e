"""The curated gazetteer (``seeds/gazetteer.toml``): known organizations and models with aliases.

The file is data, reviewed by people; ``sync_gazetteer`` loads it into the knowledge base,
adding what is new and updating what changed, without removing anything learned since.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from sqlmodel import Session, select

from kb.config import gazetteer_path
from kb.entities import add_alias
from kb.models import AIModel, AIModelCreate, Organization, OrganizationCreate


class GazetteerError(ValueError):
    """The gazetteer file is malformed; the message names the file and the entry."""


@dataclass
class Gazetteer:
    organizations: list[OrganizationCreate]
    models: list[AIModelCreate]


def load_gazetteer(path: Path | None = None) -> Gazetteer:
    """Read and validate a gazetteer file."""
    path = path or gazetteer_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise GazetteerError(f"{path}: {exc}") from exc
    organizations = [_parse(path, "organization", i, entry) for i, entry in enumerate(data.get("organization", []))]
    models = [_parse(path, "model", i, entry) for i, entry in enumerate(data.get("model", []))]
    _check_references(path, organizations, models)
    return Gazetteer(organizations, models)


def _parse(path: Path, table: str, index: int, entry: dict):
    fields = dict(entry)
    if "wikidata" in fields:
        fields["wikidata_id"] = fields.pop("wikidata")
    shape = OrganizationCreate if table == "organization" else AIModelCreate
    try:
        return shape.model_validate(fields)
    except ValidationError as exc:
        name = entry.get("name", "?")
        raise GazetteerError(f"{path}: [[{table}]] #{index + 1} ({name}): {exc}") from exc


def _check_references(path: Path, organizations: list[OrganizationCreate], models: list[AIModelCreate]) -> None:
    org_names = {o.name for o in organizations}
    model_names = {m.name for m in models}
    for model in models:
        if model.developer and model.developer not in org_names:
            raise GazetteerError(f"{path}: model {model.name!r}: developer {model.developer!r} is not an organization")
        if model.family and model.family not in model_names:
            raise GazetteerError(f"{path}: model {model.name!r}: family {model.family!r} is not a model")


def sync_gazetteer(session: Session, gazetteer: Gazetteer | None = None) -> int:
    """Load the gazetteer into the knowledge base; returns how many rows were added or changed."""
    gazetteer = gazetteer or load_gazetteer()
    changes = 0
    orgs = {o.name: o for o in session.exec(select(Organization))}
    for entry in gazetteer.organizations:
        org = orgs.get(entry.name) or Organization(name=entry.name, kind=entry.kind)
        changes += _assign(org, kind=entry.kind, wikidata_id=entry.wikidata_id)
        session.add(org)
        orgs[entry.name] = org
    session.flush()

    models = {m.name: m for m in session.exec(select(AIModel))}
    for entry in gazetteer.models:
        models.setdefault(entry.name, AIModel(name=entry.name))
        session.add(models[entry.name])
    session.flush()
    for entry in gazetteer.models:
        changes += _assign(
            models[entry.name],
            developer_id=orgs[entry.developer].id if entry.developer else None,
            family_id=models[entry.family].id if entry.family else None,
            parameters=entry.parameters,
            wikidata_id=entry.wikidata_id,
        )

    for entry in gazetteer.organizations:
        for text in [entry.name, *entry.aliases]:
            changes += add_alias(session, text, organization_id=orgs[entry.name].id)
    for entry in gazetteer.models:
        for text in [entry.name, *entry.aliases]:
            changes += add_alias(session, text, model_id=models[entry.name].id)
    session.flush()
    return changes


def _assign(row, **values) -> int:
    changed = row.id is None
    for field, value in values.items():
        if getattr(row, field) != value:
            setattr(row, field, value)
            changed = True
    return int(changed)
