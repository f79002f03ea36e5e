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
from functools import lru_cache
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import col, func, select

from kb.models import AIModel, Alias, Event, EventModel, EventOrganization, EventPerson, Person
from kb.names import alias_key
from kb.search import matching_event_ids, search_expression, search_terms

if TYPE_CHECKING:
    from kb.queries import TimelineFilter


@dataclass(frozen=True, eq=False)
class EventSet:
    """The events a filter admits by id: those linked to some entities, or matching a search.

    Built once, its values left as a parameter (``param``), so that statements made of it are
    the same object from one request to the next, and SQLAlchemy's compiled form is found
    without walking them again.
    """

    param: str  # the parameter holding its entity ids, or the search expression
    ids: sa.Select  # their ids, for the database to start from
    test: sa.ColumnElement[bool]  # whether the event at hand is one of them, which no index can start from
    members: sa.Select  # a row per member (per link, per match), cheap to count


@dataclass(frozen=True)
class SelectionShape:
    """What a selection's SQL depends on, its values aside: statements are built once per shape."""

    sets: tuple[EventSet, ...]
    tested: tuple[bool, ...]  # per set: only tested, event by event (see ``tested_sets``)
    kinds: bool
    date_from: bool
    date_to: bool
    min_confidence: bool


@dataclass(frozen=True)
class EventSelection:
    """A timeline's filters as SQL: sets the events must be in, conditions on their rows, and the values of both."""

    filters: TimelineFilter
    sets: tuple[EventSet, ...]
    values: dict[str, object]  # the parameters of ``conditions``

    def shape(self, tested: Collection[EventSet] = ()) -> SelectionShape:
        filters = self.filters
        return SelectionShape(
            self.sets,
            tuple(event_set in tested for event_set in self.sets),
            bool(filters.kinds),
            filters.date_from is not None,
            filters.date_to is not None,
            filters.min_confidence is not None,
        )

    def conditions(self, tested: Collection[EventSet] = ()) -> tuple[sa.ColumnElement[bool], ...]:
        """The WHERE clauses, their values in ``values``; the sets in ``tested`` are only tested, event by event."""
        return selection_conditions(self.shape(tested))


@lru_cache(maxsize=256)
def selection_conditions(shape: SelectionShape) -> tuple[sa.ColumnElement[bool], ...]:
    """The WHERE clauses of a selection of ``shape``, built once.

    When every set is tested, the query walks the chronology index, and the conditions on
    an event's row go last, in a subquery: SQLite tests a correlated subquery after every
    other condition, and a plain condition on the row would read the row of every event
    walked past, not only of those in the sets (for ``from``, several times the work).
    """
    chronology = [col(Event.date_start) <= sa.bindparam("date_to")] if shape.date_to else []
    memberships = [event_set.test if tested else col(Event.id).in_(event_set.ids) for event_set, tested in zip(shape.sets, shape.tested)]
    on_row = _row_conditions(shape, Event.__table__)
    if on_row and shape.sets and all(shape.tested):
        on_row = [sa.exists().where(_ROW.c.id == col(Event.id), *_row_conditions(shape, _ROW))]
    return (*chronology, *memberships, *on_row)


_ROW = Event.__table__.alias("row")  # the event at hand, read again in a subquery


def _row_conditions(shape: SelectionShape, event: sa.FromClause) -> list[sa.ColumnElement[bool]]:
    """The filters an event's row answers, on ``event`` (the table or an alias of it)."""
    conditions = []
    if shape.kinds:
        conditions.append(event.c.kind.in_(sa.bindparam("kinds", expanding=True)))
    if shape.date_from:
        conditions.append(event.c.date_end >= sa.bindparam("date_from"))
    if shape.min_confidence:
        conditions.append(event.c.confidence >= sa.bindparam("min_confidence"))
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
    values = {**selection.values, "threshold": threshold}
    sizes = [connection.execute(_member_count(event_set), values).scalar_one() for event_set in selection.sets]
    smallest = min(range(len(sizes)), key=sizes.__getitem__)
    if sizes[smallest] >= threshold:
        return selection.sets
    return tuple(event_set for i, event_set in enumerate(selection.sets) if i != smallest)


_LAST_EVENT_ID = select(func.max(Event.id))


@lru_cache(maxsize=16)
def _member_count(event_set: EventSet) -> sa.Select:
    """The number of members of ``event_set``, counted up to the parameter ``threshold``."""
    return select(func.count()).select_from(event_set.members.limit(sa.bindparam("threshold")).subquery())


