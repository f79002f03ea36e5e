"""Cross-origin reads, opt-in: a page on another site (a TimelineJS timeline) may load the API.

``KB_CORS_ORIGINS`` lists the origins allowed, comma-separated
(``https://example.org,https://timeline.example``), or ``*`` for any. Unset, no CORS header
is sent and browsers keep other sites' pages out, as before. Writes stay behind their bearer
token whatever the origin: a browser sends no token of its own.
"""

from __future__ import annotations

import os

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

CORS_VARIABLE = "KB_CORS_ORIGINS"


def cors_origins() -> list[str]:
    """The origins ``KB_CORS_ORIGINS`` allows; a ValueError names the variable when one is not an origin."""
    origins = [origin.strip().rstrip("/") for origin in os.environ.get(CORS_VARIABLE, "").split(",") if origin.strip()]
    for origin in origins:
        if origin != "*" and not origin.startswith(("https://", "http://")):
            raise ValueError(f"{CORS_VARIABLE}: {origin!r} is not an origin (expected https://host[:port], or *)")
    return origins


def install_cors(app: FastAPI) -> None:
    """Answer cross-origin requests from the origins ``KB_CORS_ORIGINS`` allows, if any."""
    origins = cors_origins()
    if not origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "HEAD", "POST", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "If-None-Match"],
        # What a script reads beside the body: the validator, the next page, a new record, when to retry.
        expose_headers=["ETag", "Link", "Location", "Retry-After"],
        max_age=600,
    )
