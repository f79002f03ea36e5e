"""A news site of our own on 127.0.0.1, for the feed tests and the README's example.

It serves ``tests/data/feeds/`` (feeds, pages and robots.txt we wrote) with ETags, and answers
a conditional GET whose ETag matches with 304. Some paths misbehave on purpose:

- ``/slow/…`` answers only after ``slow_seconds`` (a timeout, for a client that waits less);
- ``/loop/a`` and ``/loop/b`` redirect to each other;
- ``/moved/NAME`` redirects (301) to ``/news/NAME``;
- ``/flaky/NAME`` answers 503 the first time, then serves ``/news/NAME``;
- ``/busy/NAME`` always answers 429, to be asked again in two minutes;
- ``/chunked/NAME`` serves ``/news/NAME`` in chunks, without a Content-Length;
- ``*.cp1251.html`` is sent in Windows-1251, declared in its Content-Type;
- anything else that is not a file is a 404.

``python -m tests.feed_server [--port PORT]`` serves it until interrupted.
"""

from __future__ import annotations

import argparse
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FEED_DATA = Path(__file__).resolve().parent / "data" / "feeds"
# Sent as every file's Last-Modified: the files' own times depend on the checkout.
_LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)
_CONTENT_TYPES = {
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".pdf": "application/pdf",
}


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]  # names in lower case
    at: float  # time.monotonic() when it arrived


class FeedServer:
    """The site, served from a background thread: ``with FeedServer() as site: site.url("/ai.rss")``."""

    def __init__(self, port: int = 0, slow_seconds: float = 3.0):
        self.slow_seconds = slow_seconds
        self.requests: list[Request] = []
        self.on_request: Callable[[str], None] | None = None  # called with each path, before the answer
        self._files: dict[str, str] = {}  # path -> another file served at it
        self._flaky_failed: set[str] = set()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self._http.daemon_threads = True
        # A short poll interval: shutdown() waits for it, at the end of every test.
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.05,), name="feed-server", daemon=True)

    @property
    def base(self) -> str:
        return "http://127.0.0.1:%d" % self._http.server_address[1]

    def url(self, path: str) -> str:
        return self.base + path

    def serve_file_at(self, path: str, file: str) -> None:
        """From now on, answer ``path`` with the file ``file`` of tests/data/feeds (a feed's next version)."""
        self._files[path] = file

    def paths_requested(self) -> list[str]:
        with self._lock:
            return [request.path for request in self.requests]

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stopping.set()  # a slow answer ends now
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)

    # --- answering ---------------------------------------------------------------------------

    def answer(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.requests.append(Request(path, headers, time.monotonic()))
        if self.on_request is not None:
            self.on_request(path)
        if path.startswith("/slow/"):
            if self._stopping.wait(self.slow_seconds):
                return 503, {}, b""
            return 200, {"Content-Type": "text/html; charset=utf-8"}, b"<html><body><p>Too late.</p></body></html>"
        if path in ("/loop/a", "/loop/b"):
            return 302, {"Location": "/loop/b" if path == "/loop/a" else "/loop/a"}, b""
        if path.startswith("/moved/"):
            return 301, {"Location": "/news/" + path.removeprefix("/moved/")}, b""
        if path.startswith("/busy/"):
            return 429, {"Retry-After": "120", "Content-Type": "text/plain"}, b"too many requests"
        if path.startswith("/chunked/"):
            status, headers, body = self._file("/news/" + path.removeprefix("/chunked/"), headers)
            return status, headers | {"Transfer-Encoding": "chunked"}, body
        if path.startswith("/flaky/"):
            with self._lock:
                first = path not in self._flaky_failed
                self._flaky_failed.add(path)
            if first:
                return 503, {"Retry-After": "0", "Content-Type": "text/plain"}, b"busy, come back later"
            path = "/news/" + path.removeprefix("/flaky/")
        return self._file(path, headers)

    def _file(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        file = (FEED_DATA / self._files.get(path, path.lstrip("/"))).resolve()
        if not file.is_relative_to(FEED_DATA) or not file.is_file():
            return 404, {"Content-Type": "text/plain"}, b"no such page"
        body = file.read_bytes()
        content_type = _CONTENT_TYPES.get(file.suffix, "application/octet-stream")
        if file.name.endswith(".cp1251.html"):
            body = body.decode("utf-8").encode("cp1251")
            content_type = "text/html; charset=windows-1251"
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
        validators = {"ETag": etag, "Last-Modified": _LAST_MODIFIED}
        if headers.get("if-none-match") == etag:
            return 304, validators, b""
        return 200, validators | {"Content-Type": content_type}, body


def _handler(site: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            status, headers, body = site.answer(self.path, {name.lower(): value for name, value in self.headers.items()})
            chunked = headers.get("Transfer-Encoding") == "chunked"
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if not chunked:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if chunked:
                    for start in range(0, len(body), 256):
                        piece = body[start : start + 256]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    self.wfile.write(b"0\r\n\r\n")
                else:
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout test)

        def log_message(self, format: str, *args) -> None:
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    port = parser.parse_args().port
    with FeedServer(port) as site:
        print(f"serving tests/data/feeds at {site.base} (Ctrl-C stops)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
