"""What the web pages show, as plain data: Russian date labels, a timeline grouped by year and
month, and one article with the quotes that support its events marked in its text.

Nothing here knows of HTTP or HTML; ``api/web.py`` renders these shapes with Jinja2.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from kb.dates import Modifier, Precision
from kb.models import AIModel, Article, Event, EventKind, Evidence, Organization, Person, Role
from kb.public import DatePublic, EventPublic
from kb.queries import events_public
from kb.titles import KIND_LABELS

MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь",
          "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь")
MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня",
                   "июля", "августа", "сентября", "октября", "ноября", "декабря")
# Meteorological seasons by month: (nominative, genitive).
_SEASONS = {12: ("зима", "зимы"), 1: ("зима", "зимы"), 2: ("зима", "зимы"),
            3: ("весна", "весны"), 4: ("весна", "весны"), 5: ("весна", "весны"),
            6: ("лето", "лета"), 7: ("лето", "лета"), 8: ("лето", "лета"),
            9: ("осень", "осени"), 10: ("осень", "осени"), 11: ("осень", "осени")}
_QUARTERS = ("I", "II", "III", "IV")
_HALVES = (("первое полугодие", "первого полугодия"), ("второе полугодие", "второго полугодия"))
_PARTS = {Modifier.start: "начало", Modifier.mid: "середина", Modifier.end: "конец", Modifier.approx: "около"}
_YEAR_PARTS = {Modifier.start: "Начало года", Modifier.mid: "Середина года", Modifier.end: "Конец года"}
_UNKNOWN_YEAR = re.compile(r"XXXX-(\d{2})(?:-(\d{2}))?")

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


# --- dates -------------------------------------------------------------------------------------


def date_label(when: DatePublic) -> str:
    """An event's date at its precision, in Russian.

    «3 марта 2023», «1–5 марта 2023», «март 2023», «начало марта 2023», «весна 2023»,
    «II квартал 2023», «2023», «конец 2023 года», «2010-е»; «19 сентября, год неизвестен»
    when only the year is missing; «дата неизвестна» when nothing is known.
    """
    if when.start is None:
        found = _UNKNOWN_YEAR.fullmatch(when.value or "")
        if found and found[2]:
            return f"{int(found[2])} {MONTHS_GENITIVE[int(found[1]) - 1]}, год неизвестен"
        if found:
            return f"{MONTHS[int(found[1]) - 1]}, год неизвестен"
        return "дата неизвестна"
    precision = when.precision or Precision.day
    end = when.end or when.start
    if end != when.start and ("/" in (when.value or "") or precision is Precision.day):
        return _range_label(when.start, end, precision)
    if when.modifier in _PARTS and (precision is not Precision.day or when.modifier is Modifier.approx):
        return f"{_PARTS[when.modifier]} {_period(when.start, precision, genitive=True)}"
    return _period(when.start, precision, genitive=False)


def _period(start: date, precision: Precision, genitive: bool) -> str:
    """The period of ``precision`` that contains ``start``, e.g. «март 2023» or «марта 2023»."""
    case = 1 if genitive else 0
    if precision is Precision.day:
        return _day(start)
    if precision is Precision.week:
        return f"{('неделя', 'недели')[case]} с {_day(start)}"
    if precision is Precision.month:
        return f"{(MONTHS, MONTHS_GENITIVE)[case][start.month - 1]} {start.year}"
    if precision is Precision.season:
        # Winter runs from December into the next year: «зима 2022/23».
        first_year = start.year - 1 if start.month < 3 else start.year
        year = f"{first_year}/{(first_year + 1) % 100:02d}" if start.month in (12, 1, 2) else str(start.year)
        return f"{_SEASONS[start.month][case]} {year}"
    if precision is Precision.quarter:
        return f"{_QUARTERS[(start.month - 1) // 3]} {('квартал', 'квартала')[case]} {start.year}"
    if precision is Precision.half:
        return f"{_HALVES[(start.month - 1) // 6][case]} {start.year}"
    if precision is Precision.decade:
        return f"{start.year // 10 * 10}-{('е', 'х')[case]}"
    return f"{start.year} года" if genitive else str(start.year)


def _day(day: date) -> str:
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]} {day.year}"


def _range_label(start: date, end: date, precision: Precision) -> str:
    """«1–5 марта 2023», «28 февраля – 3 марта 2023», «январь–март 2023», «2021 – 2023»."""
    if precision is Precision.day:
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day}–{end.day} {MONTHS_GENITIVE[end.month - 1]} {end.year}"
        if start.year == end.year:
            return f"{start.day} {MONTHS_GENITIVE[start.month - 1]} – {_day(end)}"
    if precision is Precision.month and start.year == end.year:
        return f"{MONTHS[start.month - 1]}–{MONTHS[end.month - 1]} {end.year}"
    return f"{_period(start, precision, genitive=False)} – {_period(end, precision, genitive=False)}"


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
        section = _SEASONS[start.month][0]
    elif precision is Precision.quarter:
        section = f"{_QUARTERS[(start.month - 1) // 3]} квартал"
    elif precision is Precision.half:
        section = _HALVES[(start.month - 1) // 6][0]
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
