"""The timeline as CSV, and as a TimelineJS spreadsheet: RFC 4180, safe to open in a spreadsheet.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula. One whose
list separator is ``;`` (Excel in Russian) opens a comma-separated file by cutting every line
at each ``;``, quotes or not, so that whatever follows a ``;`` starts a cell of its own there:
a list's next item, or the rest of a URL (``https://example.org/news;=1+2``). So a leading
apostrophe neutralises every cell and every piece of one after a ``;`` that would start a
formula (``csv_cell``); a list's items are joined by ``;`` and neutralised with it
(``csv_items``). ``EXCEL`` writes what a Russian Excel opens with a double click: a UTF-8
byte-order mark (without it Excel reads Cyrillic as mojibake), ``;`` between cells, which
it keeps inside quoted cells, and a decimal comma.

The CSV of a timeline is read straight from the database (``TimelineCsv``): one query per
page, the lists joined by the database, no ``EventPublic`` per row; ``csv_lines`` writes the
same bytes from events.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

import sqlalchemy as sa
from sqlmodel import Session, col, select

from kb.date_labels import date_label
from kb.dates import Precision
from kb.event_lists import SEPARATOR, first_quote_column, text_list_columns
from kb.export_format import EventsFormat
from kb.models import Event
from kb.public import EventPublic
from kb.queries import TimelineFilter, iter_timeline_rows
from kb.titles import KIND_LABELS

CSV_HEADER = [
    "id", "date_start", "date_end", "precision", "date_text", "year_inferred", "kind", "title", "confidence",
    "organizations", "models", "people", "quote", "source_urls", "source_files",
]
TIMELINEJS_HEADER = [
    "Year", "Month", "Day", "Time", "End Year", "End Month", "End Day", "End Time", "Display Date",
    "Headline", "Text", "Media", "Media Credit", "Media Caption", "Media Thumbnail", "Type", "Group", "Background",
]
ITEM_SEPARATOR = ";"  # between the items of a list in one cell
# What a spreadsheet would run as a formula: one of these at the start of a cell, or of a
# piece of one after a ';' (where a spreadsheet of a ';' locale starts a cell).
_FORMULA_START = re.compile(r"(^|;)(?=[=+\-@\t\r])")


@dataclass(frozen=True)
class CsvStyle:
    """How a CSV file is written: the delimiter, the decimal mark, and whether a byte-order mark starts it."""

    delimiter: str = ","
    decimal_mark: str = "."
    byte_order_mark: bool = False


PLAIN = CsvStyle()
EXCEL = CsvStyle(delimiter=";", decimal_mark=",", byte_order_mark=True)


def csv_cell(value: object) -> str:
    """A cell's text, neutralised against formula injection: a leading apostrophe before the
    cell and before each piece after a ``;`` that would start a formula.

    >>> csv_cell("=1+2"), csv_cell("https://example.org/news;=1+2"), csv_cell("Meta"), csv_cell(None)
    ("'=1+2", "https://example.org/news;'=1+2", 'Meta', '')
    """
    text = "" if value is None else str(value)
    return _FORMULA_START.sub(r"\1'", text)


def csv_items(items: Iterable[str]) -> str:
    """A list in one cell: its distinct items joined by ``;``, each neutralised.

    >>> csv_items(["OpenAI", "=cmd", "OpenAI"])
    "OpenAI;'=cmd"
    """
    return csv_cell(ITEM_SEPARATOR.join(dict.fromkeys(items)))


def _writer(buffer: io.StringIO, style: CsvStyle):
    return csv.writer(buffer, delimiter=style.delimiter, lineterminator="\r\n")


def _header(header: list[str], style: CsvStyle) -> str:
    buffer = io.StringIO()
    _writer(buffer, style).writerow(header)
    return ("\ufeff" if style.byte_order_mark else "") + buffer.getvalue()


def _csv_lines(header: list[str], rows: Iterable[Iterable[object]], style: CsvStyle) -> Iterator[str]:
    """RFC 4180 lines (CRLF), the header first; the rows' cells as they are given."""
    yield _header(header, style)
    buffer = io.StringIO()
    writer = _writer(buffer, style)
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        yield buffer.getvalue()


# --- the timeline as CSV ------------------------------------------------------------------------


def _joined(items: Iterable[str | None]) -> str | None:
    return SEPARATOR.join(item for item in items if item) or None


def _database_row(event: EventPublic) -> tuple:
    """An event as the row ``_csv_columns`` reads from the database: lists joined by ``SEPARATOR``."""
    when = event.date
    return (
        event.id,
        when.start.isoformat() if when.start else None,
        when.end.isoformat() if when.end else None,
        when.precision.value if when.precision else None,
        when.text,
        when.year_inferred,
        event.kind.value,
        event.title,
        event.confidence,
        _joined(o.name for o in event.organizations),
        _joined(m.name for m in event.models),
        _joined(p.name for p in event.people),
        event.sources[0].quote if event.sources else None,
        _joined(s.url for s in event.sources),
        _joined(s.file_name for s in event.sources),
    )


