"""The REST API: a thin layer that parses requests, calls ``kb`` and shapes responses."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, StreamingResponse
from sqlmodel import Session

from api.deps import FilterDep, SessionDep
from kb import __version__, queries
from kb.db import get_engine
from kb.export import iter_csv
from kb.public import AIModelPublic, ArticlePublic, EventPublic, OrganizationPublic, TimelinePage
from kb.queries import DEFAULT_LIMIT, MAX_LIMIT, QueryError


def create_app(database_url: str | None = None) -> FastAPI:
    """The application, serving the knowledge base at ``database_url`` (default: see kb.config)."""
    app = FastAPI(
        title="kb",
        version=__version__,
        summary="Dated events in the AI industry, extracted from Russian news, with their sources.",
    )
    app.state.engine = get_engine(database_url)
    app.add_exception_handler(QueryError, _query_error)
    _routes(app)
    return app


async def _query_error(request: Request, exc: QueryError) -> JSONResponse:
    # The same shape as FastAPI's own validation errors, so clients handle one format.
    return JSONResponse(
        status_code=422,
        content={"detail": [{"loc": ["query", exc.param], "msg": str(exc), "type": "value_error"}]},
    )


def _found(record, what: str, ident: int):
    """The record, or a 404 that says what was not found."""
    if record is None:
        raise HTTPException(status_code=404, detail=f"no {what} with id {ident}")
    return record


def _routes(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        # Until the timeline page exists, the front door is the interactive API documentation.
        return RedirectResponse("/docs")

    @app.get("/timeline", response_model=TimelinePage, tags=["timeline"])
    def timeline(
        session: SessionDep,
        filters: FilterDep,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, Query(description="The `next` value of the previous page.")] = None,
    ) -> TimelinePage:
        """Events in chronological order (unknown dates last), a page at a time."""
        return queries.timeline(session, filters, limit, cursor)

    @app.get("/timeline.csv", tags=["timeline"], response_class=StreamingResponse)
    def timeline_csv(filters: FilterDep) -> StreamingResponse:
        """The whole timeline as CSV (RFC 4180, UTF-8), streamed."""

        def chunks():
            # A session of its own: the request's is closed before the stream is sent.
            with Session(app.state.engine) as session:
                yield from iter_csv(queries.iter_timeline(session, filters))

        return StreamingResponse(
            chunks(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="timeline.csv"'},
        )

    @app.get("/events/{event_id}", response_model=EventPublic, tags=["events"])
    def event(session: SessionDep, event_id: int) -> EventPublic:
        return _found(queries.get_event(session, event_id), "event", event_id)

    @app.get("/models", response_model=list[AIModelPublic], tags=["entities"])
    def models(session: SessionDep) -> list[AIModelPublic]:
        return queries.list_models(session)

    @app.get("/models/{model_id}", response_model=AIModelPublic, tags=["entities"])
    def model(session: SessionDep, model_id: int) -> AIModelPublic:
        return _found(queries.get_model(session, model_id), "model", model_id)

    @app.get("/organizations", response_model=list[OrganizationPublic], tags=["entities"])
    def organizations(session: SessionDep) -> list[OrganizationPublic]:
        return queries.list_organizations(session)

    @app.get("/organizations/{org_id}", response_model=OrganizationPublic, tags=["entities"])
    def organization(session: SessionDep, org_id: int) -> OrganizationPublic:
        return _found(queries.get_organization(session, org_id), "organization", org_id)

    @app.get("/articles/{article_id}", response_model=ArticlePublic, tags=["articles"])
    def article(session: SessionDep, article_id: int) -> ArticlePublic:
        return _found(queries.get_article(session, article_id), "article", article_id)
