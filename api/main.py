"""The REST API: a thin layer that parses requests, calls ``kb`` and shapes responses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi_offline import FastAPIOffline
from sqlmodel import Session

from api import exports, web, writes
from api.caching import install_conditional_get
from api.cors import install_cors
from api.database_errors import install_database_error_handlers
from api.deps import FilterDep, PageDep, PageRequest, RecordId, SessionDep
from api.errors import install_problem_handlers
from api.head import HeadAsGet
from api.limits import BodySizeLimit, max_body_bytes
from api.openapi import install_openapi, operation_id
from api.threads import thread_limit, worker_threads
from kb import __version__, queries
from kb.db import get_engine
from kb.feeds.polling import FeedWatcher
from kb.queries import TimelineFilter
from kb.public import AIModelPublic, ArticlePublic, EventPublic, OrganizationPublic, PersonPublic, TimelinePage


DOCS_ASSETS = "/docs/assets"  # Swagger UI's and ReDoc's files


def create_app(database_url: str | None = None, feed_watcher: FeedWatcher | None = None) -> FastAPI:
    """The application, serving the knowledge base at ``database_url`` (default: see kb.config).

    ``feed_watcher`` (``kb serve --watch``) polls feeds in a background thread while the
    application runs: started with it, and stopped before it ends.
    """
    engine = get_engine(database_url)
    # /docs and /redoc with Swagger UI's and ReDoc's files served from a package, not a CDN: they work offline.
    app = FastAPIOffline(
        title="kb",
        version=__version__,
        summary="Dated events in the AI industry, extracted from Russian news, with their sources.",
        lifespan=_lifespan(thread_limit(worker_threads(engine.dialect.name)), feed_watcher),  # KB_API_THREADS
        static_url=DOCS_ASSETS,
        generate_unique_id_function=operation_id,
    )
    app.state.engine = engine
    install_database_error_handlers(app)  # 503 while the database is unreachable
    app.include_router(router)
    app.include_router(exports.router)
    app.include_router(writes.router)
    app.include_router(web.router)
    app.mount("/static", web.static_files, name="static")
    install_conditional_get(app)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes())  # KB_MAX_BODY_BYTES, else 1 MB
    app.add_middleware(HeadAsGet)
    install_cors(app)  # KB_CORS_ORIGINS, else none
    install_problem_handlers(app)  # last: its middleware must be the outermost
    install_openapi(app)
    return app


def _lifespan(limit_threads, feed_watcher: FeedWatcher | None):
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with limit_threads(app):
            if feed_watcher is None:
                yield
                return
            feed_watcher.start()
            try:
                yield
            finally:
                await run_in_threadpool(feed_watcher.stop)  # waits for the page being stored

    return lifespan


router = APIRouter()


def _found(record, what: str, ident: int):
    """The record, or a 404 that says what was not found."""
    if record is None:
        raise HTTPException(status_code=404, detail=f"no {what} with id {ident}")
    return record


def _page_response(request: Request, page: queries.TimelineDocuments) -> Response:
    """The page's JSON as the database wrote it (already ``TimelinePage``'s shape: validating it
    again would cost more than reading it), with a ``Link: rel="next"`` header that keeps the
    request's other parameters."""
    response = Response(page.json(), media_type="application/json")
    if page.next is not None:
        response.headers["Link"] = f'<{request.url.include_query_params(cursor=page.next)}>; rel="next"'
    return response


def _page(session: Session, filters: TimelineFilter, page: PageRequest) -> queries.TimelineDocuments:
    return queries.timeline_documents(session, filters, page.limit, page.cursor, page.facets, page.facet_size, page.total)


@router.get("/timeline", response_model=TimelinePage, tags=["timeline"], summary="The timeline: events in order, a page at a time")
def timeline(request: Request, session: SessionDep, filters: FilterDep, page: PageDep) -> Response:
    """Events in chronological order (unknown dates last), a page at a time, with facet counts if asked.

    The next page is at the `Link: rel="next"` header, and its cursor in `next`.
    """
    return _page_response(request, _page(session, filters, page))


