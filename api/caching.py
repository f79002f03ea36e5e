"""Conditional GETs: an ETag on every successful read, and 304 Not Modified while it holds.

A read's ETag is derived from the knowledge base's version (``kb.db.database_version``:
the database's uid and a version that triggers raise at every change of a row some answer
shows, an in-place update as much as an insert), the application's version and the
request's URL: the same URL over the same data gives the same answer. ``Cache-Control: no-cache`` lets clients and
proxies keep answers but makes them ask again each time; the question is cheap, since a
matching ``If-None-Match`` is answered before the endpoint runs.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb import __version__
from kb.db import database_version

CACHE_CONTROL = "no-cache"


def _version(engine: sa.Engine) -> str:
    with engine.connect() as connection:
        return database_version(connection)


def etag_for(version: str, path: str, query: str) -> str:
    """The weak ETag of a URL's answer at a knowledge base version."""
    digest = hashlib.sha256(f"{version}|{__version__}|{path}?{query}".encode()).hexdigest()[:24]
    return f'W/"{digest}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names ``etag`` (weak comparison, RFC 9110 section 13.1.2).

    ``*`` (any representation) matches nothing here: whether one exists is the endpoint's
    to say, so such a request is answered in full.
    """
    if not if_none_match:
        return False
    opaque = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == opaque for tag in if_none_match.split(","))


class ConditionalGet:
    """Adds ETag and Cache-Control to 200 answers of GET and HEAD, and answers 304 when they match."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        try:
            version = await run_in_threadpool(_version, scope["app"].state.engine)
        except sa.exc.SQLAlchemyError:
            # No version, no validator: the endpoint answers, or reports the database's failure.
            await self.app(scope, receive, send)
            return
        etag = etag_for(version, scope["path"], scope.get("query_string", b"").decode("latin-1"))
        if etag_matches(Headers(scope=scope).get("if-none-match"), etag):
            await Response(status_code=304, headers={"ETag": etag, "Cache-Control": CACHE_CONTROL})(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = MutableHeaders(scope=message)
                # A response that validates itself (a static file) keeps its own validators.
                if "etag" not in headers:
                    headers["ETag"] = etag
                    headers.setdefault("Cache-Control", CACHE_CONTROL)
            await send(message)

        await self.app(scope, receive, sending)


def install_conditional_get(app: FastAPI) -> None:
    """ETags, Cache-Control and 304 answers for every GET of ``app``."""
    app.add_middleware(ConditionalGet)
