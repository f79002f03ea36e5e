"""How many requests read the database at once: the size of the thread pool endpoints run in.

Endpoints, their session dependency and the ETag's version read are synchronous, so each
runs in a worker thread. AnyIO's default pool lets forty run at once. On SQLite a request is
CPU work (the database is a file in memory), and more threads than cores only take turns at
the interpreter's lock: on two cores, eight concurrent requests cost a quarter more CPU each
with forty threads than with two (bench/serve.py shows it). On PostgreSQL a request mostly
waits for the server, and more threads keep more of it busy. Datasette makes the same choice:
three threads for SQL, whatever the load.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from kb.config import whole_number_setting

THREADS_VARIABLE = "KB_API_THREADS"
SERVER_DATABASE_THREADS = 40  # AnyIO's default


def worker_threads(dialect: str) -> int:
    """``KB_API_THREADS`` if set, else one thread per core on SQLite (at least two), else 40.

    A ValueError names the variable when it is not a positive number.
    """
    threads = whole_number_setting(THREADS_VARIABLE, 1, "threads")
    if threads is not None:
        return threads
    return max(2, os.cpu_count() or 1) if dialect == "sqlite" else SERVER_DATABASE_THREADS


def thread_limit(threads: int):
    """A lifespan for the application that runs its synchronous work in at most ``threads`` threads."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # The limiter belongs to the running event loop, so it is set once the loop runs.
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    return lifespan
