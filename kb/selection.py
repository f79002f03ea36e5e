"""Which events a timeline shows, as SQL: its filters, and where a page query should start.

A timeline's filters are conditions on an event's row (kind, dates, confidence) and sets the
event must be in (linked to a model, an organization, a person; matching a search). A page
query can start from a set, or walk the chronology index and test every set; ``tested_sets``
chooses, since SQLite cannot (see there).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import col, func, select

from kb.models import AIModel, Alias, Event, EventModel, EventOrganization, EventPerson, Person
from kb.names import alias_key
from kb.search import matching_event_ids, search_terms

if TYPE_CHECKING:
    from kb.queries import TimelineFilter


@dataclass(frozen=True, eq=False)
class EventSet:
    """The events a filter admits by id: those linked to some entities, or matching a search."""

    ids: sa.Select  # their ids, for the database to start from
    test: sa.ColumnElement[bool]  # whether the event at hand is one of them, which no index can start from
    members: sa.Select  # a row per member (per link, per match), cheap to count


@dataclass(frozen=True)
class EventSelection:
    """A timeline's filters as SQL: conditions on the events' rows, and sets the events must be in."""

    filters: TimelineFilter
    sets: tuple[EventSet, ...]

    def conditions(self, tested: Collection[EventSet] = ()) -> list[sa.ColumnElement[bool]]:
        """The WHERE clauses; the sets in ``tested`` are only tested, event by event (see ``tested_sets``).

        When every set is tested, the query walks the chronology index, and the conditions on
        an event's row go last, in a subquery: SQLite tests a correlated subquery after every
        other condition, and a plain condition on the row would read the row of every event
        walked past, not only of those in the sets (for ``from``, several times the work).
        """
        filters = self.filters
        chronology = [col(Event.date_start) <= filters.date_to] if filters.date_to else []
        memberships = [event_set.test if event_set in tested else col(Event.id).in_(event_set.ids) for event_set in self.sets]
        on_row = _row_conditions(filters, Event.__table__)
        if on_row and self.sets and len(tested) == len(self.sets):
            on_row = [sa.exists().where(_ROW.c.id == col(Event.id), *_row_conditions(filters, _ROW))]
        return [*chronology, *memberships, *on_row]


_ROW = Event.__table__.alias("row")  # the event at hand, read again in a subquery


def _row_conditions(filters: TimelineFilter, event: sa.FromClause) -> list[sa.ColumnElement[bool]]:
    """The filters an event's row answers, on ``event`` (the table or an alias of it)."""
    conditions = []
    if filters.kinds:
        conditions.append(event.c.kind.in_(filters.kinds))
    if filters.date_from:
        conditions.append(event.c.date_end >= filters.date_from)
    if filters.min_confidence is not None:
        conditions.append(event.c.confidence >= filters.min_confidence)
    return conditions


def tested_sets(connection: sa.Connection, selection: EventSelection, limit: int) -> tuple[EventSet, ...]:
    """The sets a page query should only test its events against, so that it starts from the right place.

    A page can start from a set, reading each of its events and sorting them: a row lookup
    per member. Or it can walk the chronology index, testing each event: as many tests as it
    takes to fill the page, about ``limit * events / members``. On SQLite a lookup costs about
    five tests, so the two cost the same near ``members = sqrt(limit * events / 5)``. SQLite has
    no statistics to choose by: it starts from the first set it meets (for GPT-4, ten thousand
    lookups to show fifty). So the smallest set is counted, up to that size, and starts the
    query when it is smaller; otherwise every set is tested. PostgreSQL's planner estimates
    the sizes itself.
    """
    if not selection.sets or connection.dialect.name != "sqlite":
        return ()
    threshold = walk_threshold(connection.execute(_LAST_EVENT_ID).scalar_one() or 0, limit)
    sizes = [
        connection.execute(select(func.count()).select_from(event_set.members.limit(threshold).subquery())).scalar_one()
        for event_set in selection.sets
    ]
    smallest = min(range(len(sizes)), key=sizes.__getitem__)
    if sizes[smallest] >= threshold:
        return selection.sets
    return tuple(event_set for i, event_set in enumerate(selection.sets) if i != smallest)


_LAST_EVENT_ID = select(func.max(Event.id))


