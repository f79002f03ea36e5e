"""A timeline as an iCalendar feed (RFC 5545): one all-day VEVENT per dated event.

Calendar applications subscribe to it (``GET /timeline.ics``) or import it. Events of
unknown date are left out: a calendar entry needs a day. Each entry lasts the event's
interval (a March event spans March), says its sources in DESCRIPTION, and keeps its UID
across exports, so that a subscribed calendar updates entries instead of duplicating them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone

from kb.public import EventPublic

_MAX_OCTETS = 75  # per content line, excluding CRLF (RFC 5545 section 3.1)
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


def _vevent(event: EventPublic, stamp: str) -> list[str]:
    when = event.date
    lines = [
        "BEGIN:VEVENT",
        f"UID:kb-event-{event.id}@kb",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{when.start:%Y%m%d}",
        # DTEND of an all-day event is the day after its last (exclusive).
        f"DTEND;VALUE=DATE:{(when.end or when.start) + timedelta(days=1):%Y%m%d}",
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
        lines.append(f"— {source.title}{published} {source.url or ''}".rstrip())
        lines.append(f"«{source.quote}»")
    return "\n".join(lines)


def ics_lines(events: Iterable[EventPublic], now: datetime | None = None) -> Iterator[str]:
    """The calendar, a folded content line at a time (CRLF line ends); ``now`` stamps each entry."""
    stamp = f"{(now or datetime.now(timezone.utc)).astimezone(timezone.utc):%Y%m%dT%H%M%SZ}"
    header = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//kb//AI industry timeline//RU",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:kb: события ИИ-индустрии",
    ]
    yield from map(fold, header)
    for event in events:
        if event.date.start is not None:
            yield from map(fold, _vevent(event, stamp))
    yield fold("END:VCALENDAR")
