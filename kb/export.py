"""Exports of a timeline, streamed, by name: CSV, JSON, JSON Lines, a TimelineJS spreadsheet and iCalendar.

``EXPORT_FORMATS`` names every format (``kb.export_format.ExportFormat``); the CSV ones are
in ``kb.export_csv``, the calendar in ``kb.export_ics``, the JSON ones here. Each reads the
timeline a page at a time, so that an export of any size runs in constant memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from kb.export_csv import TimelineCsv, TimelineJsCsv
from kb.export_format import EventsFormat, ExportFormat
from kb.export_ics import CalendarFormat
from kb.public import EventPublic


@dataclass(frozen=True)
class JsonLines(EventsFormat):
    """One JSON object per event and line, in the shape of ``GET /events/{id}``."""

    def lines(self, events: Iterable[EventPublic]) -> Iterator[str]:
        for event in events:
            yield event.model_dump_json() + "\n"


@dataclass(frozen=True)
class JsonArray(EventsFormat):
    """One JSON array of events, each in the shape of ``GET /events/{id}`` on a line of its own."""

    def lines(self, events: Iterable[EventPublic]) -> Iterator[str]:
        separator = "[\n"
        for event in events:
            yield separator + event.model_dump_json()
            separator = ",\n"
        yield "[]\n" if separator == "[\n" else "\n]\n"


EXPORT_FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        TimelineCsv("csv", "text/csv; charset=utf-8", "timeline.csv"),
        JsonArray("json", "application/json", "timeline.json"),
        JsonLines("jsonl", "application/x-ndjson", "timeline.jsonl"),
        TimelineJsCsv("timelinejs", "text/csv; charset=utf-8", "timeline-timelinejs.csv"),
        CalendarFormat("ics", "text/calendar; charset=utf-8", "timeline.ics"),
    )
}
