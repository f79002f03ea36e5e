"""The OpenAPI schema as clients need it: operation ids, and every status and header the API sends.

FastAPI documents what an endpoint returns; the middleware adds more that clients rely on:
problem documents for errors (``api.errors``), ETag, Cache-Control and 304 on every read
(``api.caching``), the ``Link`` to a timeline's next page, 401 and 403 from the bearer token
of a write (``api.auth``), 413 for a body above the limit (``api.limits``). Operation ids are
the endpoints' names (``timeline``, ``post_article``), not FastAPI's ``timeline_timeline_get``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from api.errors import problem, with_problems

TIMELINE_PAGES = {"timeline", "model_timeline", "organization_timeline", "person_timeline"}
_STRING = {"schema": {"type": "string"}}
_READ_HEADERS = {
    "ETag": {"description": "A weak validator of this answer: send it back in If-None-Match to get 304 while it holds.", **_STRING},
    "Cache-Control": {"description": "`no-cache`: keep the answer, but ask again (If-None-Match) before using it.", **_STRING},
}
_LINK = {"Link": {"description": 'The next page, `<URL>; rel="next"`, with the same parameters; absent on the last page.', **_STRING}}


def operation_id(route: APIRoute) -> str:
    """An endpoint's operation id: its function's name."""
    return route.name


def install_openapi(app: FastAPI) -> None:
    """Make ``app``'s OpenAPI schema say what its middleware sends, once, when it is first asked for."""
    make_schema = app.openapi

    def openapi() -> dict[str, Any]:
        if not app.openapi_schema:
            app.openapi_schema = with_http_semantics(with_problems(make_schema()))
        return app.openapi_schema

    app.openapi = openapi


def with_http_semantics(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with the validators and 304 of every read, the Link of timelines, and the 401, 403 and 413 of writes."""
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if method == "get":
                ok = responses.setdefault("200", {"description": "Successful Response"})
                headers = ok.setdefault("headers", {})
                headers.update(_READ_HEADERS)
                if operation.get("operationId") in TIMELINE_PAGES:
                    headers.update(_LINK)
                responses["304"] = {
                    "description": "Not Modified: the ETag sent in If-None-Match still holds; no body.",
                    "headers": {"ETag": _READ_HEADERS["ETag"]},
                }
            if operation.get("security"):
                responses["401"] = problem("No bearer token, or not one of the server's (`WWW-Authenticate` says which).")
                responses["403"] = problem("Writes are disabled on this server: `KB_API_TOKEN` is not set.")
            if "requestBody" in operation:
                responses["413"] = problem("The body is larger than the server's limit (`KB_MAX_BODY_BYTES`).")
    return schema
