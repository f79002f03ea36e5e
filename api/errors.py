"""One shape for every error: problem details (RFC 9457, ``application/problem+json``).

A bad parameter, an unknown id or route, a refused method or token, and an unexpected
failure all answer with ``type``, ``title``, ``status``, ``detail`` and ``instance``; a bad
parameter also with ``errors``, one entry per offending parameter (``param``, or ``field``
for a request body). An unexpected failure is logged here with its traceback and an
incident id; the client gets the id and nothing else.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any
from uuid import uuid4

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb.queries import QueryError

logger = logging.getLogger("api.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemError(BaseModel):
    """One offending part of a request."""

    param: str | None = None  # a query, path or header parameter
    field: str | None = None  # a request body field, dotted (``links.0.id``)
    message: str


class Problem(BaseModel):
    """A problem document (RFC 9457)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[ProblemError] | None = None


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    instance: str | None = None,
    errors: list[ProblemError] | None = None,
    headers: dict[str, str] | None = None,
) -> ProblemResponse:
    """A problem document response; ``title`` is the standard phrase of ``status``.

    For middleware, which answers before any exception handler could: a request body that is
    too large, a missing token.
    """
    problem = Problem(title=_phrase(status), status=status, detail=detail, instance=instance, errors=errors)
    return ProblemResponse(problem.model_dump(exclude_none=True), status_code=status, headers=headers)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _instance(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


# --- exception handlers ---------------------------------------------------------------------


async def _validation_error(request: Request, exc: RequestValidationError) -> ProblemResponse:
    errors = [_validation_entry(error) for error in exc.errors()]
    named = list(dict.fromkeys(e.param or e.field or "body" for e in errors))
    detail = f"invalid {', '.join(named)}: {errors[0].message}" if len(named) == 1 else f"invalid {', '.join(named)}"
    return problem_response(422, detail, instance=_instance(request), errors=errors)


def _validation_entry(error: dict[str, Any]) -> ProblemError:
    where, *path = error.get("loc") or ("body",)
    message = error.get("msg", "invalid")
    if where == "body":
        return ProblemError(field=".".join(map(str, path)) or None, message=message)
    # A repeated parameter's loc ends with the index of the bad value: ("query", "kind", 1).
    return ProblemError(param=str(path[0]) if path else str(where), message=message)


async def _query_error(request: Request, exc: QueryError) -> ProblemResponse:
    return problem_response(
        422, str(exc), instance=_instance(request), errors=[ProblemError(param=exc.param, message=str(exc))]
    )


async def _http_error(request: Request, exc: HTTPException) -> ProblemResponse:
    return _http_problem(exc, request)


def _http_problem(exc: HTTPException, request: Request) -> ProblemResponse:
    detail = exc.detail if isinstance(exc.detail, str) else None
    if detail == _phrase(exc.status_code):  # Starlette's own: say more than the title does
        detail = {
            404: f"nothing at {request.url.path}",
            405: f"{request.method} is not allowed here; allowed: {(exc.headers or {}).get('Allow', 'none')}",
        }.get(exc.status_code)
    return problem_response(exc.status_code, detail, instance=_instance(request), headers=exc.headers)


class _UnexpectedErrors:
    """Answers an exception no handler took (or one raised in middleware) with a problem.

    Outside every other middleware, so that nothing escapes it: an ``HTTPException`` keeps its
    status; anything else is a 500 with an incident id, logged here with its traceback.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            if started:
                # Mid-stream (an export): no status can be sent any more; the server aborts
                # the response, and the client sees it cut short.
                raise
            request = Request(scope)
            if isinstance(exc, HTTPException):
                response = _http_problem(exc, request)
            else:
                incident = f"urn:uuid:{uuid4()}"
                logger.exception("unexpected error %s in %s %s", incident, request.method, _instance(request))
                response = problem_response(500, "an unexpected error; it has been logged", instance=incident)
            await response(scope, receive, send)


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error of ``app`` with a problem document (``api.openapi`` says so in the schema).

    Call it last in ``create_app``: its middleware must be the outermost one added.
    """
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(QueryError, _query_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_middleware(_UnexpectedErrors)


# --- the OpenAPI schema ---------------------------------------------------------------------


def with_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's schema with a problem document for every error response."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (Problem, ProblemError):
        components[model.__name__] = model.model_json_schema(ref_template="#/components/schemas/{model}")
    components["Problem"].pop("$defs", None)
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if "422" in responses:  # where FastAPI validates parameters or a body
                responses["422"] = problem("A parameter is invalid; `errors` names it.")
            if "{" in path:
                responses.setdefault("404", problem("No record with this id."))
            responses["default"] = problem("Any other error.")
    return schema


def problem(description: str) -> dict[str, Any]:
    """An OpenAPI response whose body is a problem document."""
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
