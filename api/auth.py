"""Who may write: bearer tokens from the environment, each with the name the audit records.

``KB_API_TOKEN`` holds one token (``KB_API_TOKEN=s3cret``, recorded as "api") or several named
ones (``KB_API_TOKEN="alice:s3cret1,bob:s3cret2"``). When it is unset or empty, every write is
refused: a server nobody configured is read-only, never open. A token that contains a colon
needs a name before it (``api:to:ken``). Tokens are compared in
constant time, and every configured token is compared, so that timing tells nothing.
"""

from __future__ import annotations

import hmac
import os
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

TOKEN_VARIABLE = "KB_API_TOKEN"
DEFAULT_ACTOR = "api"
MAX_ACTOR_LENGTH = 100  # the audit table's actor column


class TokenConfigError(ValueError):
    """``KB_API_TOKEN`` is set but cannot be read; the message says where, never the secret."""


@lru_cache(maxsize=4)
def parse_tokens(value: str) -> tuple[tuple[bytes, str], ...]:
    """The (token, actor name) pairs of a ``KB_API_TOKEN`` value.

    >>> parse_tokens("s3cret")
    ((b's3cret', 'api'),)
    >>> [name for _, name in parse_tokens("alice:one, bob:two")]
    ['alice', 'bob']
    """
    pairs: list[tuple[bytes, str]] = []
    for number, entry in enumerate(value.split(","), start=1):
        name, colon, token = entry.partition(":")
        name, token = (name.strip(), token.strip()) if colon else (DEFAULT_ACTOR, entry.strip())
        if not token or not name:
            raise TokenConfigError(f"{TOKEN_VARIABLE}: entry {number} needs a name and a token, as name:token")
        if len(name) > MAX_ACTOR_LENGTH or any(ch.isspace() for ch in name):
            raise TokenConfigError(f"{TOKEN_VARIABLE}: entry {number}: a name is one word of at most {MAX_ACTOR_LENGTH} characters")
        pairs.append((token.encode(), name))
    if len({token for token, _ in pairs}) < len(pairs) or len({name for _, name in pairs}) < len(pairs):
        raise TokenConfigError(f"{TOKEN_VARIABLE}: every name and every token must be different")
    return tuple(pairs)


def configured_tokens() -> tuple[tuple[bytes, str], ...]:
    """The tokens the environment configures now; empty when writes are disabled."""
    value = os.environ.get(TOKEN_VARIABLE, "").strip()
    return parse_tokens(value) if value else ()


def actor_for(presented: str, tokens: tuple[tuple[bytes, str], ...]) -> str | None:
    """The name of the token ``presented`` is, or None; compares with every token in constant time."""
    presented_bytes = presented.encode()
    actor = None
    for token, name in tokens:
        if hmac.compare_digest(presented_bytes, token):
            actor = name
    return actor


_bearer = HTTPBearer(
    auto_error=False,
    description=f"A token configured in `{TOKEN_VARIABLE}` on the server; writes are disabled when it is unset.",
)


def writer(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    """The name of the writer presenting a valid bearer token; 403 when writes are disabled, else 401."""
    try:
        tokens = configured_tokens()
    except TokenConfigError as exc:
        raise HTTPException(status_code=403, detail=f"writes are disabled: {exc}") from None
    if not tokens:
        raise HTTPException(status_code=403, detail=f"writes are disabled on this server ({TOKEN_VARIABLE} is not set)")
    if credentials is None:
        raise HTTPException(
            status_code=401,
            detail="this request needs a bearer token: Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    actor = actor_for(credentials.credentials, tokens)
    if actor is None:
        raise HTTPException(
            status_code=401,
            detail="the bearer token is not valid",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return actor


WriterDep = Annotated[str, Depends(writer)]
