"""Reading the knowledge base: the timeline with its filters, search, facets and pages.

The web page, the API and the CLI read through this module; it also offers the single
records of ``kb.records`` (``get_event``, ``list_models`` ...).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
import dataclasses
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlmodel import Session, col, func, select

from kb.event_lists import events_from_documents
from kb.facets import FACET_SIZE, FACETS, MAX_FACET_SIZE, facet_counts
from kb.models import Event, EventKind
from kb.public import EventPublic, Facet, TimelinePage

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
from kb.search import MAX_QUERY_WORDS, search_terms
from kb.selection import EventSelection, SelectionShape, event_selection, selection_conditions, tested_sets
from kb.stored_json import public_json_column

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "QueryError",
    "TimelineDocuments",
    "TimelineFilter",
    "events_public",
    "get_article",
    "get_event",
    "get_model",
    "get_organization",
    "get_person",
    "iter_timeline",
    "iter_timeline_rows",
    "list_models",
    "list_organizations",
    "list_people",
    "event_kinds",
    "listed",
    "timeline",
    "timeline_documents",
]

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
_SMALL_PAGE = 100  # rows read in one query (see _rows)


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
                raise QueryError(
                    "q", "the search query has no words to look for (common words such as «в» and «для» are not searched)"
                )
            if words > MAX_QUERY_WORDS:
                raise QueryError("q", f"the search query has {words} words; at most {MAX_QUERY_WORDS} are allowed")

    def fingerprint(self) -> str:
        """Ties a cursor to the query it was made for."""
        values = ((field.name, getattr(self, field.name)) for field in dataclasses.fields(self))
        fields = {name: sorted(map(str, value)) if isinstance(value, tuple) else str(value) for name, value in values}
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
    facet_size: int = FACET_SIZE,
    total: bool = False,
) -> TimelinePage:
    """One page of events, the cursor of the next page (or None), and the ``facets`` asked for.

    ``facets`` are names from ``kb.facets.FACETS``, ``facet_size`` values each; their counts,
    like the ``total`` number of events (when asked for), cover every event the filters
    select, not only this page.
    """
    return timeline_documents(session, filters, limit, cursor, facets, facet_size, total).page()


@dataclass(frozen=True)
class TimelineDocuments:
    """A page of ``timeline`` with each event as the JSON text the database wrote (``kb.event_lists``)."""

    items: list[str]
    next: str | None
    total: int | None = None
    facets: dict[str, Facet] | None = None

    def json(self) -> str:
        """The page as ``TimelinePage``'s JSON, the events' text left as it is."""
        parts = ['{"items":[', ",".join(self.items), '],"next":', json.dumps(self.next)]
        if self.total is not None:
            parts += [',"total":', str(self.total)]
        if self.facets is not None:
            parts += [',"facets":', _FACETS.dump_json(self.facets).decode()]
        return "".join(parts) + "}"

    def page(self) -> TimelinePage:
        """The page, its events parsed and validated."""
        return TimelinePage(items=events_from_documents(self.items), next=self.next, total=self.total, facets=self.facets)


_FACETS = TypeAdapter(dict[str, Facet])


def timeline_documents(
    session: Session,
    filters: TimelineFilter,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    facets: Sequence[str] = (),
    facet_size: int = FACET_SIZE,
    total: bool = False,
) -> TimelineDocuments:
    """``timeline``, with the events as JSON text: what the API sends, read without building an object per event."""
    _check_limit(limit)
    unknown = [name for name in facets if name not in FACETS]
    if unknown:
        raise QueryError("facets", f"no facet {unknown[0]!r}; facets are {', '.join(FACETS)}")
    if not 1 <= facet_size <= MAX_FACET_SIZE:
        raise QueryError("facet_size", f"facet_size must be between 1 and {MAX_FACET_SIZE}")
    connection = session.connection()
    selection = event_selection(connection, filters)
    rows, following = _page_of_rows(connection, filters, selection, limit, cursor, _documents(connection.dialect.name))
    selected = select(Event.id).where(*selection.conditions()).params(selection.values)
    counts = facet_counts(session, selected, facets, facet_size) if facets else None
    count = session.exec(select(func.count()).select_from(selected.subquery())).one() if total else None
    return TimelineDocuments([row.public_json for row in rows], following, count, counts)


@lru_cache(maxsize=4)
def _documents(dialect: str) -> sa.Select:
    """The columns of a page of events as JSON: the stored text (see ``kb.stored_json``)."""
    return select(col(Event.id), col(Event.date_start), public_json_column(dialect))


def iter_timeline(
    session: Session, filters: TimelineFilter, page_size: int = 500, limit: int | None = None
) -> Iterator[EventPublic]:
    """Every event of a timeline (the first ``limit``, if given), page by page, so that memory stays flat for any size."""
    for rows in iter_timeline_rows(session, filters, _documents(session.get_bind().dialect.name), page_size, limit=limit):
        yield from events_from_documents(row.public_json for row in rows)


def iter_timeline_rows(
    session: Session,
    filters: TimelineFilter,
    columns: sa.Select,
    page_size: int = 500,
    batch_size: int | None = None,
    limit: int | None = None,
) -> Iterator[list[sa.Row]]:
    """Every event of a timeline as rows of ``columns``, ``batch_size`` rows at a time (default: a page).

    ``columns`` is a select from ``event`` with no WHERE or ORDER BY; it must include
    ``event.id`` and ``event.date_start`` (a date, or the ISO text SQLite stores), and may hold
    correlated subqueries (``kb.event_lists``): they are computed for the events of the page
    only. A page is one query; its rows are read ``batch_size`` at a time, so that a large
    page (which reads the events it spans with fewer passes over the file) costs the memory
    of a batch. Pages may be larger than ``MAX_LIMIT``, which bounds what a client asks for,
    not what the library reads. With ``limit``, the first ``limit`` events only.
    """
    if page_size < 1:
        raise ValueError(f"page_size must be positive, not {page_size}")
    if limit is not None and limit < 1:
        raise QueryError("limit", f"limit must be positive, not {limit}")
    connection = session.connection()
    selection = event_selection(connection, filters)
    if limit is not None:
        page_size = min(page_size, limit)
    shape = _page_shape(connection, selection, columns, page_size)
    after, left = None, limit
    while True:
        read = 0
        for batch in _page_batches(connection, shape, selection.values, after, page_size, batch_size or page_size):
            if left is not None:
                batch = batch[:left]
                left -= len(batch)
            if batch:
                yield batch
                read += len(batch)
                last = batch[-1]
        if read < page_size or left == 0:
            return
        after = _Position(_start_date(last), last.id, "")


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError("limit", f"limit must be between 1 and {MAX_LIMIT}")


def _page_of_rows(
    connection: sa.Connection, filters: TimelineFilter, selection: EventSelection, limit: int, cursor: str | None, columns: sa.Select
) -> tuple[list[sa.Row], str | None]:
    """A page of rows of ``columns`` and the cursor of the next page (None on the last)."""
    position = _Position.decode(cursor, filters.fingerprint()) if cursor else None
    shape = _page_shape(connection, selection, columns, limit)
    # One row more than asked tells whether another page follows.
    rows = [row for batch in _page_batches(connection, shape, selection.values, position, limit + 1, limit + 1) for row in batch]
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, _Position(_start_date(rows[-1]), rows[-1].id, filters.fingerprint()).encode()


def _page_shape(connection: sa.Connection, selection: EventSelection, columns: sa.Select, limit: int) -> _PageShape:
    """The shape of the statements that read pages of ``limit`` events of ``selection``."""
    tested = tested_sets(connection, selection, limit)
    # With a set to start from, SQLite reads its events and sorts them; PostgreSQL computes
    # expensive columns after sorting anyway.
    sorting = connection.dialect.name == "sqlite" and len(tested) < len(selection.sets)
    return _PageShape(columns, selection.shape(tested), selection.filters.newest_first, sorting)


def _start_date(row: sa.Row) -> date | None:
    start = row.date_start
    return date.fromisoformat(start) if isinstance(start, str) else start


@dataclass(frozen=True)
class _PageShape:
    """What the statements that read a page depend on, their values aside."""

    columns: sa.Select
    selection: SelectionShape
    newest_first: bool
    sorting: bool  # the database will rather read the events of a set and sort them (see ``_rows``)


def _page_batches(
    connection: sa.Connection, shape: _PageShape, values: dict, after: _Position | None, size: int, batch_size: int
) -> Iterator[list[sa.Row]]:
    """Up to ``size`` events after ``after``, ``batch_size`` rows at a time: dated ones by (start, id), then undated ones by id.

    Two plain keyset queries rather than one ``ORDER BY CASE``: each can walk an index
    (``ix_event_chronology``, the primary key) and stop after ``size`` rows.
    """
    read = 0
    if after is None or after.start is not None:
        statement = _rows(shape, dated=True, after=after is not None, in_one_go=_in_one_go(shape, size))
        position = {"after_start": after.start, "after_id": after.id} if after else {}
        for batch in connection.execute(statement, {**values, **position, "size": size}).partitions(batch_size):
            read += len(batch)
            yield batch
    if read < size:
        rest = size - read
        after_undated = after is not None and after.start is None
        statement = _rows(shape, dated=False, after=after_undated, in_one_go=_in_one_go(shape, rest))
        position = {"after_id": after.id} if after_undated else {}
        yield from connection.execute(statement, {**values, **position, "size": rest}).partitions(batch_size)


def _in_one_go(shape: _PageShape, size: int) -> bool:
    return not shape.sorting and size <= _SMALL_PAGE


@lru_cache(maxsize=512)
def _rows(shape: _PageShape, dated: bool, after: bool, in_one_go: bool) -> sa.Select:
    """The statement of the first ``size`` (a parameter) rows of ``shape.columns`` in timeline order, built once.

    Dated events in (start, id) order after the parameters ``after_start``, ``after_id``, or
    undated ones in id order after ``after_id``. A small page that the database finds in
    order is read in one go. Otherwise the page's ids are found first, and the columns read
    for them alone: SQLite computes a row's columns before sorting it, a waste on every row
    left out; and it reads the ids in id order, where the links of consecutive events lie
    together (for a page of an export, a tenth less work).
    """
    direction = sa.desc if shape.newest_first else sa.asc
    conditions = [*selection_conditions(shape.selection)]
    if dated:
        conditions.append(col(Event.date_start).is_not(None))
        if after:
            key = sa.tuple_(col(Event.date_start), col(Event.id))
            position = sa.tuple_(sa.bindparam("after_start", type_=sa.Date), sa.bindparam("after_id", type_=sa.Integer))
            conditions.append(key < position if shape.newest_first else key > position)
        order = (direction(col(Event.date_start)), direction(col(Event.id)))
    else:
        conditions.append(col(Event.date_start).is_(None))
        if after:
            after_id = sa.bindparam("after_id", type_=sa.Integer)
            conditions.append(col(Event.id) < after_id if shape.newest_first else col(Event.id) > after_id)
        order = (direction(col(Event.id)),)
    size = sa.bindparam("size", type_=sa.Integer)
    if in_one_go:
        return shape.columns.where(*conditions).order_by(*order).limit(size)
    page = select(Event.id).where(*conditions).order_by(*order).limit(size)
    return shape.columns.where(col(Event.id).in_(page)).order_by(*order)


def listed(values: Iterable[str]) -> tuple[str, ...]:
    """Values given repeated or in comma lists, each once and stripped, blanks left out.

    >>> listed(["leak,release", " leak ", ""])
    ('leak', 'release')
    """
    return tuple(dict.fromkeys(item.strip() for value in values for item in value.split(",") if item.strip()))


def event_kinds(values: Iterable[str]) -> tuple[EventKind, ...]:
    """The event kinds named by ``values`` (repeated or in comma lists); a ``QueryError`` names an unknown one."""
    kinds = []
    for value in listed(values):
        try:
            kinds.append(EventKind(value))
        except ValueError:
            raise QueryError("kind", f"no event kind {value!r}; kinds are {', '.join(k.value for k in EventKind)}") from None
    return tuple(kinds)
