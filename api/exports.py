"""The timeline as files: CSV, a TimelineJS spreadsheet, JSON, JSON Lines and iCalendar, streamed.

Each export reads the timeline a page at a time (``ExportFormat.write_timeline``) and sends
it as it goes, so that memory stays flat whatever the number of events. They take the filters
of ``/timeline`` and a ``limit`` (default: every event).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlmodel import Session

from api.deps import MAX_ID, FilterDep
from kb.export import EXPORT_FORMATS
from kb.export_csv import CsvFormat
from kb.export_format import ExportFormat
from kb.queries import TimelineFilter

router = APIRouter(tags=["exports"])

ExportLimit = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="At most this many events, the first in the timeline's order (default: all).")
]


def _streamed(request: Request, filters: TimelineFilter, export: ExportFormat, limit: int | None) -> StreamingResponse:
    engine = request.app.state.engine

    def chunks():
        # A session of its own: the request's is closed before the stream is sent.
        with Session(engine) as session:
            yield from export.write_timeline(session, filters, limit)

    return StreamingResponse(
        chunks(),
        media_type=export.media_type,
        headers={"Content-Disposition": f'attachment; filename="{export.file_name}"'},
    )


def _file(media_type: str, description: str, schema: dict | None = None) -> dict:
    return {200: {"description": description, "content": {media_type: {"schema": schema or {"type": "string"}}}}}


_EVENTS = {"type": "array", "items": {"$ref": "#/components/schemas/EventPublic"}}


@router.get(
    "/timeline.csv",
    response_class=StreamingResponse,
    responses=_file("text/csv", "The timeline as CSV."),
    summary="The timeline as CSV or a TimelineJS spreadsheet",
)
def timeline_csv(
    request: Request,
    filters: FilterDep,
    limit: ExportLimit = None,
    export_format: Annotated[
        Literal["csv", "timelinejs"],
        Query(alias="format", description="`csv`: one row per event; `timelinejs`: a TimelineJS spreadsheet."),
    ] = "csv",
    excel: Annotated[
        bool,
        Query(description="For Excel in a Russian locale: a UTF-8 byte-order mark, `;` between cells, a decimal comma."),
    ] = False,
) -> StreamingResponse:
    """The timeline as CSV (RFC 4180, UTF-8, text cells quoted, formulas neutralised), or as a TimelineJS spreadsheet."""
    export: CsvFormat = EXPORT_FORMATS[export_format]
    return _streamed(request, filters, export.excel() if excel else export, limit)


@router.get(
    "/timeline.json",
    response_class=StreamingResponse,
    responses=_file("application/json", "A JSON array of events.", _EVENTS),
    summary="The timeline as one JSON array",
)
def timeline_json(request: Request, filters: FilterDep, limit: ExportLimit = None) -> StreamingResponse:
    """Every event of the timeline in one JSON array, each in the shape of `/events/{id}` (pages: `/timeline`)."""
    return _streamed(request, filters, EXPORT_FORMATS["json"], limit)


@router.get(
    "/timeline.jsonl",
    response_class=StreamingResponse,
    responses=_file("application/x-ndjson", "One event per line."),
    summary="The timeline as JSON Lines",
)
def timeline_jsonl(request: Request, filters: FilterDep, limit: ExportLimit = None) -> StreamingResponse:
    """The timeline as JSON Lines: one event per line, in the shape of `/events/{id}`."""
    return _streamed(request, filters, EXPORT_FORMATS["jsonl"], limit)


@router.get(
    "/timeline.ics",
    response_class=StreamingResponse,
    responses=_file("text/calendar", "An iCalendar feed."),
    summary="The timeline as an iCalendar feed",
)
def timeline_ics(request: Request, filters: FilterDep, limit: ExportLimit = None) -> StreamingResponse:
    """The timeline as an iCalendar feed (RFC 5545) to subscribe to: an all-day entry per dated event."""
    return _streamed(request, filters, EXPORT_FORMATS["ics"], limit)
