"""Each event's organizations, models, people and sources, computed in the query that reads the events.

A timeline page shows events with their lists. Read separately, the lists cost four more
queries and hundreds of Python objects per page; here each list is a correlated subquery of
the page query, built by the database: whole JSON documents for ``EventPublic``
(``event_document_column``, ``events_from_documents``), and joined text for the CSV export
(``text_list_columns``). The order of each list is that of ``kb.records.events_public``:
PostgreSQL orders inside the aggregate (``json_agg``, ``string_agg``); SQLite before 3.44
cannot, and aggregates an ordered subquery (``json_group_array``, ``group_concat``), whose
order it keeps (tests/test_timeline_reading.py checks both against ``events_public``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlmodel import col, func

from kb.models import AIModel, Article, Event, EventModel, EventOrganization, EventPerson, Evidence, Organization, Person
from kb.public import EventPublic

# Between the items of a list as text: the ASCII unit separator, which no name or URL holds.
SEPARATOR = "\x1f"


@dataclass(frozen=True)
class _List:
    """One list of an event: the rows it reads, their order, their fields as JSON and as text."""

    name: str
    source: sa.FromClause
    of_event: sa.ColumnElement[bool]
    order_by: tuple[sa.ColumnElement, ...]
    fields: dict[str, sa.ColumnElement]
    texts: dict[str, sa.ColumnElement]  # the list's columns as text, by name (``text_list_columns``)


@lru_cache(maxsize=4)
def _lists(dialect: str) -> tuple[_List, ...]:
    url = func.nullif(col(Article.url), "")  # no URL: NULL, never an empty one
    return (
        _List(
            "organizations",
            sa.join(EventOrganization, Organization, col(Organization.id) == col(EventOrganization.organization_id)),
            col(EventOrganization.event_id) == col(Event.id),
            (col(EventOrganization.role), col(Organization.name)),
            {"id": col(Organization.id), "name": col(Organization.name), "role": col(EventOrganization.role)},
            {"organizations": col(Organization.name)},
        ),
        _List(
            "models",
            sa.join(EventModel, AIModel, col(AIModel.id) == col(EventModel.model_id)),
            col(EventModel.event_id) == col(Event.id),
            (col(AIModel.name),),
            {"id": col(AIModel.id), "name": col(AIModel.name)},
            {"models": col(AIModel.name)},
        ),
        _List(
            "people",
            sa.join(EventPerson, Person, col(Person.id) == col(EventPerson.person_id)),
            col(EventPerson.event_id) == col(Event.id),
            (col(EventPerson.role), col(Person.name)),
            {"id": col(Person.id), "name": col(Person.name), "role": col(EventPerson.role)},
            {"people": col(Person.name)},
        ),
        _List(
            "sources",
            sa.join(Evidence, Article, col(Article.id) == col(Evidence.article_id)),
            col(Evidence.event_id) == col(Event.id),
            (col(Article.published), col(Evidence.id)),
            {
                "article_id": col(Article.id),
                "title": col(Article.title),
                "url": url,
                "file_name": col(Article.file_name),
                "published": col(Article.published),
                "quote": col(Evidence.quote),
                "char_start": col(Evidence.char_start),
                "char_end": col(Evidence.char_end),
                "background": _json_boolean(dialect, col(Evidence.background)),
            },
            # The aggregates leave NULLs out: sources without a URL, or without a file.
            {"source_urls": url, "source_files": col(Article.file_name)},
        ),
    )


def _key_values(fields: dict[str, sa.ColumnElement]) -> list[sa.ColumnElement]:
    return [value for key, field in fields.items() for value in (sa.literal_column(f"'{key}'"), field)]


def _json_array(dialect: str, spec: _List) -> sa.ColumnElement:
    if dialect == "postgresql":
        item = _json_object(dialect, spec.fields)
        array = func.coalesce(func.json_agg(aggregate_order_by(item, *spec.order_by)), sa.literal_column("'[]'::json"))
        return sa.select(array).select_from(spec.source).where(spec.of_event).scalar_subquery()
    _check(dialect)
    item = _json_object(dialect, spec.fields).label("item")
    ordered = sa.select(item).select_from(spec.source).where(spec.of_event).order_by(*spec.order_by).correlate(Event).subquery()
    # json(): the items reach the aggregate as text, and are JSON again.
    return sa.select(func.json_group_array(func.json(ordered.c.item))).scalar_subquery()


def _joined_text(dialect: str, spec: _List, text: sa.ColumnElement) -> sa.ColumnElement:
    separator = sa.literal(SEPARATOR)
    if dialect == "postgresql":
        joined = func.string_agg(text, aggregate_order_by(separator, *spec.order_by))
        return sa.select(joined).select_from(spec.source).where(spec.of_event).scalar_subquery()
    _check(dialect)
    ordered = sa.select(text.label("item")).select_from(spec.source).where(spec.of_event).order_by(*spec.order_by)
    ordered = ordered.correlate(Event).subquery()
    return sa.select(func.group_concat(ordered.c.item, separator)).scalar_subquery()


def _check(dialect: str) -> None:
    if dialect != "sqlite":
        raise NotImplementedError(f"per-event lists are not available on {dialect}")


@lru_cache(maxsize=4)
def event_document_column(dialect: str) -> sa.Label:
    """A correlated column for a select from ``event``: the event as the text of a JSON document.

    The document is ``EventPublic``'s JSON, its lists included: the API sends it as it is, and
    a page of events is parsed and validated in one call (``events_from_documents``).
    """
    date = _json_object(
        dialect,
        {
            "start": col(Event.date_start),
            "end": col(Event.date_end),
            "precision": col(Event.precision),
            "modifier": col(Event.modifier),
            "text": col(Event.date_text),
            "value": col(Event.date_value),
            "year_inferred": _json_boolean(dialect, col(Event.year_inferred)),
            "year_inference_reason": col(Event.year_inference_reason),
            "source": col(Event.date_source),
        },
    )
    lists = {spec.name: _json_array(dialect, spec) for spec in _lists(dialect)}
    document = _json_object(
        dialect,
        {
            "id": col(Event.id),
            "kind": col(Event.kind),
            "title": col(Event.title),
            "date": date,
            "organizations": lists["organizations"],
            "models": lists["models"],
            "people": lists["people"],
            "confidence": _json_float(dialect, col(Event.confidence)),
            "sources": lists["sources"],
        },
    )
    return (sa.cast(document, sa.Text) if dialect == "postgresql" else document).label("document")


def _json_boolean(dialect: str, value: sa.ColumnElement) -> sa.ColumnElement:
    if dialect == "postgresql":
        return value
    # SQLite stores a boolean as 0 or 1, which JSON would show as a number.
    return func.json(sa.case((value, sa.literal_column("'true'")), else_=sa.literal_column("'false'")))


def _json_float(dialect: str, value: sa.ColumnElement) -> sa.ColumnElement:
    if dialect == "postgresql":
        # PostgreSQL writes the fewest digits that read back as the same float, as Python does,
        # but a whole number without Python's ".0".
        text = sa.cast(value, sa.Text)
        return sa.cast(sa.case((text.regexp_match("^-?[0-9]+$"), text + ".0"), else_=text), sa.JSON)
    # SQLite writes a REAL in JSON with 15 digits, which may not read back as the same float:
    # 15 digits when they do (0.7, not 0.69999999999999996), else 17, which always do.
    short, full = (func.printf(sa.literal_column(f"'%!.{digits}g'"), value) for digits in (15, 17))
    return func.json(sa.case((sa.cast(short, sa.Float) == value, short), else_=full))


def _json_object(dialect: str, fields: dict[str, sa.ColumnElement]) -> sa.ColumnElement:
    return (func.json_build_object if dialect == "postgresql" else func.json_object)(*_key_values(fields))


def text_list_columns(dialect: str, names: Iterable[str]) -> list[sa.Label]:
    """Correlated columns for a select from ``event``: the lists ``names`` as text, items joined by ``SEPARATOR``.

    ``organizations``, ``models`` and ``people`` give names; ``source_urls`` the sources' URLs
    and ``source_files`` their file names, each where there is one. An empty list gives NULL.
    """
    texts = {name: (spec, text) for spec in _lists(dialect) for name, text in spec.texts.items()}
    return [_joined_text(dialect, *texts[name]).label(name) for name in names]


def first_quote_column(dialect: str) -> sa.Label:
    """A correlated column for a select from ``event``: the quote of its first source (NULL without one)."""
    sources = next(spec for spec in _lists(dialect) if spec.name == "sources")
    first = sa.select(col(Evidence.quote)).select_from(sources.source).where(sources.of_event).order_by(*sources.order_by)
    return first.limit(1).scalar_subquery().label("quote")


_EVENTS = TypeAdapter(list[EventPublic])


def events_from_documents(documents: Iterable[str]) -> list[EventPublic]:
    """Events from their ``event_document_column``s, parsed and validated in one call."""
    return _EVENTS.validate_json("[" + ",".join(documents) + "]")
