"""Merging duplicate entities: two records of one organization, model or person become one.

Extraction learns entities from articles (unreviewed) that often turn out to be a known one
under another name. A merge keeps one record: it gets every alias and every event link of
the other (duplicates dropped, as the unique constraints demand), references to the other
are repointed, and the other is deleted. The audit keeps both as they were.

Also here: naming an entity on the command line («Meta», «org:12») and listing entities for
review, the two things needed to choose what to merge.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from kb.audit import record_change
from kb.editing import MAX_RECORD_ID, RecordNotFound
from kb.entities import family_parents
from kb.models import (
    AIModel,
    Alias,
    AuditAction,
    EventModel,
    EventOrganization,
    EventPerson,
    Organization,
    Person,
)
from kb.names import alias_key


class MergeError(ValueError):
    """A merge that cannot be made: an entity into itself."""


class EntityNameError(LookupError):
    """A name on the command line that names no entity, or more than one."""


@dataclass(frozen=True)
class EntityKind:
    """How one kind of entity is stored: its table, its aliases, its event links."""

    name: str  # as the audit trail and messages say it
    prefix: str  # in references such as «org:12»
    table: type
    alias_owner: str  # the column of ``alias`` that points to it
    link_table: type
    link_owner: str  # the column of the link table that points to it
    link_key: tuple[str, ...]  # the link table's other primary-key columns
    curated: tuple[str, ...]  # fields a reviewed record is trusted for


ORGANIZATION = EntityKind(
    "organization", "org", Organization, "organization_id",
    EventOrganization, "organization_id", ("event_id", "role"), ("kind", "wikidata_id"),
)
MODEL = EntityKind(
    "model", "model", AIModel, "model_id",
    EventModel, "model_id", ("event_id",), ("family_id", "developer_id", "parameters", "wikidata_id"),
)
PERSON = EntityKind(
    "person", "person", Person, "person_id",
    EventPerson, "person_id", ("event_id", "role"), ("wikidata_id",),
)
KINDS = (ORGANIZATION, MODEL, PERSON)


def merge_organizations(session: Session, keep_id: int, drop_id: int, actor: str) -> Organization:
    """Merge organization ``drop_id`` into ``keep_id``; models it developed follow. See ``merge``."""
    return merge(session, ORGANIZATION, keep_id, drop_id, actor)


def merge_models(session: Session, keep_id: int, drop_id: int, actor: str) -> AIModel:
    """Merge model ``drop_id`` into ``keep_id``; its variants join the kept model's family. See ``merge``."""
    return merge(session, MODEL, keep_id, drop_id, actor)


def merge_people(session: Session, keep_id: int, drop_id: int, actor: str) -> Person:
    """Merge person ``drop_id`` into ``keep_id``. See ``merge``."""
    return merge(session, PERSON, keep_id, drop_id, actor)


