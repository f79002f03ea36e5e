"""Reading the knowledge base: the timeline with its filters, search, facets and pages.

The web page, the API and the CLI read through this module; it also offers the single
records of ``kb.records`` (``get_event``, ``list_models`` ...).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from kb.entities import family_parents, models_named, organizations_named, with_descendants
from kb.facets import FACETS, facet_counts
from kb.models import (
    AIModel,
    Alias,
    Article,
    AuditEntry,
    Event,
    EventKind,
    EventModel,
    EventOrganization,
    EventPerson,
    Evidence,
    Organization,
    Person,
)
from kb.names import alias_key
from kb.public import EventPublic, TimelinePage

# Single records live in kb.records; they are part of this module's interface too, so that
# readers of the knowledge base need one import.
from kb.records import (
    events_public,
    get_article,
    get_event,
    get_model,
    get_organization,
    get_person,
    list_models,
    list_organizations,
    list_people,
)
from kb.search import MAX_QUERY_WORDS, matching_event_ids, search_terms

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "QueryError",
    "TimelineFilter",
    "database_version",
    "events_public",
    "get_article",
    "get_event",
    "get_model",
    "get_organization",
    "get_person",
    "iter_timeline",
    "list_models",
    "list_organizations",
    "list_people",
    "people_named",
    "timeline",
]

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000


class QueryError(ValueError):
    """A query parameter that cannot be honoured; ``param`` names it."""

    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class TimelineFilter:
    """Which events a timeline shows, and in which order.

    Several values of one filter mean any of them; different filters must all hold. A model,
    organization or person is named by its canonical name or any alias, or given by id (the
    ``*_ids`` fields, for the timeline of one entity); a model includes its variants (LLaMA
    includes LLaMA-13B). Dates select events whose interval meets [date_from, date_to];
    events of unknown date are left out when either is given. ``q`` is a full-text query over
    titles and quotes (see ``kb.search``). Events are in chronological order, or newest first,
    with unknown dates last either way.
    """

    models: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    kinds: tuple[EventKind, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    people: tuple[str, ...] = ()
    q: str | None = None
    min_confidence: float | None = None
    model_ids: tuple[int, ...] = ()
    organization_ids: tuple[int, ...] = ()
    person_ids: tuple[int, ...] = ()
    newest_first: bool = False

    def __post_init__(self) -> None:
        for param, names in (("model", self.models), ("org", self.organizations), ("person", self.people)):
            if any("\x00" in name for name in names):
                # No stored name holds one, and PostgreSQL refuses text that does, even to compare.
                raise QueryError(param, f"'{param}' contains a NUL character")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise QueryError("from", f"'from' ({self.date_from}) is after 'to' ({self.date_to})")
        if self.min_confidence is not None and not 0 <= self.min_confidence <= 1:
            raise QueryError("min_confidence", "min_confidence must be between 0 and 1")
        if self.q is not None:
            words = len(search_terms(self.q))
            if words == 0:
                raise QueryError("q", "the search query has no words to look for")
            if words > MAX_QUERY_WORDS:
                raise QueryError("q", f"the search query has {words} words; at most {MAX_QUERY_WORDS} are allowed")

    def fingerprint(self) -> str:
        """Ties a cursor to the query it was made for."""
        fields = {name: sorted(map(str, value)) if isinstance(value, tuple) else str(value) for name, value in asdict(self).items()}
        return hashlib.sha256(json.dumps(fields, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class _Position:
    """Where a page ended: the start date (None: in the unknown dates) and id of its last event."""

    start: date | None
    id: int
    fingerprint: str

    def encode(self) -> str:
        payload = {"s": self.start.isoformat() if self.start else None, "i": self.id, "f": self.fingerprint}
        return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str, fingerprint: str) -> _Position:
        try:
            payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            position = cls(date.fromisoformat(payload["s"]) if payload["s"] else None, int(payload["i"]), str(payload["f"]))
            if not 0 < position.id < 2**63:  # beyond what the database can compare
                raise ValueError(position.id)
        except (ValueError, KeyError, TypeError) as exc:
            raise QueryError("cursor", "not a cursor this API issued") from exc
        if position.fingerprint != fingerprint:
            raise QueryError("cursor", "this cursor belongs to a query with other parameters")
        return position


def timeline(
    session: Session,
    filters: TimelineFilter,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    facets: Sequence[str] = (),
) -> TimelinePage:
    """One page of events, the cursor of the next page (or None), and the ``facets`` asked for.

    ``facets`` are names from ``kb.facets.FACETS``; their counts cover every event the
    filters select, not only this page.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError("limit", f"limit must be between 1 and {MAX_LIMIT}")
    unknown = [name for name in facets if name not in FACETS]
    if unknown:
        raise QueryError("facets", f"no facet {unknown[0]!r}; facets are {', '.join(FACETS)}")
    fingerprint = filters.fingerprint()
    position = _Position.decode(cursor, fingerprint) if cursor else None
    conditions = _conditions(session, filters)
    # One row more than asked tells whether another page follows.
    events = _page(session, conditions, filters.newest_first, position, limit + 1)
    following = None
    if len(events) > limit:
        events = events[:limit]
        following = _Position(events[-1].date_start, events[-1].id, fingerprint).encode()
    page = TimelinePage(items=events_public(session, events), next=following)
    if facets:
        page.facets = facet_counts(session, select(Event.id).where(*conditions), facets)
    return page


