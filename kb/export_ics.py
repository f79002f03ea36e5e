"""A timeline as an iCalendar feed (RFC 5545): one all-day VEVENT per dated event.

Calendar applications subscribe to it (``GET /timeline.ics``) or import it. Events of
unknown date are left out: a calendar entry needs a day. Each entry lasts the event's
interval (a March event spans March) and says its sources in DESCRIPTION. Its UID holds the
event's id and the database's uid (``database_state``, kept by ``kb dump`` and ``kb
restore``), so that it stays the same across exports and no other knowledge base's entry
has it: a subscribed calendar updates entries instead of duplicating them. SEQUENCE and
LAST-MODIFIED say when what the entry shows last changed (``event_json.revision`` and
``modified_at``, kept by triggers), and REFRESH-INTERVAL how often to ask again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

import sqlalchemy as sa
from sqlmodel import Session, col, select

from kb.event_lists import events_from_documents
from kb.export_format import ExportFormat, chunked
from kb.models import DatabaseState, Event, EventJson
from kb.public import EventPublic
from kb.queries import TimelineFilter, iter_timeline_rows
from kb.stored_json import public_json_column

_MAX_OCTETS = 75  # per content line, excluding CRLF (RFC 5545 section 3.1)
# How often a subscribed calendar should ask again (RFC 7986; X-PUBLISHED-TTL for Outlook and Apple).
REFRESH_INTERVAL = "PT12H"
# TEXT values may not carry control characters other than the tab (RFC 5545 section 3.3.11).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def ics_text(value: str) -> str:
    """A TEXT property value: backslash, semicolon, comma and line breaks escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    return _CONTROL.sub("", value)


def fold(line: str) -> str:
    """A content line folded into lines of at most 75 octets, never inside a UTF-8 character."""
    parts, current, size, limit = [], [], 0, _MAX_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            parts.append("".join(current))
            # A continuation line starts with a space, which counts towards its 75 octets.
            current, size, limit = [], 0, _MAX_OCTETS - 1
        current.append(char)
        size += octets
    parts.append("".join(current))
    return "\r\n ".join(parts) + "\r\n"


@dataclass(frozen=True)
class CalendarEntry:
    """An event as a calendar entry: with its revision (SEQUENCE) and the time of its last change."""

    event: EventPublic
    sequence: int = 0
    created: datetime | None = None
    modified: datetime | None = None


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}"


def _vevent(entry: CalendarEntry, calendar_uid: str, stamp: str) -> list[str]:
    event = entry.event
    when = event.date
    lines = [
        "BEGIN:VEVENT",
        f"UID:kb-event-{event.id}-{calendar_uid}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{when.start:%Y%m%d}",
        # DTEND of an all-day event is the day after its last (exclusive).
        f"DTEND;VALUE=DATE:{(when.end or when.start) + timedelta(days=1):%Y%m%d}",
        f"SEQUENCE:{entry.sequence}",
    ]
    if entry.created is not None:
        lines.append(f"CREATED:{_utc(entry.created)}")
    if entry.modified is not None:
        lines.append(f"LAST-MODIFIED:{_utc(entry.modified)}")
    lines += [
        f"SUMMARY:{ics_text(event.title)}",
        f"DESCRIPTION:{ics_text(_description(event))}",
        f"CATEGORIES:{ics_text(event.kind.value)}",
    ]
    web = [s.url for s in event.sources if s.url and s.url.startswith(("https://", "http://")) and not _CONTROL.search(s.url)]
    if web:
        lines.append(f"URL:{web[0]}")
    lines.append("END:VEVENT")
    return lines


def _description(event: EventPublic) -> str:
    when = event.date
    lines = []
    if when.text:
        lines.append(f"Дата в тексте: «{when.text}»")
    if when.year_inferred and when.year_inference_reason:
        lines.append(f"Год предположен: {when.year_inference_reason}")
    participants = [o.name for o in event.organizations] + [m.name for m in event.models] + [p.name for p in event.people]
    if participants:
        lines.append("Участники: " + ", ".join(dict.fromkeys(participants)))
    lines.append("Источники:")
    for source in event.sources:
        published = f" ({source.published:%d.%m.%Y})" if source.published else ""
        lines.append(f"— {source.title}{published} {source.url or source.file_name or ''}".rstrip())
        lines.append(f"«{source.quote}»")
    return "\n".join(lines)


def ics_lines(entries: Iterable[CalendarEntry], calendar_uid: str, now: datetime | None = None) -> Iterator[str]:
    """The calendar, a folded content line at a time (CRLF line ends).

    ``calendar_uid`` makes the entries' UIDs this knowledge base's own; ``now`` stamps each entry.
    """
    stamp = _utc(now or datetime.now(timezone.utc))
    header = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//kb//AI industry timeline//RU",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "NAME:kb: события ИИ-индустрии",
        "X-WR-CALNAME:kb: события ИИ-индустрии",
        f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH_INTERVAL}",
        f"X-PUBLISHED-TTL:{REFRESH_INTERVAL}",
    ]
    yield from map(fold, header)
    for entry in entries:
        if entry.event.date.start is not None:
            yield from map(fold, _vevent(entry, calendar_uid, stamp))
    yield fold("END:VCALENDAR")


def calendar_entries(session: Session, filters: TimelineFilter, limit: int | None = None) -> Iterator[CalendarEntry]:
    """The events of a timeline as calendar entries, page by page."""
    for rows in iter_timeline_rows(session, filters, _entry_columns(session.get_bind().dialect.name), limit=limit):
        events = events_from_documents(row.public_json for row in rows)
        for event, row in zip(events, rows):
            # Never changed since it was made: last modified when it was created.
            yield CalendarEntry(event, row.revision or 0, row.created_at, row.modified_at or row.created_at)


@lru_cache(maxsize=4)
def _entry_columns(dialect: str) -> sa.Select:
    stored = EventJson.__table__.c
    of_event = stored.event_id == col(Event.id)
    return select(
        col(Event.id),
        col(Event.date_start),
        public_json_column(dialect),
        select(stored.revision).where(of_event).scalar_subquery().label("revision"),
        col(Event.created_at),
        select(stored.modified_at).where(of_event).scalar_subquery().label("modified_at"),
    )


def database_uid(session: Session) -> str:
    """The uid of the database ``session`` reads (made by migration 0005, kept by dumps)."""
    return session.exec(select(DatabaseState.uid)).one()


@dataclass(frozen=True)
class CalendarFormat(ExportFormat):
    """The iCalendar feed: entries with their revisions, under this database's uid."""

    def write_timeline(self, session: Session, filters: TimelineFilter, limit: int | None = None) -> Iterator[str]:
        return chunked(ics_lines(calendar_entries(session, filters, limit), database_uid(session)))
