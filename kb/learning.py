"""Storing the entities an article taught the extractor: new organizations, models and people.

They are stored unreviewed, with every surface form seen as an alias, so that the next
article finds them like any gazetteer entry and a person can review or merge them
(``kb entities merge``). Creation is get-or-create by name inside a savepoint, so that two
ingestion processes learning the same name at once end up with one row.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from kb.entities import add_alias
from kb.extract.matcher import MODEL, ORGANIZATION, PERSON, EntityRef, NewEntity
from kb.extract.people import same_name
from kb.models import AIModel, Organization, OrganizationKind, Person

_TABLES = {ORGANIZATION: Organization, MODEL: AIModel, PERSON: Person}


def store_new_entities(session: Session, entities: list[NewEntity]) -> dict[EntityRef, int]:
    """The stored id of each new entity (created unreviewed when its name is not taken yet)."""
    stored: dict[EntityRef, int] = {}
    for entity in entities:
        if entity.ref in stored:
            continue
        entity_id = _get_or_create(session, entity)
        stored[entity.ref] = entity_id
        owner = {ORGANIZATION: "organization_id", MODEL: "model_id", PERSON: "person_id"}[entity.ref.type]
        for form in dict.fromkeys([entity.name, *entity.forms]):
            add_alias(session, form, **{owner: entity_id})
    session.flush()
    return stored


def _same_person(session: Session, name: str) -> int | None:
    """A stored person the name is a case form of («Миру Мурати» of «Мира Мурати»).

    An unreviewed person is named by the preferred of the forms seen (the shortest, then the
    first in alphabetical order), so that the name does not depend on which article came first.
    """
    for person in session.exec(select(Person).order_by(Person.id)).all():
        if same_name(person.name, name):
            preferred = min((person.name, name), key=lambda n: (len(n), n))
            if not person.reviewed and preferred != person.name:
                taken = session.exec(select(Person.id).where(Person.name == preferred)).first()
                if taken is None:
                    person.name = preferred
                    session.add(person)
            return person.id
    return None


def _get_or_create(session: Session, entity: NewEntity) -> int:
    table = _TABLES[entity.ref.type]
    existing = session.exec(select(table.id).where(table.name == entity.name)).first()
    if existing is not None:
        return existing
    if entity.ref.type == PERSON:
        same = _same_person(session, entity.name)
        if same is not None:
            return same
    row = table(name=entity.name, reviewed=False)
    if entity.ref.type == ORGANIZATION:
        row.kind = entity.org_kind or OrganizationKind.company
    elif entity.ref.type == MODEL and entity.family_id is not None:
        family = session.get(AIModel, entity.family_id)
        row.family_id, row.developer_id = family.id, family.developer_id
    try:
        with session.begin_nested():
            session.add(row)
    except sa.exc.IntegrityError:
        # Another process stored the same name since we looked.
        return session.exec(select(table.id).where(table.name == entity.name)).one()
    return row.id