def merge(session: Session, kind: EntityKind, keep_id: int, drop_id: int, actor: str):
    """Merge entity ``drop_id`` into ``keep_id`` (both of ``kind``) and return the kept record.

    The kept record keeps its id and gets every alias and event link of the other, and
    the other's name as an alias. Its fields win, with gaps filled from the other; but
    when only the other is reviewed (curated, e.g. from the gazetteer), the reviewed name
    and fields win and the kept record becomes reviewed, so that curation is never lost
    to a record learned from an article. Raises ``RecordNotFound`` and ``MergeError``.

    The gazetteer is loaded by name: a merged-away entity that is still listed in
    ``seeds/gazetteer.toml`` comes back on the next seed, unless it is removed there too.
    """
    if keep_id == drop_id:
        raise MergeError(f"cannot merge {kind.name} {keep_id} into itself")
    keep, drop = _get(session, kind, keep_id), _get(session, kind, drop_id)
    before = {"kept": _snapshot(session, kind, keep), "dropped": _snapshot(session, kind, drop)}

    _move(session, Alias, getattr(Alias, kind.alias_owner), ("key",), keep_id, drop_id)
    _move(session, kind.link_table, getattr(kind.link_table, kind.link_owner), kind.link_key, keep_id, drop_id)
    if kind is ORGANIZATION:
        _repoint(session, col(AIModel.developer_id), keep_id, drop_id)
    if kind is MODEL:
        _repoint(session, col(AIModel.family_id), keep_id, drop_id)
    # The statements above changed rows behind the ORM's back: read both records afresh.
    session.expire_all()

    adopt = drop.reviewed and not keep.reviewed
    for name in kind.curated:
        if adopt or getattr(keep, name) is None:
            setattr(keep, name, getattr(drop, name))
    keep.reviewed = keep.reviewed or drop.reviewed
    names = [keep.name, drop.name]
    session.delete(drop)
    session.flush()  # the dropped name is free only once the dropped record is gone
    if adopt:
        keep.name = names[1]
    for name in names:
        _ensure_alias(session, kind, keep_id, name)
    if kind is MODEL:
        _break_family_cycle(session, keep)
    session.add(keep)
    session.flush()

    record_change(session, actor, AuditAction.merge, kind.name, keep_id, before, _snapshot(session, kind, keep))
    record_change(session, actor, AuditAction.merge, kind.name, drop_id, before["dropped"], {"merged_into": keep_id})
    return keep


def _get(session: Session, kind: EntityKind, record_id: int):
    record = session.get(kind.table, record_id) if 1 <= record_id <= MAX_RECORD_ID else None
    if record is None:
        raise RecordNotFound(kind.name, record_id)
    return record


def _snapshot(session: Session, kind: EntityKind, record) -> dict:
    """A record as the audit trail keeps it: its fields, aliases and event links."""
    aliases = session.exec(select(Alias.text).where(getattr(Alias, kind.alias_owner) == record.id).order_by(col(Alias.id)))
    link_columns = [getattr(kind.link_table, c) for c in kind.link_key]
    links = session.exec(
        sa.select(*link_columns).where(getattr(kind.link_table, kind.link_owner) == record.id).order_by(*link_columns)
    )
    return record.model_dump(mode="json") | {
        "aliases": list(aliases),
        "events": [dict(zip(kind.link_key, (getattr(v, "value", v) for v in row))) for row in links],
    }


def _move(session: Session, table, owner, key: tuple[str, ...], keep_id: int, drop_id: int) -> None:
    """Repoint ``table``'s rows from ``drop_id`` to ``keep_id``, dropping those the kept one has.

    A row is a duplicate when the kept entity has a row with the same ``key`` columns; it
    would break a unique constraint (an alias key) or the primary key (an event link).
    """
    kept = sa.orm.aliased(table)
    duplicate = sa.exists().where(
        getattr(kept, owner.key) == keep_id, *(getattr(kept, c) == getattr(table, c) for c in key)
    )
    session.exec(
        sa.delete(table).where(owner == drop_id, duplicate).execution_options(synchronize_session=False)
    )
    session.exec(
        sa.update(table).where(owner == drop_id).values({owner.key: keep_id}).execution_options(synchronize_session=False)
    )


def _repoint(session: Session, column, keep_id: int, drop_id: int) -> None:
    session.exec(
        sa.update(AIModel).where(column == drop_id).values({column.key: keep_id}).execution_options(synchronize_session=False)
    )


def _ensure_alias(session: Session, kind: EntityKind, owner_id: int, text: str) -> None:
    key = alias_key(text)
    owner = getattr(Alias, kind.alias_owner)
    if key and session.exec(select(Alias.id).where(Alias.key == key, owner == owner_id)).first() is None:
        session.add(Alias(text=text, key=key, **{kind.alias_owner: owner_id}))


