"""Request dependencies: a database session per request, the timeline filters and the page asked for."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Path, Query, Request
from pydantic import BeforeValidator
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from kb.facets import FACET_SIZE, FACETS, MAX_FACET_SIZE
from kb.models import EventKind
from kb.queries import DEFAULT_LIMIT, MAX_LIMIT, TimelineFilter, event_kinds, listed


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for the request, used by the endpoint in its worker thread.

    Asynchronous, so that opening it (no I/O: the connection is taken on first use) costs no
    trip to a worker thread, nor does closing it on SQLite, where handing the connection back
    is a call into a library: the two trips took about a tenth of a timeline page's CPU time
    in bench/serve.py. On a database server, closing is a round trip over the network, which
    must not hold up the event loop (an unreachable server would stop every request).
    """
    engine = request.app.state.engine
    session = Session(engine)
    try:
        yield session
    finally:
        if engine.dialect.name == "sqlite":
            session.close()
        else:
            await run_in_threadpool(session.close)


SessionDep = Annotated[Session, Depends(get_session)]


def _iso_date_text(value):
    # Pydantic alone reads a number as a Unix time: «from=0» would be 1970-01-01, not a 422.
    if not isinstance(value, date) and not (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        raise ValueError("expected a date as YYYY-MM-DD")
    return value


# A date written as YYYY-MM-DD, in a query or a JSON body.
IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]


_KIND = "|".join(kind.value for kind in EventKind)
# What a value of ``kind`` may be, for the schema: kinds, comma-separated (``event_kinds`` checks it).
_KINDS_PATTERN = rf"^\s*({_KIND})\s*(,\s*({_KIND})\s*)*$"
_LIST = "Comma-separated or repeated for any of several."


async def timeline_filter(
    model: Annotated[list[str], Query(description=f"Model name or alias; includes its variants. {_LIST}")] = [],
    org: Annotated[list[str], Query(description=f"Organization name or alias. {_LIST}")] = [],
    person: Annotated[list[str], Query(description=f"Person's name, alias or surname. {_LIST}")] = [],
    kind: Annotated[
        list[str],
        Query(description=f"Event kind: {', '.join(k.value for k in EventKind)}. {_LIST}",
              json_schema_extra={"items": {"type": "string", "pattern": _KINDS_PATTERN}}),
    ] = [],
    date_from: Annotated[IsoDate | None, Query(alias="from", description="Events that end on or after this date.")] = None,
    date_to: Annotated[IsoDate | None, Query(alias="to", description="Events that start on or before this date.")] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=500,
            description="Words to find in titles and quotes, in any inflection («утечка» finds «утекли»); all must match.",
        ),
    ] = None,
    min_confidence: Annotated[float | None, Query(ge=0, le=1, description="Events extracted with at least this confidence.")] = None,
    order: Annotated[Literal["asc", "desc"], Query(description="Oldest first (asc) or newest first (desc); unknown dates last.")] = "asc",
) -> TimelineFilter:
    """The filters of a timeline; different parameters must all hold."""
    return TimelineFilter(
        listed(model),
        listed(org),
        event_kinds(kind),
        date_from,
        date_to,
        people=listed(person),
        q=q if q and q.strip() else None,
        min_confidence=min_confidence,
        newest_first=order == "desc",
    )


FilterDep = Annotated[TimelineFilter, Depends(timeline_filter)]


@dataclass(frozen=True)
class PageRequest:
    limit: int
    cursor: str | None
    facets: tuple[str, ...]
    facet_size: int
    total: bool


async def page_request(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Events per page, at most {MAX_LIMIT}.")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500, description="The `next` value of the previous page.")] = None,
    facets: Annotated[
        list[str],
        Query(description=f"Counts to return beside the items, comma-separated or repeated: {', '.join(FACETS)}."),
    ] = [],
    facet_size: Annotated[
        int,
        Query(ge=1, le=MAX_FACET_SIZE, description="Values per facet, the most frequent first; `truncated` says when there are more."),
    ] = FACET_SIZE,
    total: Annotated[bool, Query(description="Also count every event the filters select (`total`): one more query.")] = False,
) -> PageRequest:
    """Which page of a timeline, and which facet counts and totals beside it."""
    return PageRequest(limit, cursor, listed(facets), facet_size, total)


PageDep = Annotated[PageRequest, Depends(page_request)]


# Ids are INTEGER columns: a larger number is no id, and would overflow the database driver.
MAX_ID = 2**31 - 1
RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="The record's id.")]
