"""A limit on the size of request bodies, enforced before a body is read whole.

A declared ``Content-Length`` above the limit is refused at once, without calling the
application; a body sent without one (chunked) is counted as it arrives and refused as soon
as it passes the limit. Either way the answer is 413 with a problem document.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem_response
from kb.config import whole_number_setting

MAX_BODY_VARIABLE = "KB_MAX_BODY_BYTES"
DEFAULT_MAX_BODY_BYTES = 1_000_000


def max_body_bytes() -> int:
    """The limit from ``KB_MAX_BODY_BYTES`` (bytes), else 1 MB; a ValueError when it is not a size."""
    limit = whole_number_setting(MAX_BODY_VARIABLE, 0, "bytes")
    return DEFAULT_MAX_BODY_BYTES if limit is None else limit


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the limit.

    An HTTPException, so that the application's own handler renders it like every other
    error when it surfaces while the application reads the body.
    """

    def __init__(self, limit: int):
        super().__init__(status_code=413, detail=f"the request body is larger than the limit of {limit} bytes")


class BodySizeLimit:
    """ASGI middleware refusing request bodies larger than ``max_bytes`` with 413."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        if declared.isdigit() or "transfer-encoding" not in headers:
            # No body, or one the server cuts at its declared length: nothing to count.
            await self.app(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            # The application let it through (it read the body outside its error handling).
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The rest of the body is not read, so the connection cannot carry another request.
        response = problem_response(
            413, BodyTooLarge(self.max_bytes).detail, instance=scope["path"], headers={"Connection": "close"}
        )
        await response(scope, receive, send)
