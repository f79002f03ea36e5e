"""Request dependencies: a database session per request, and the timeline filters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlmodel import Session

from kb.models import EventKind
from kb.queries import TimelineFilter


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def timeline_filter(
    model: Annotated[list[str], Query(description="Model name or alias; includes its variants. Repeat for any of several.")] = [],
    org: Annotated[list[str], Query(description="Organization name or alias. Repeat for any of several.")] = [],
    kind: Annotated[list[EventKind], Query(description="Event kind. Repeat for any of several.")] = [],
    date_from: Annotated[date | None, Query(alias="from", description="Events that end on or after this date.")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Events that start on or before this date.")] = None,
) -> TimelineFilter:
    return TimelineFilter(tuple(model), tuple(org), tuple(kind), date_from, date_to)


FilterDep = Annotated[TimelineFilter, Depends(timeline_filter)]
