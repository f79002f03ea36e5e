"""The timeline as files: CSV, a TimelineJS spreadsheet, JSON Lines and iCalendar, streamed.

Each export reads the timeline a page at a time (``ExportFormat.write_timeline``) and sends
it as it goes, so that memory stays flat whatever the number of events. They take the filters
of ``/timeline``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlmodel import Session

from api.deps import FilterDep
from kb.export import EXPORT_FORMATS, ExportFormat
from kb.queries import TimelineFilter

router = APIRouter(tags=["exports"])


def _streamed(request: Request, filters: TimelineFilter, export: ExportFormat) -> StreamingResponse:
    engine = request.app.state.engine

    def chunks():
        # A session of its own: the request's is closed before the stream is sent.
        with Session(engine) as session:
            yield from export.write_timeline(session, filters)

    return StreamingResponse(
        chunks(),
        media_type=export.media_type,
        headers={"Content-Disposition": f'attachment; filename="{export.file_name}"'},
    )


def _file(media_type: str, description: str) -> dict:
    return {200: {"description": description, "content": {media_type: {"schema": {"type": "string"}}}}}


@router.get("/timeline.csv", response_class=StreamingResponse, responses=_file("text/csv", "The timeline as CSV."))
def timeline_csv(
    request: Request,
    filters: FilterDep,
    export_format: Annotated[
        Literal["csv", "timelinejs"],
        Query(alias="format", description="`csv`: one row per event; `timelinejs`: a TimelineJS spreadsheet."),
    ] = "csv",
) -> StreamingResponse:
    """The timeline as CSV (RFC 4180, UTF-8), or as a TimelineJS spreadsheet; formulas neutralised."""
    return _streamed(request, filters, EXPORT_FORMATS[export_format])


@router.get(
    "/timeline.json", response_class=StreamingResponse, responses=_file("application/x-ndjson", "One event per line.")
)
def timeline_jsonl(request: Request, filters: FilterDep) -> StreamingResponse:
    """The timeline as JSON Lines: one event per line, in the shape of `/events/{id}`."""
    return _streamed(request, filters, EXPORT_FORMATS["jsonl"])


@router.get("/timeline.ics", response_class=StreamingResponse, responses=_file("text/calendar", "An iCalendar feed."))
def timeline_ics(request: Request, filters: FilterDep) -> StreamingResponse:
    """The timeline as an iCalendar feed (RFC 5545): an all-day entry per dated event."""
    return _streamed(request, filters, EXPORT_FORMATS["ics"])