def _break_family_cycle(session: Session, model: AIModel) -> None:
    """A model whose family leads back to itself (it was a variant of the one dropped) becomes a root."""
    parents = family_parents(session)
    parents[model.id] = model.family_id
    seen, current = set(), model.family_id
    while current is not None and current not in seen:
        if current == model.id:
            model.family_id = None
            return
        seen.add(current)
        current = parents.get(current)


# --- choosing entities ----------------------------------------------------------------------------


def find_entities(session: Session, reference: str) -> list[tuple[EntityKind, int]]:
    """The entities a reference names: «org:12», «model:7», «person:3», or a name or alias.

    A name is matched like the timeline filters match it (case and punctuation folded),
    against every kind; it may name several entities.
    """
    prefix, _, rest = reference.partition(":")
    for kind in KINDS:
        if prefix == kind.prefix and rest.strip().isdigit():
            record_id = int(rest)
            _get(session, kind, record_id)
            return [(kind, record_id)]
    key = alias_key(reference)
    found = []
    for kind in KINDS:
        owner = getattr(Alias, kind.alias_owner)
        ids = session.exec(select(owner).where(Alias.key == key, col(owner).is_not(None)).distinct().order_by(owner))
        found += [(kind, record_id) for record_id in ids]
    return found


def resolve_pair(session: Session, first: str, second: str) -> tuple[EntityKind, int, int]:
    """The kind and ids of two references that name one entity each, of the same kind.

    A name that also names the entity the other reference names unambiguously is read as
    the rest: «Meta» and «Meta✴» may both be aliases of a duplicate, but a merge of a record
    into itself is never what is meant. Raises ``EntityNameError`` naming the candidates when
    either reference is unknown or ambiguous.
    """
    candidates = [find_entities(session, first), find_entities(session, second)]
    for reference, found in zip((first, second), candidates):
        if not found:
            raise EntityNameError(f"{reference!r} names no organization, model or person")
    resolved = []
    for kind in KINDS:
        ids = [{i for k, i in found if k is kind} for found in candidates]
        if not all(ids):
            continue
        for this, other in ((0, 1), (1, 0)):
            if len(ids[other]) == 1 and len(ids[this] - ids[other]) >= 1:
                ids[this] -= ids[other]
        resolved.append((kind, ids))
    if not resolved:
        raise EntityNameError(f"{first!r} and {second!r} are not the same kind of entity: {_listed(candidates)}")
    if len(resolved) > 1 or any(len(ids) > 1 for ids in resolved[0][1]):
        raise EntityNameError(f"ambiguous, name them as kind:id: {_listed(candidates)}")
    kind, (first_ids, second_ids) = resolved[0]
    return kind, first_ids.pop(), second_ids.pop()


def _listed(candidates: list[list[tuple[EntityKind, int]]]) -> str:
    return "; ".join(", ".join(f"{kind.prefix}:{i}" for kind, i in found) for found in candidates)


@dataclass(frozen=True)
class EntityListing:
    kind: EntityKind
    id: int
    name: str
    reviewed: bool
    aliases: int
    events: int


def list_entities(session: Session, unreviewed_only: bool = False) -> list[EntityListing]:
    """Every organization, model and person with its alias and event counts, by kind and name."""
    listed = []
    for kind in KINDS:
        owner = getattr(Alias, kind.alias_owner)
        aliases = dict(session.exec(select(owner, sa.func.count()).where(col(owner).is_not(None)).group_by(owner)).all())
        link_owner = getattr(kind.link_table, kind.link_owner)
        events = dict(
            session.exec(
                select(link_owner, sa.func.count(sa.distinct(kind.link_table.event_id))).group_by(link_owner)
            ).all()
        )
        query = select(kind.table).order_by(col(kind.table.name))
        if unreviewed_only:
            query = query.where(col(kind.table.reviewed).is_(False))
        listed += [
            EntityListing(kind, r.id, r.name, r.reviewed, aliases.get(r.id, 0), events.get(r.id, 0))
            for r in session.exec(query)
        ]
    return listed
