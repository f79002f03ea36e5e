"""What every export of a timeline is: a named format that writes a timeline as chunks of text.

The formats themselves are in ``kb.export`` (JSON, JSON Lines), ``kb.export_csv`` (CSV,
TimelineJS) and ``kb.export_ics`` (iCalendar); ``kb.export.EXPORT_FORMATS`` names them all.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlmodel import Session

from kb.public import EventPublic
from kb.queries import TimelineFilter, iter_timeline

CHUNK = 64_000  # characters per chunk sent


def chunked(pieces: Iterable[str], size: int = CHUNK) -> Iterator[str]:
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


@dataclass(frozen=True)
class ExportFormat(ABC):
    """A way to write a timeline: its name, media type and file name, and its text.

    An export streams: memory stays flat whatever the number of events.
    """

    name: str
    media_type: str
    file_name: str

    @abstractmethod
    def write_timeline(self, session: Session, filters: TimelineFilter, limit: int | None = None) -> Iterator[str]:
        """The export of a timeline (its first ``limit`` events, if given) in chunks of text, read a page at a time."""


@dataclass(frozen=True)
class EventsFormat(ExportFormat):
    """A format written from events (``EventPublic``), a line or a few at a time."""

    @abstractmethod
    def lines(self, events: Iterable[EventPublic]) -> Iterator[str]:
        """The export of ``events``, in pieces as small as the format makes them."""

    def write(self, events: Iterable[EventPublic]) -> Iterator[str]:
        """The export of ``events`` in chunks of text."""
        return chunked(self.lines(events))

    def write_timeline(self, session: Session, filters: TimelineFilter, limit: int | None = None) -> Iterator[str]:
        return self.write(iter_timeline(session, filters, limit=limit))
