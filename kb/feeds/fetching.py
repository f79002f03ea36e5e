"""Downloading over HTTP(S) as a well-behaved client: ``Fetcher.get``.

Every request names us (``USER_AGENT``, or ``KB_USER_AGENT``), has a timeout, is allowed by
the site's robots.txt and waits its turn at the host (``kb.feeds.politeness``). Redirects are
followed one at a time, each hop checked like the first, up to ``max_redirects``; a loop is
named as one. A body above ``max_bytes`` (``KB_MAX_ARTICLE_BYTES``, as for files) is refused
from its declared length or as soon as the download passes it. Failures that may pass (no
answer, a timeout, 429, 5xx) are tried again with exponential backoff, honouring a short
``Retry-After``; the others fail at once. Every failure is a ``FetchError`` naming the URL.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from kb import __version__
from kb.articles import MAX_ARTICLE_BYTES_VARIABLE, max_article_bytes
from kb.feeds.politeness import HostPacer, RobotsRules, host_of

USER_AGENT_VARIABLE = "KB_USER_AGENT"
USER_AGENT = f"kb/{__version__} (knowledge base of AI industry events; feed reader; python-httpx/{httpx.__version__})"
# Statuses worth asking again for: the server is busy, overloaded or briefly broken.
_TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_HTML_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# A host as httpx gives it: a name (punycode for IDNs), or an IPv4 or IPv6 address.
_HOST = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?|[0-9A-Fa-f:.]+")
_HTML_START = re.compile(rb"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.IGNORECASE | re.DOTALL)


class FetchError(Exception):
    """A URL that could not be downloaded; ``transient`` when trying again later may succeed."""

    def __init__(self, url: str, reason: str, transient: bool = False, retry_after: float | None = None):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.transient = transient
        self.retry_after = retry_after


class FetchCancelled(Exception):
    """The fetcher was stopped (``Fetcher.stop``) while it waited."""


def web_url(text: str) -> str:
    """``text`` as an http(s) URL with a host, normalised (scheme and host in lower case, an
    international domain in punycode, spaces percent-encoded); a ValueError says why not.

    >>> web_url(" HTTPS://Пример.РФ/новости?id=1 ")
    'https://xn--e1afmkfd.xn--p1ai/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8?id=1'
    """
    text = text.strip()
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise ValueError(f"not a URL ({exc})") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError("not an http:// or https:// URL")
    if not _HOST.fullmatch(url.raw_host.decode("ascii")):
        raise ValueError(f"not a URL: {url.host!r} is not a host name")
    return str(url)


def user_agent() -> str:
    """``KB_USER_AGENT`` if set (a contact address belongs there), else ``USER_AGENT``."""
    return os.environ.get(USER_AGENT_VARIABLE, "").strip() or USER_AGENT


@dataclass(frozen=True)
class FetchSettings:
    """How a ``Fetcher`` behaves; the defaults suit news sites."""

    timeout: float = 20.0  # seconds to connect, and between bytes read
    delay: float = 1.0  # seconds between the end of one request to a host and the next
    attempts: int = 3  # tries of a request whose failure may pass
    backoff: float = 1.0  # seconds before the second try, doubled before each next one
    max_retry_after: float = 30.0  # a longer Retry-After fails the request: try at the next poll
    max_redirects: int = 5
    max_bytes: int = field(default_factory=max_article_bytes)


@dataclass(frozen=True)
class Fetched:
    """A response at the end of its redirects: its body, unless it was a 304 or an error."""

    url: str  # where it was found, after redirects
    status: int
    reason: str
    headers: httpx.Headers
    content: bytes

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def media_type(self) -> str | None:
        """The media type, lower case and without parameters: ``text/html``."""
        return _content_type(self.headers.get("content-type"))[0]

    @property
    def charset(self) -> str | None:
        """The character encoding the ``Content-Type`` header declares, if any."""
        return _content_type(self.headers.get("content-type"))[1]

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


class Fetcher:
    """Downloads URLs politely; use as a context manager, or ``close`` it.

    >>> with Fetcher(FetchSettings(delay=0)) as fetcher:  # doctest: +SKIP
    ...     fetcher.get("https://example.org/feed.xml", accept="application/rss+xml").content[:5]
    b'<?xml'
    """

    def __init__(self, settings: FetchSettings | None = None):
        self.settings = settings or FetchSettings()
        self.user_agent = user_agent()
        self._stopped = threading.Event()
        self._client = httpx.Client(
            headers={"User-Agent": self.user_agent, "Accept-Language": "ru, en;q=0.5"},
            timeout=self.settings.timeout,
            follow_redirects=False,  # followed here, one hop at a time
        )
        self._pacer = HostPacer(self.settings.delay, pause=self._pause)
        self._robots = RobotsRules(self.user_agent, self._read_robots)

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def stop(self) -> None:
        """Make every wait end now, with ``FetchCancelled`` (from another thread)."""
        self._stopped.set()

    def get(self, url: str, accept: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """Download ``url``; with ``etag`` or ``last_modified``, a conditional GET that may answer 304."""
        conditions = {}
        if etag:
            conditions["If-None-Match"] = etag
        if last_modified:
            conditions["If-Modified-Since"] = last_modified
        headers = {"Accept": accept} | conditions
        attempt = 1
        while True:
            try:
                return _successful(self._follow(url, headers, check_robots=True))
            except FetchError as exc:
                if not exc.transient or attempt >= self.settings.attempts:
                    if exc.transient and attempt > 1:
                        raise FetchError(exc.url, f"{exc.reason} ({attempt} attempts)", True) from None
                    raise
                wait = self.settings.backoff * 2 ** (attempt - 1)
                if exc.retry_after is not None:
                    if exc.retry_after > self.settings.max_retry_after:
                        raise FetchError(exc.url, f"{exc.reason}, retry after {exc.retry_after:g} s", True) from None
                    wait = max(wait, exc.retry_after)
                self._pause(wait)
                attempt += 1

    def _follow(self, url: str, headers: dict[str, str], check_robots: bool) -> Fetched:
        """The response at the end of ``url``'s redirects, whatever its status."""
        chain = [url]
        while True:
            answer = self._request(chain[-1], headers, check_robots)
            if isinstance(answer, Fetched):
                return answer
            if answer in chain:
                raise FetchError(url, "redirect loop: " + " -> ".join(chain + [answer]))
            if len(chain) > self.settings.max_redirects:
                raise FetchError(url, f"more than {self.settings.max_redirects} redirects (the last to {answer})")
            chain.append(answer)

    def _request(self, url: str, headers: dict[str, str], check_robots: bool) -> Fetched | str:
        """One request: its response (a body only when it succeeded), or the URL it redirects to."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(url, "not an http:// or https:// URL")
        delay = None
        if check_robots:
            answer = self._robots.check(url)
            if not answer.allowed:
                raise FetchError(url, answer.reason, transient=answer.may_pass)
            delay = answer.crawl_delay
        host = host_of(url)
        self._pacer.wait_for(host, delay)
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                if status in _REDIRECT_STATUSES and "location" in response.headers:
                    return urljoin(url, response.headers["location"])
                content = self._body(url, response) if 200 <= status < 300 else b""
                return Fetched(url, status, response.reason_phrase, response.headers, content)
        except httpx.TimeoutException:
            raise FetchError(url, f"timed out after {self.settings.timeout:g} s", transient=True) from None
        except httpx.TransportError as exc:  # refused, reset, unknown host, a broken answer
            raise FetchError(url, f"no answer ({exc or type(exc).__name__})", transient=True) from None
        except (httpx.RequestError, httpx.InvalidURL) as exc:  # a body that does not decode, say
            raise FetchError(url, f"{type(exc).__name__}: {exc}") from None
        finally:
            self._pacer.done(host)

    def _body(self, url: str, response: httpx.Response) -> bytes:
        limit = self.settings.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(url, _too_large(f"{int(declared):,} bytes", limit))
        body = bytearray()
        for chunk in response.iter_bytes():  # decompressed: the limit holds against gzip bombs too
            body += chunk
            if len(body) > limit:
                raise FetchError(url, _too_large(f"more than {limit:,} bytes", limit))
        return bytes(body)

    def _read_robots(self, robots_url: str) -> tuple[int, str]:
        try:
            fetched = self._follow(robots_url, {"Accept": "text/plain"}, check_robots=False)
        except FetchError as exc:
            raise ValueError(exc.reason) from None
        return fetched.status, fetched.content.decode(fetched.charset or "utf-8", "replace")

    def _pause(self, seconds: float) -> None:
        if self._stopped.wait(seconds):
            raise FetchCancelled()


def is_html(media_type: str | None, content: bytes) -> bool:
    """Whether a body is an HTML page: by its media type, else (none given) by how it starts."""
    if media_type is not None:
        return media_type in _HTML_MEDIA_TYPES
    return _HTML_START.match(content[:4096]) is not None


def _successful(fetched: Fetched) -> Fetched:
    """``fetched``, unless its status is an error: then a ``FetchError``, transient if it may pass."""
    if fetched.status < 400:
        return fetched
    raise FetchError(
        fetched.url,
        f"HTTP {fetched.status} {fetched.reason}".rstrip(),
        transient=fetched.status in _TRANSIENT_STATUSES,
        retry_after=_retry_after(fetched.headers.get("retry-after")),
    )


def _too_large(size: str, limit: int) -> str:
    return f"body of {size}, above the limit of {limit:,} ({MAX_ARTICLE_BYTES_VARIABLE})"


def _content_type(header: str | None) -> tuple[str | None, str | None]:
    if not header:
        return None, None
    media_type, *parameters = (part.strip() for part in header.split(";"))
    charset = None
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip(' "'):
            charset = value.strip(' "').lower()
    return media_type.lower() or None, charset


def _retry_after(header: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if not header:
        return None
    if header.strip().isdigit():
        return float(header.strip())
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