@router.get("/events/{event_id}", response_model=EventPublic, tags=["events"], summary="One event with its sources")
def event(session: SessionDep, event_id: RecordId) -> EventPublic:
    """One event with its participants and sources."""
    return _found(queries.get_event(session, event_id), "event", event_id)


@router.get("/models", response_model=list[AIModelPublic], tags=["entities"], summary="Every AI model")
def models(session: SessionDep) -> list[AIModelPublic]:
    """Every AI model, by name."""
    return queries.list_models(session)


@router.get("/models/{model_id}", response_model=AIModelPublic, tags=["entities"], summary="One AI model")
def model(session: SessionDep, model_id: RecordId) -> AIModelPublic:
    """One AI model, with its family, developer, aliases and variants."""
    return _found(queries.get_model(session, model_id), "model", model_id)


@router.get("/models/{model_id}/timeline", response_model=TimelinePage, tags=["timeline"], summary="The timeline of one model")
def model_timeline(
    request: Request, session: SessionDep, model_id: RecordId, filters: FilterDep, page: PageDep
) -> Response:
    """The timeline of one model and its variants, with the filters and pages of `/timeline`."""
    _found(queries.get_model(session, model_id), "model", model_id)
    filters = replace(filters, model_ids=(model_id,))
    return _page_response(request, _page(session, filters, page))


@router.get("/organizations", response_model=list[OrganizationPublic], tags=["entities"], summary="Every organization")
def organizations(session: SessionDep) -> list[OrganizationPublic]:
    """Every organization, by name."""
    return queries.list_organizations(session)


@router.get("/organizations/{org_id}", response_model=OrganizationPublic, tags=["entities"], summary="One organization")
def organization(session: SessionDep, org_id: RecordId) -> OrganizationPublic:
    """One organization, with its aliases and models."""
    return _found(queries.get_organization(session, org_id), "organization", org_id)


@router.get("/organizations/{org_id}/timeline", response_model=TimelinePage, tags=["timeline"], summary="The timeline of one organization")
def organization_timeline(
    request: Request, session: SessionDep, org_id: RecordId, filters: FilterDep, page: PageDep
) -> Response:
    """The timeline of one organization, in any role, with the filters and pages of `/timeline`."""
    _found(queries.get_organization(session, org_id), "organization", org_id)
    filters = replace(filters, organization_ids=(org_id,))
    return _page_response(request, _page(session, filters, page))


@router.get("/people", response_model=list[PersonPublic], tags=["entities"], summary="Every person")
def people(session: SessionDep) -> list[PersonPublic]:
    """Every person events are about, by name."""
    return queries.list_people(session)


@router.get("/people/{person_id}", response_model=PersonPublic, tags=["entities"], summary="One person")
def person(session: SessionDep, person_id: RecordId) -> PersonPublic:
    """One person, with their aliases."""
    return _found(queries.get_person(session, person_id), "person", person_id)


@router.get("/people/{person_id}/timeline", response_model=TimelinePage, tags=["timeline"], summary="The timeline of one person")
def person_timeline(
    request: Request, session: SessionDep, person_id: RecordId, filters: FilterDep, page: PageDep
) -> Response:
    """The timeline of one person, with the filters and pages of `/timeline`."""
    _found(queries.get_person(session, person_id), "person", person_id)
    filters = replace(filters, person_ids=(person_id,))
    return _page_response(request, _page(session, filters, page))


@router.get("/articles/{article_id}", response_model=ArticlePublic, tags=["articles"], summary="One article, whole")
def article(session: SessionDep, article_id: RecordId) -> ArticlePublic:
    """One article, whole, with the events it reports: each quote is `text[char_start:char_end]`."""
    return _found(queries.get_article(session, article_id), "article", article_id)