def _cells(row: tuple, style: CsvStyle) -> tuple:
    """A database row as the cells of a line under ``CSV_HEADER``, neutralised.

    Ids, ISO dates, precisions and kinds cannot start a formula, and go as they are.
    """
    event_id, start, end, precision, date_text, year_inferred, kind, title, confidence, *lists = row
    organizations, models, people, quote, urls, files = lists
    return (
        event_id, start, end, precision, csv_cell(date_text), "true" if year_inferred else "false", kind, csv_cell(title),
        confidence if style.decimal_mark == "." else str(confidence).replace(".", style.decimal_mark),
        _items(organizations), _items(models), _items(people), csv_cell(quote), _items(urls), _items(files),
    )


def _items(joined: str | None) -> str:
    if not joined:
        return ""
    # Most events have one organization and one source: nothing to split.
    return csv_items(joined.split(SEPARATOR)) if SEPARATOR in joined else csv_cell(joined)


def csv_lines(events: Iterable[EventPublic], style: CsvStyle = PLAIN) -> Iterator[str]:
    """The timeline CSV, a line at a time: the bytes ``TimelineCsv`` reads from the database."""
    return _csv_lines(CSV_HEADER, (_cells(_database_row(event), style) for event in events), style)


# Rows per query: a page's events lie all over the file, and a larger page reads them in
# fewer passes (at a million events, 50,000 rows a page take a fifth less time than 5,000).
_CSV_PAGE = 50_000
_CSV_BATCH = 2000  # rows read and sent at a time (about half a megabyte): memory stays flat


def timeline_csv(session: Session, filters: TimelineFilter, style: CsvStyle = PLAIN, limit: int | None = None) -> Iterator[str]:
    """The timeline CSV of ``filters`` in chunks, as ``csv_lines`` writes it, read straight from the database."""
    yield _header(CSV_HEADER, style)
    buffer = io.StringIO()
    writer = _writer(buffer, style)
    columns = _csv_columns(session.get_bind().dialect.name)
    for page in iter_timeline_rows(session, filters, columns, _CSV_PAGE, _CSV_BATCH, limit=limit):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(_cells(row, style) for row in page)
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
        col(Event.date_text),
        col(Event.year_inferred),
        sa.type_coerce(col(Event.kind), sa.String).label("kind"),
        col(Event.title),
        col(Event.confidence),
        *text_list_columns(dialect, ("organizations", "models", "people")),
        first_quote_column(dialect),
        *text_list_columns(dialect, ("source_urls", "source_files")),
    )


# --- TimelineJS -----------------------------------------------------------------------------------

_WITH_MONTH = {Precision.day, Precision.week, Precision.month}


def timelinejs_row(event: EventPublic) -> list | None:
    """An event as a row of a TimelineJS spreadsheet, neutralised; None for an event of unknown date.

    Month and day are left empty below the event's precision (a March event has no day);
    an interval gets its end when the end differs at that precision. Display Date spells the
    date as the web page does («3 марта 2023», «лето 2023», «начало марта 2023»).
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
        date_label(when),
        csv_cell(event.title),
        csv_cell(_timelinejs_text(event)),
        "", "", "", "", "",
        KIND_LABELS[event.kind],
        "",
    ]


def _timelinejs_text(event: EventPublic) -> str:
    """The slide's HTML: each source's quote and link, every piece of text escaped."""
    parts = []
    if event.date.year_inferred and event.date.year_inference_reason:
        parts.append(f"<p><i>Год предположен: {html.escape(event.date.year_inference_reason)}</i></p>")
    for source in event.sources:
        title = html.escape(source.title)
        url = source.url or ""
        # Only web addresses become links: a javascript: URL stays text.
        link = f'<a href="{html.escape(url)}">{title}</a>' if url.startswith(("https://", "http://")) else title
        published = f", {source.published:%d.%m.%Y}" if source.published else ""
        parts.append(f"<p>«{html.escape(source.quote)}»<br>— {link}{published}</p>")
    return "".join(parts)


def timelinejs_lines(events: Iterable[EventPublic], style: CsvStyle = PLAIN) -> Iterator[str]:
    """The TimelineJS spreadsheet (CSV), a line at a time; events of unknown date are left out."""
    return _csv_lines(TIMELINEJS_HEADER, (row for row in map(timelinejs_row, events) if row is not None), style)


# --- the formats ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvFormat(EventsFormat):
    """A CSV export, in the plain style or Excel's (``excel()``)."""

    style: CsvStyle = PLAIN

    def excel(self) -> CsvFormat:
        """This format as a Russian Excel opens it with a double click (``EXCEL``)."""
        return replace(self, style=EXCEL)


@dataclass(frozen=True)
class TimelineCsv(CsvFormat):
    """The timeline CSV, which a timeline writes straight from the database (``timeline_csv``)."""

    def lines(self, events: Iterable[EventPublic]) -> Iterator[str]:
        return csv_lines(events, self.style)

    def write_timeline(self, session: Session, filters: TimelineFilter, limit: int | None = None) -> Iterator[str]:
        return timeline_csv(session, filters, self.style, limit)


@dataclass(frozen=True)
class TimelineJsCsv(CsvFormat):
    """A TimelineJS spreadsheet: one row per dated event, for a TimelineJS page to load."""

    def lines(self, events: Iterable[EventPublic]) -> Iterator[str]:
        return timelinejs_lines(events, self.style)

