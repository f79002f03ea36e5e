"""What the web pages show, as plain data: a timeline grouped by year and month, and one
article with the quotes that support its events marked in its text (dates are spelled by
``kb.date_labels``).

Nothing here knows of HTTP or HTML; ``api/web.py`` renders these shapes with Jinja2.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from kb.date_labels import HALVES, MONTHS, QUARTERS, SEASONS
from kb.dates import Modifier, Precision
from kb.models import AIModel, Article, Event, EventKind, Evidence, Organization, Person, Role
from kb.public import DatePublic, EventPublic
from kb.queries import events_public
from kb.titles import KIND_LABELS

_YEAR_PARTS = {Modifier.start: "Начало года", Modifier.mid: "Середина года", Modifier.end: "Конец года"}

ROLE_LABELS = {
    # What an organization does in an event, in a word, as the timeline shows it.
    Role.subject: "участник",
    Role.developer: "разработчик",
    Role.platform: "площадка",
    Role.reporter: "источник",
    Role.investor: "инвестор",
    Role.target: "объект",
    Role.regulator: "регулятор",
    Role.partner: "партнёр",
}


def kind_label(kind: EventKind) -> str:
    """The kind of an event in a Russian word: «Утечка», «Выпуск»."""
    return KIND_LABELS[kind]


# --- the timeline --------------------------------------------------------------------------------


@dataclass
class TimelineSection:
    """Events under one heading of a year: a month («Март»), a season («Лето»), «В течение года»."""

    heading: str | None
    events: list[EventPublic]


@dataclass
class TimelineYear:
    """A year's events («2023»); also «2010-е» for decades and «Дата неизвестна»."""

    heading: str
    sections: list[TimelineSection]


def timeline_years(events: Iterable[EventPublic]) -> list[TimelineYear]:
    """Events grouped by year, then month (or season, quarter …), keeping their order.

    Events arrive in timeline order; a heading starts wherever the year or month changes,
    so a page of a longer timeline shows the groups it holds.
    """
    years: list[TimelineYear] = []
    for event in events:
        year_heading, section_heading = _headings(event.date)
        if not years or years[-1].heading != year_heading:
            years.append(TimelineYear(year_heading, []))
        sections = years[-1].sections
        if not sections or sections[-1].heading != section_heading:
            sections.append(TimelineSection(section_heading, []))
        sections[-1].events.append(event)
    return years


def _headings(when: DatePublic) -> tuple[str, str | None]:
    if when.start is None:
        return "Дата неизвестна", None
    start, precision = when.start, when.precision or Precision.day
    if precision is Precision.decade:
        return f"{start.year // 10 * 10}-е", None
    if precision in (Precision.day, Precision.week, Precision.month):
        section = MONTHS[start.month - 1]
    elif precision is Precision.season:
        section = SEASONS[start.month][0]
    elif precision is Precision.quarter:
        section = f"{QUARTERS[(start.month - 1) // 3]} квартал"
    elif precision is Precision.half:
        section = HALVES[(start.month - 1) // 6][0]
    else:
        section = _YEAR_PARTS.get(when.modifier, "В течение года")
    return str(start.year), section[:1].upper() + section[1:]


@dataclass(frozen=True)
class EntityNames:
    """Every model, organization and person by name: what the filters suggest."""

    models: list[str]
    organizations: list[str]
    people: list[str]


def entity_names(session: Session) -> EntityNames:
    """The names of all entities, sorted: three small queries, whatever the number of events."""
    return EntityNames(
        models=list(session.exec(select(AIModel.name).order_by(AIModel.name))),
        organizations=list(session.exec(select(Organization.name).order_by(Organization.name))),
        people=list(session.exec(select(Person.name).order_by(Person.name))),
    )


@dataclass(frozen=True)
class Participant:
    """An organization of an event with every role it plays there."""

    id: int
    name: str
    roles: list[str]


def participants(event: EventPublic) -> list[Participant]:
    """The event's organizations, each once, with its roles in Russian («Meta: участник, разработчик»)."""
    found: dict[int, Participant] = {}
    for org in event.organizations:
        found.setdefault(org.id, Participant(org.id, org.name, [])).roles.append(ROLE_LABELS[org.role])
    return list(found.values())


# --- one article -------------------------------------------------------------------------------


def quote_anchor(char_start: int) -> str:
    """The fragment id of the quote that starts at ``char_start`` in its article's page."""
    return f"q{char_start}"


@dataclass(frozen=True)
class TextSegment:
    """A run of an article's text, marked when it is part of a quote; ``anchor`` where a quote starts."""

    text: str
    marked: bool
    anchor: str | None


@dataclass(frozen=True)
class ArticlePage:
    """An article, its text cut into marked and unmarked runs, and the events it supports."""

    id: int
    title: str
    url: str | None
    file_name: str | None
    source: str | None
    published: date | None
    segments: list[TextSegment]
    events: list[EventPublic]


def marked_segments(text: str, spans: Iterable[tuple[int, int]]) -> list[TextSegment]:
    """``text`` cut at every quote boundary; overlapping quotes stay marked throughout."""
    spans = [(max(0, start), min(len(text), end)) for start, end in spans]
    spans = [(start, end) for start, end in spans if start < end]
    starts = {start for start, _ in spans}
    cuts = sorted({0, len(text), *(point for span in spans for point in span)})
    return [
        TextSegment(
            text[a:b],
            any(start <= a and b <= end for start, end in spans),
            quote_anchor(a) if a in starts else None,
        )
        for a, b in zip(cuts, cuts[1:])
    ]


def article_page(session: Session, article_id: int) -> ArticlePage | None:
    """The article with its quotes marked and its events in timeline order, or None."""
    article = session.get(Article, article_id)
    if article is None:
        return None
    evidence = list(session.exec(select(Evidence).where(Evidence.article_id == article_id)))
    unknown_last = sa.case((col(Event.date_start).is_(None), 1), else_=0)
    events = list(
        session.exec(
            select(Event)
            .where(col(Event.id).in_({e.event_id for e in evidence}))
            .order_by(unknown_last, col(Event.date_start), col(Event.id))
        )
    )
    return ArticlePage(
        id=article.id,
        title=article.title,
        url=article.url,
        file_name=article.file_name,
        source=article.source,
        published=article.published,
        segments=marked_segments(article.text, [(e.char_start, e.char_end) for e in evidence]),
        events=events_public(session, events),
    )
