"""A lean HTTP/1.1 load generator: N keep-alive connections asking GET paths as fast as answers come.

The benchmarks run their clients on the machine that runs the servers. A general-purpose
client (httpx) spends about as much CPU per request as the server it measures, and that CPU
is taken from the servers: a server twice as efficient as another then looks barely faster.
This client sends requests written once as bytes and reads an answer by its Content-Length
(or its chunks, or the end of the connection), which costs a small fraction of that, as wrk would on a machine of its own.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit


@dataclass
class Answers:
    """What the clients saw: latencies in seconds (in the order answers came) and failures."""

    latencies: list[float] = field(default_factory=list)
    failed: int = 0


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; its status, and whether the server keeps the connection open."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, chunked, keep_alive = None, False, True
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            keep_alive = b"close" not in value.lower()
    if status < 200 or status in (204, 304):
        pass  # no body (RFC 9112, 6.3)
    elif chunked:
        while size := int((await reader.readline()).split(b";", 1)[0], 16):
            await reader.readexactly(size + 2)  # the chunk and its CRLF
        await reader.readuntil(b"\r\n")  # no trailers are sent to a GET like ours
    elif length is not None:
        await reader.readexactly(length)
    else:
        await reader.read()  # the body runs to the end of the connection
        keep_alive = False
    return status, keep_alive


async def _client(host: str, port: int, requests: list[bytes], first: int, step: int, deadline: float, answers: Answers) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        i = first
        while (sent := time.perf_counter()) < deadline:
            writer.write(requests[i % len(requests)])
            status, keep_alive = await _read_answer(reader)
            answers.latencies.append(time.perf_counter() - sent)
            answers.failed += status != 200
            i += step
            if not keep_alive:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


async def ask(base_url: str, paths: list[str], clients: int, seconds: float) -> tuple[Answers, float]:
    """``paths`` asked round-robin by ``clients`` connections for ``seconds``; the answers and the time taken.

    >>> answers, elapsed = asyncio.run(ask("http://127.0.0.1:8000", ["/timeline?limit=1"], 4, 2.0))  # doctest: +SKIP
    """
    url = urlsplit(base_url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    # Percent-encoded as a browser sends it: «/timeline?q=утечка» is not ASCII.
    targets = [quote(path, safe="/?&=%:,+;@!$'()*") for path in paths]
    requests = [f"GET {target} HTTP/1.1\r\nHost: {url.netloc}\r\nAccept: */*\r\n\r\n".encode() for target in targets]
    answers = Answers()
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(_client(host, port, requests, k, clients, deadline, answers) for k in range(clients)))
    return answers, time.perf_counter() - started