def walk_threshold(events: int, limit: int) -> int:
    """The size of a set from which walking the chronology costs less than starting from the set."""
    return math.isqrt(events * (limit + 1) // 5)


def event_selection(connection: sa.Connection, filters: TimelineFilter) -> EventSelection:
    """The SQL that selects a timeline's events, and its values.

    Entity names are resolved to ids first, one query per filter: a list of ids is a cheaper
    test than a subquery, which SQLite would run again for every event it tests.
    """
    def ids(statement: sa.Select, **values) -> list[int]:
        return sorted(set(connection.execute(statement, values).scalars()))

    chosen: dict[EventSet, object] = {}
    if filters.models:
        chosen[_MODELS_NAMED_SET] = ids(_MODELS_NAMED, keys=_keys(filters.models))
    if filters.model_ids:
        chosen[_MODELS_BY_ID_SET] = ids(_MODELS_WITH_IDS, ids=list(filters.model_ids))
    if filters.organizations:
        chosen[_ORGANIZATIONS_NAMED_SET] = ids(_ORGANIZATIONS_NAMED, keys=_keys(filters.organizations))
    if filters.organization_ids:
        chosen[_ORGANIZATIONS_BY_ID_SET] = list(filters.organization_ids)
    if filters.people:
        chosen[_PEOPLE_NAMED_SET] = people_named(connection, filters.people)
    if filters.person_ids:
        chosen[_PEOPLE_BY_ID_SET] = list(filters.person_ids)
    dialect = connection.dialect.name
    if filters.q is not None:
        chosen[_search_set(dialect)] = search_expression(dialect, search_terms(filters.q))
    values = {event_set.param: value for event_set, value in chosen.items()}
    row_values = {"kinds": list(filters.kinds), "date_from": filters.date_from, "date_to": filters.date_to,
                  "min_confidence": filters.min_confidence}
    values |= {name: value for name, value in row_values.items() if value not in (None, [])}
    return EventSelection(filters, tuple(chosen), values)


def people_named(connection: sa.Connection, names: Sequence[str]) -> list[int]:
    """The ids of the people that ``names`` name: by name or any alias, case and punctuation folded;
    and a name of one word by surname, the last word of a person's name or of an alias, in any
    letter case and in the forms the aliases hold («Альтман», «альтмана»)."""
    found = set(connection.execute(_PEOPLE_NAMED, {"keys": _keys(names), "names": list(names)}).scalars())
    surnames = {alias_key(name) for name in names if len(name.split()) == 1}
    if surnames:
        # People are few beside events: their names are compared here, where words can be told apart.
        for person_id, text in connection.execute(_PEOPLE_NAMES):
            words = text.split()
            if len(words) > 1 and alias_key(words[-1]) in surnames:
                found.add(person_id)
    return sorted(found)


def _keys(names: Sequence[str]) -> list[str]:
    """The alias keys of ``names`` (case and punctuation folded), once each."""
    return sorted({alias_key(name) for name in names})


def _linked(link, link_entity_id: sa.ColumnElement, param: str) -> EventSet:
    """The events linked through the table ``link`` to any of the entity ids in the parameter ``param``."""
    entity_ids = sa.bindparam(param, expanding=True)
    linked = link_entity_id.in_(entity_ids)
    return EventSet(
        param,
        select(link.event_id).where(linked),
        # The link table's primary key (event, entity) finds the event's few links in one index
        # probe, each tested against the ids, rather than one probe per id.
        sa.exists().where(col(link.event_id) == col(Event.id), _unindexed(link_entity_id).in_(entity_ids)),
        select(link_entity_id).where(linked),
    )


@lru_cache(maxsize=4)
def _search_set(dialect: str) -> EventSet:
    matches = matching_event_ids(dialect)
    # Tested against all the matches, read once: asking the full-text index about each event costs more.
    return EventSet("search", matches, _unindexed(col(Event.id)).in_(matches), matches)


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
_PEOPLE_NAMES = select(Person.id, Person.name).union_all(
    select(col(Alias.person_id), col(Alias.text)).where(col(Alias.person_id).is_not(None))
)
# The sets of events linked to entities, one per filter.
_MODELS_NAMED_SET = _linked(EventModel, col(EventModel.model_id), "models_named")
_MODELS_BY_ID_SET = _linked(EventModel, col(EventModel.model_id), "models_by_id")
_ORGANIZATIONS_NAMED_SET = _linked(EventOrganization, col(EventOrganization.organization_id), "organizations_named")
_ORGANIZATIONS_BY_ID_SET = _linked(EventOrganization, col(EventOrganization.organization_id), "organizations_by_id")
_PEOPLE_NAMED_SET = _linked(EventPerson, col(EventPerson.person_id), "people_named")
_PEOPLE_BY_ID_SET = _linked(EventPerson, col(EventPerson.person_id), "people_by_id")