def iter_timeline(session: Session, filters: TimelineFilter, page_size: int = 500) -> Iterator[EventPublic]:
    """Every event of a timeline, page by page, so that memory stays flat for any size."""
    cursor = None
    while True:
        page = timeline(session, filters, page_size, cursor)
        yield from page.items
        if page.next is None:
            return
        cursor = page.next


def _page(session: Session, conditions: list, newest_first: bool, after: _Position | None, size: int) -> list[sa.Row]:
    """Up to ``size`` events after ``after``: dated ones by (start, id), then undated ones by id.

    Two plain keyset queries rather than one ``ORDER BY CASE``: each can walk an index
    (``ix_event_chronology``, the primary key) and stop after ``size`` rows. Rows, not ORM
    objects: building those costs more than the query.
    """
    direction = sa.desc if newest_first else sa.asc
    events: list[sa.Row] = []
    if after is None or after.start is not None:
        dated = select(*Event.__table__.columns).where(*conditions, col(Event.date_start).is_not(None))
        if after is not None:
            key, position = sa.tuple_(col(Event.date_start), col(Event.id)), sa.tuple_(after.start, after.id)
            dated = dated.where(key < position if newest_first else key > position)
        dated = dated.order_by(direction(col(Event.date_start)), direction(col(Event.id))).limit(size)
        events = list(session.exec(dated))
    if len(events) < size:
        undated = select(*Event.__table__.columns).where(*conditions, col(Event.date_start).is_(None))
        if after is not None and after.start is None:
            undated = undated.where(col(Event.id) < after.id if newest_first else col(Event.id) > after.id)
        events += session.exec(undated.order_by(direction(col(Event.id))).limit(size - len(events)))
    return events


def _conditions(session: Session, filters: TimelineFilter) -> list:
    """The WHERE clauses that select a timeline's events."""
    conditions = []
    if filters.kinds:
        conditions.append(col(Event.kind).in_(filters.kinds))
    parents = family_parents(session) if filters.models or filters.model_ids else {}
    if filters.models:
        named = {m.id for name in filters.models for m in models_named(session, name)}
        conditions.append(_linked(EventModel.event_id, col(EventModel.model_id), with_descendants(parents, named)))
    if filters.model_ids:
        ids = with_descendants(parents, set(filters.model_ids))
        conditions.append(_linked(EventModel.event_id, col(EventModel.model_id), ids))
    if filters.organizations:
        ids = {o.id for name in filters.organizations for o in organizations_named(session, name)}
        conditions.append(_linked(EventOrganization.event_id, col(EventOrganization.organization_id), ids))
    if filters.organization_ids:
        conditions.append(_linked(EventOrganization.event_id, col(EventOrganization.organization_id), filters.organization_ids))
    if filters.people:
        ids = {p.id for name in filters.people for p in people_named(session, name)}
        conditions.append(_linked(EventPerson.event_id, col(EventPerson.person_id), ids))
    if filters.person_ids:
        conditions.append(_linked(EventPerson.event_id, col(EventPerson.person_id), filters.person_ids))
    if filters.date_from:
        conditions.append(col(Event.date_end) >= filters.date_from)
    if filters.date_to:
        conditions.append(col(Event.date_start) <= filters.date_to)
    if filters.min_confidence is not None:
        conditions.append(col(Event.confidence) >= filters.min_confidence)
    if filters.q is not None:
        matches = matching_event_ids(session.get_bind().dialect.name, search_terms(filters.q))
        conditions.append(col(Event.id).in_(matches))
    return conditions


def _linked(link_event_id, link_entity_id, entity_ids) -> sa.ColumnElement[bool]:
    """Events linked to any of ``entity_ids`` through a link table."""
    return col(Event.id).in_(select(link_event_id).where(link_entity_id.in_(sorted(entity_ids))))


def people_named(session: Session, name: str) -> list[Person]:
    """People whose name or any alias matches ``name`` (case and punctuation folded)."""
    key = alias_key(name)
    by_alias = select(Alias.person_id).where(Alias.key == key, col(Alias.person_id).is_not(None))
    return list(
        session.exec(select(Person).where(sa.or_(col(Person.id).in_(by_alias), Person.name == name)).order_by(Person.id))
    )


def database_version(session: Session) -> str:
    """A token that changes whenever the knowledge base is written to, on any engine.

    The highest id of every table rows are added to: ingestion adds articles, events and
    evidence, the gazetteer adds entities and aliases, and every edit, deletion and merge
    made through the API or the CLI adds an audit entry. Cheap: one index lookup per table.
    """
    tables = (Article, Event, Evidence, AuditEntry, Organization, AIModel, Person, Alias)
    row = session.exec(select(*(select(func.max(table.id)).scalar_subquery() for table in tables))).one()
    return ".".join(str(value or 0) for value in row)
