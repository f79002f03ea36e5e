"""HEAD wherever GET works (RFC 9110 section 9.3.2): the GET's status and headers, no body.

FastAPI routes a path operation declared with ``@router.get`` for GET alone, and answers HEAD
with 405. This middleware runs a HEAD request as the GET it stands for, sends the answer's
status and headers, and stops the endpoint at its first piece of body: a HEAD of a
million-row export costs what its first chunk costs.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _Answered(Exception):
    """Raised into the endpoint once the head of its answer is sent, to stop it."""


class HeadAsGet:
    """ASGI middleware answering HEAD as GET without the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                await send(message)
                return
            if message["type"] == "http.response.body":
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                raise _Answered

        try:
            # The server keeps its own scope, which still says HEAD: it sends no body either.
            await self.app(dict(scope, method="GET"), receive, sending)
        except _Answered:
            pass
        except BaseExceptionGroup as group:  # raised inside a task group (a streamed answer)
            _, rest = group.split(_Answered)
            if rest is not None:
                raise rest from None
