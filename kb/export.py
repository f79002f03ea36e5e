"""Exports of a timeline, streamed: CSV, JSON Lines, a TimelineJS spreadsheet and iCalendar.

Each format turns an iterable of events (``kb.queries.iter_timeline``, which reads page by
page) into text chunks, so that an export of any size runs in constant memory. The CSV of a
timeline is read straight from the database instead (``timeline_csv``): one query per page,
with the names and URLs joined by the database, and no ``EventPublic`` per row. Every CSV
cell is neutralised against formula injection (``csv_cell``).
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from sqlmodel import Session, col, select

from kb.dates import Precision
from kb.event_lists import SEPARATOR, text_list_columns
from kb.export_ics import ics_lines
from kb.models import Event
from kb.public import EventPublic
from kb.queries import TimelineFilter, iter_timeline, iter_timeline_rows
from kb.titles import KIND_LABELS

CSV_HEADER = ["id", "date_start", "date_end", "precision", "kind", "title", "organizations", "models", "sources"]
TIMELINEJS_HEADER = [
    "Year", "Month", "Day", "Time", "End Year", "End Month", "End Day", "End Time", "Display Date",
    "Headline", "Text", "Media", "Media Credit", "Media Caption", "Media Thumbnail", "Type", "Group", "Background",
]
# A spreadsheet runs a cell that begins with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_CHUNK = 64_000  # characters per chunk sent


def csv_cell(value: object) -> str:
    """A cell's text, neutralised against formula injection with a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def chunked(pieces: Iterable[str], size: int = _CHUNK) -> Iterator[str]:
    """Small pieces of text joined into chunks of about ``size`` characters."""
    buffer: list[str] = []
    length = 0
    for piece in pieces:
        buffer.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)


def _csv_lines(header: list[str], rows: Iterable[list[object]]) -> Iterator[str]:
    """RFC 4180 lines (CRLF), the header first, every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_cell(value) for value in row])
        yield buffer.getvalue()


# --- the timeline as CSV ------------------------------------------------------------------------


def csv_row(event: EventPublic) -> list[str]:
    """An event as a row under ``CSV_HEADER`` (not yet neutralised)."""
    return [
        str(event.id),
        event.date.start.isoformat() if event.date.start else "",
        event.date.end.isoformat() if event.date.end else "",
        event.date.precision.value if event.date.precision else "",
        event.kind.value,
        event.title,
        ";".join(dict.fromkeys(o.name for o in event.organizations)),
        ";".join(m.name for m in event.models),
        ";".join(dict.fromkeys(s.url or "" for s in event.sources)),
    ]


def csv_lines(events: Iterable[EventPublic]) -> Iterator[str]:
    """The timeline CSV, a line at a time."""
    return _csv_lines(CSV_HEADER, map(csv_row, events))


def iter_csv(events: Iterable[EventPublic]) -> Iterator[str]:
    """The timeline CSV (RFC 4180, UTF-8) in chunks: the header line, then one line per event."""
    return chunked(csv_lines(events))


# Rows per query: a page's events lie all over the file, and a larger page reads them in
# fewer passes (at a million events, 50,000 rows a page take a fifth less time than 5,000).
_CSV_PAGE = 50_000
_CSV_BATCH = 2000  # rows read and sent at a time (a quarter of a megabyte): memory stays flat


def timeline_csv(session: Session, filters: TimelineFilter) -> Iterator[str]:
    """The timeline CSV of ``filters`` in chunks, as ``iter_csv`` writes it, read straight from the database."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    yield buffer.getvalue()
    for page in iter_timeline_rows(session, filters, _csv_columns(session.get_bind().dialect.name), _CSV_PAGE, _CSV_BATCH):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(map(_flat_csv_row, page))
        yield buffer.getvalue()


@lru_cache(maxsize=4)
def _csv_columns(dialect: str) -> sa.Select:
    """The columns of ``timeline_csv``'s rows, built once: the page statements made of them are too."""
    return select(
        col(Event.id),
        # As SQLite stores them (ISO text), not made dates to be written as text again.
        sa.type_coerce(col(Event.date_start), sa.String).label("date_start"),
        sa.type_coerce(col(Event.date_end), sa.String).label("date_end"),
        # The stored values of the enums, as they are written.
        sa.type_coerce(col(Event.precision), sa.String).label("precision"),
        sa.type_coerce(col(Event.kind), sa.String).label("kind"),
        col(Event.title),
        *text_list_columns(dialect, ("organizations", "models", "sources")),
    )


