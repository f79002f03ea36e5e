"""Exports of a timeline: CSV (RFC 4180, UTF-8), streamed row by row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from kb.public import EventPublic

CSV_HEADER = ["id", "date_start", "date_end", "precision", "kind", "title", "organizations", "models", "sources"]
# A spreadsheet runs a cell that begins with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A cell's text, neutralised against formula injection with a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_row(event: EventPublic) -> list[str]:
    return [
        csv_cell(value)
        for value in (
            event.id,
            event.date.start.isoformat() if event.date.start else "",
            event.date.end.isoformat() if event.date.end else "",
            event.date.precision.value if event.date.precision else "",
            event.kind.value,
            event.title,
            ";".join(dict.fromkeys(o.name for o in event.organizations)),
            ";".join(m.name for m in event.models),
            ";".join(dict.fromkeys(s.url or "" for s in event.sources)),
        )
    ]


def iter_csv(events: Iterable[EventPublic]) -> Iterator[str]:
    """CSV text in chunks: the header line, then one line per event (CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for event in events:
        writer.writerow(csv_row(event))
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