def walk_threshold(events: int, limit: int) -> int:
    """The size of a set from which walking the chronology costs less than starting from the set."""
    return math.isqrt(events * (limit + 1) // 5)


def event_selection(connection: sa.Connection, filters: TimelineFilter) -> EventSelection:
    """The SQL that selects a timeline's events.

    Entity names are resolved to ids first, one query per filter: a list of ids is a cheaper
    test than a subquery, which SQLite would run again for every event it tests.
    """
    def ids(statement: sa.Select, **values) -> list[int]:
        return sorted(set(connection.execute(statement, values).scalars()))

    sets = []
    if filters.models:
        sets.append(_linked(EventModel, col(EventModel.model_id), ids(_MODELS_NAMED, keys=_keys(filters.models))))
    if filters.model_ids:
        sets.append(_linked(EventModel, col(EventModel.model_id), ids(_MODELS_WITH_IDS, ids=list(filters.model_ids))))
    if filters.organizations:
        sets.append(_linked(EventOrganization, col(EventOrganization.organization_id),
                            ids(_ORGANIZATIONS_NAMED, keys=_keys(filters.organizations))))
    if filters.organization_ids:
        sets.append(_linked(EventOrganization, col(EventOrganization.organization_id), filters.organization_ids))
    if filters.people:
        people = ids(_PEOPLE_NAMED, keys=_keys(filters.people), names=list(filters.people))
        sets.append(_linked(EventPerson, col(EventPerson.person_id), people))
    if filters.person_ids:
        sets.append(_linked(EventPerson, col(EventPerson.person_id), filters.person_ids))
    if filters.q is not None:
        matches = matching_event_ids(connection.dialect.name, search_terms(filters.q))
        # Tested against all the matches, read once: asking the full-text index about each event costs more.
        sets.append(EventSet(matches, _unindexed(col(Event.id)).in_(matches), matches))
    return EventSelection(filters, tuple(sets))


def _keys(names: Sequence[str]) -> list[str]:
    """The alias keys of ``names`` (case and punctuation folded), once each."""
    return sorted({alias_key(name) for name in names})


def _linked(link, link_entity_id: sa.ColumnElement, entity_ids: Sequence[int]) -> EventSet:
    """The events linked through the table ``link`` to any of ``entity_ids``."""
    linked = link_entity_id.in_(entity_ids)
    return EventSet(
        select(link.event_id).where(linked),
        # The link table's primary key (event, entity) finds the event's few links in one index
        # probe, each tested against the ids, rather than one probe per id.
        sa.exists().where(col(link.event_id) == col(Event.id), _unindexed(link_entity_id).in_(entity_ids)),
        select(link_entity_id).where(linked),
    )


def _unindexed(column: sa.ColumnElement) -> sa.ColumnElement:
    """``column`` as an expression no index can serve, so that the planner only tests it row by row."""
    return column + 0


def _named(alias_owner: sa.ColumnElement) -> sa.Select:
    """The ids of the entities that any of the alias keys ``keys`` (a parameter) belongs to."""
    return select(alias_owner).where(col(Alias.key).in_(sa.bindparam("keys", expanding=True)), alias_owner.is_not(None))


def _models_with_variants(model_ids: sa.Select | sa.BindParameter) -> sa.Select:
    """The ids of the models and of every model below them in their families (LLaMA: LLaMA-13B, ...)."""
    roots = select(AIModel.id).where(col(AIModel.id).in_(model_ids))
    family = roots.cte(recursive=True)
    # UNION, not UNION ALL: a model met twice ends the recursion, even in a cyclic family.
    family = family.union(select(AIModel.id).join(family, col(AIModel.family_id) == family.c.id))
    return select(family.c.id)


# Built once: the statements that turn a filter's names into ids, their values as parameters.
_MODELS_NAMED = _models_with_variants(_named(col(Alias.model_id)))
_MODELS_WITH_IDS = _models_with_variants(sa.bindparam("ids", expanding=True))
_ORGANIZATIONS_NAMED = _named(col(Alias.organization_id))
_PEOPLE_NAMED = select(Person.id).where(
    sa.or_(col(Person.id).in_(_named(col(Alias.person_id))), col(Person.name).in_(sa.bindparam("names", expanding=True)))
)
