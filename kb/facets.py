"""Facets of a timeline: how many of its events have each kind, organization, model, person, year.

Counts are over every event the filters select, not over one page, and show what a further
filter would leave: ``org`` says how many of the events each organization takes part in. A
facet shows its ``size`` most frequent values, and says when there are more (``truncated``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from kb.models import AIModel, Event, EventModel, EventOrganization, EventPerson, Organization, Person
from kb.public import Facet, FacetCount

FACETS = ("kind", "org", "model", "person", "year")
FACET_SIZE = 30  # values per facet by default, the most frequent first
MAX_FACET_SIZE = 1000


def facet_counts(
    session: Session, event_ids: sa.Select, names: Iterable[str], size: int = FACET_SIZE
) -> dict[str, Facet]:
    """The facets ``names`` (each one of ``FACETS``) over the events ``event_ids`` selects, ``size`` values each."""
    facets = {}
    for name in dict.fromkeys(names):
        # One value more than shown says whether there are more.
        values = _COUNTERS[name](session, event_ids, size + 1)
        facets[name] = Facet(values=values[:size], truncated=len(values) > size)
    return facets


def _kinds(session: Session, event_ids: sa.Select, size: int) -> list[FacetCount]:
    count = func.count().label("n")
    rows = session.exec(
        select(Event.kind, count).where(col(Event.id).in_(event_ids)).group_by(Event.kind)
        .order_by(count.desc(), col(Event.kind)).limit(size)
    )
    return [FacetCount(value=kind.value, count=n) for kind, n in rows]


def _years(session: Session, event_ids: sa.Select, size: int) -> list[FacetCount]:
    year = sa.extract("year", col(Event.date_start)).label("year")
    count = func.count().label("n")
    rows = session.exec(
        select(year, count).where(col(Event.id).in_(event_ids)).group_by(year)
        .order_by(count.desc(), year).limit(size)
    )
    return [FacetCount(value=int(y) if y is not None else None, count=n) for y, n in rows]


Counter = Callable[[Session, sa.Select, int], list[FacetCount]]


def _entities(entity, link) -> Counter:
    """A counter of events per entity, through the link table between events and that entity."""
    link_entity_id = next(c for c in link.__table__.columns if c.foreign_keys and c.name != "event_id")

    def counts(session: Session, event_ids: sa.Select, size: int) -> list[FacetCount]:
        # Counted by id first, over the link table's index; names only for the values shown.
        per_entity = (
            select(link_entity_id.label("entity_id"), func.count(func.distinct(link.event_id)).label("n"))
            .where(col(link.event_id).in_(event_ids))
            .group_by(link_entity_id)
            .subquery()
        )
        rows = session.exec(
            select(entity.id, entity.name, per_entity.c.n)
            .join(per_entity, per_entity.c.entity_id == entity.id)
            .order_by(per_entity.c.n.desc(), entity.name)
            .limit(size)
        )
        return [FacetCount(value=name, id=entity_id, count=n) for entity_id, name, n in rows]

    return counts


_COUNTERS = {
    "kind": _kinds,
    "year": _years,
    "org": _entities(Organization, EventOrganization),
    "model": _entities(AIModel, EventModel),
    "person": _entities(Person, EventPerson),
}