def _flat_csv_row(row: sa.Row) -> tuple:
    """A row of ``timeline_csv``'s query as the row ``csv_row`` makes of its event, neutralised.

    The writer turns None into nothing. Only text can start a formula: ids, ISO dates,
    precisions and kinds cannot, and go as they are.
    """
    event_id, start, end, precision, kind, title, organizations, models, sources = row
    return (
        event_id,
        start,
        end,
        precision,
        kind,
        csv_cell(title),
        csv_cell(_distinct_items(organizations)) if organizations else "",
        csv_cell(models.replace(SEPARATOR, ";")) if models else "",
        csv_cell(_distinct_items(sources)) if sources else "",
    )


def _distinct_items(joined: str) -> str:
    # Most events have one organization and one source: nothing to split.
    return ";".join(dict.fromkeys(joined.split(SEPARATOR))) if SEPARATOR in joined else joined


# --- JSON Lines -----------------------------------------------------------------------------------


def jsonl_lines(events: Iterable[EventPublic]) -> Iterator[str]:
    """One JSON object per event and line, in the shape of ``GET /events/{id}``."""
    for event in events:
        yield event.model_dump_json() + "\n"


# --- TimelineJS -----------------------------------------------------------------------------------

_WITH_MONTH = {Precision.day, Precision.week, Precision.month}


def timelinejs_row(event: EventPublic) -> list[str] | None:
    """An event as a row of a TimelineJS spreadsheet; None for an event of unknown date.

    Month and day are left empty below the event's precision (a March event has no day);
    an interval gets its end when the end differs at that precision. Dates that TimelineJS
    cannot express (a week, season, quarter, half or decade) are spelled out in Display Date.
    """
    when = event.date
    if when.start is None:
        return None
    depth = 3 if when.precision is Precision.day else 2 if when.precision in _WITH_MONTH else 1
    start = [when.start.year, when.start.month, when.start.day][:depth]
    end = [when.end.year, when.end.month, when.end.day][:depth] if when.end else start
    blank = [""] * (3 - depth)
    return [
        *start, *blank, "",
        *(end + blank if end != start else [""] * 3), "",
        _display_date(event),
        event.title,
        _timelinejs_text(event),
        "", "", "", "", "",
        KIND_LABELS[event.kind],
        "",
    ]


def _display_date(event: EventPublic) -> str:
    """The interval, spelled out, for a precision between the day, month and year TimelineJS knows."""
    when = event.date
    if when.precision in (Precision.day, Precision.month, Precision.year, None):
        return ""
    return f"{when.start:%d.%m.%Y}–{(when.end or when.start):%d.%m.%Y}"


def _timelinejs_text(event: EventPublic) -> str:
    """The slide's HTML: each source's quote and link, every piece of text escaped."""
    parts = []
    if event.date.year_inferred and event.date.year_inference_reason:
        parts.append(f"<p><i>Год предположен: {html.escape(event.date.year_inference_reason)}</i></p>")
    for source in event.sources:
        title = html.escape(source.title)
        url = source.url or ""
        # Only web addresses become links: a file name or a javascript: URL stays text.
        link = f'<a href="{html.escape(url)}">{title}</a>' if url.startswith(("https://", "http://")) else title
        published = f", {source.published:%d.%m.%Y}" if source.published else ""
        parts.append(f"<p>«{html.escape(source.quote)}»<br>— {link}{published}</p>")
    return "".join(parts)


def timelinejs_lines(events: Iterable[EventPublic]) -> Iterator[str]:
    """The TimelineJS spreadsheet (CSV), a line at a time; events of unknown date are left out."""
    return _csv_lines(TIMELINEJS_HEADER, (row for row in map(timelinejs_row, events) if row is not None))


# --- the formats, by name -----------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFormat:
    """A way to write a timeline: its lines, media type and file name."""

    name: str
    media_type: str
    file_name: str
    lines: Callable[[Iterable[EventPublic]], Iterator[str]]

    def write(self, events: Iterable[EventPublic]) -> Iterator[str]:
        """The export of ``events`` in chunks of text."""
        return chunked(self.lines(events))

    def write_timeline(self, session: Session, filters: TimelineFilter) -> Iterator[str]:
        """The export of a timeline in chunks of text, read a page at a time."""
        return self.write(iter_timeline(session, filters))


class _TimelineCsv(ExportFormat):
    """The timeline CSV, which a timeline writes straight from the database (``timeline_csv``)."""

    def write_timeline(self, session: Session, filters: TimelineFilter) -> Iterator[str]:
        return timeline_csv(session, filters)


EXPORT_FORMATS = {
    f.name: f
    for f in (
        _TimelineCsv("csv", "text/csv; charset=utf-8", "timeline.csv", csv_lines),
        ExportFormat("jsonl", "application/x-ndjson", "timeline.jsonl", jsonl_lines),
        ExportFormat("timelinejs", "text/csv; charset=utf-8", "timeline-timelinejs.csv", timelinejs_lines),
        ExportFormat("ics", "text/calendar; charset=utf-8", "timeline.ics", ics_lines),
    )
}
