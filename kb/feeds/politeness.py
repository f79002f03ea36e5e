"""Being a polite client: a pause between requests to one host, and the site's robots.txt.

``HostPacer`` spaces the requests to each host by a delay (the site's ``Crawl-delay`` when
robots.txt asks for more, up to ``MAX_CRAWL_DELAY_SECONDS``); requests to different hosts do
not wait for each other. ``RobotsRules`` reads each site's robots.txt once a day (RFC 9309):
a missing one (4xx) allows everything; one that cannot be read (5xx, no answer) disallows the
site until it can, as the RFC asks, and is asked for again after ``UNREACHABLE_RETRY_SECONDS``.
"""

from __future__ import annotations

import threading
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

ROBOTS_CACHE_SECONDS = 24 * 3600
UNREACHABLE_RETRY_SECONDS = 300
# A Crawl-delay above this is read as this: a site should not stall a whole poll for an hour.
MAX_CRAWL_DELAY_SECONDS = 60.0


def host_of(url: str) -> str:
    """The host part that politeness is kept per: ``example.org:8080``."""
    return urlsplit(url).netloc.lower()


class HostPacer:
    """Spaces requests to one host by at least ``delay`` seconds, from the end of one to the
    start of the next; ``pause`` does the waiting (``time.sleep``, or a wait a stop can cut short).
    """

    def __init__(self, delay: float, pause: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic):
        self.delay = delay
        self._pause = pause
        self._clock = clock
        self._done_at: dict[str, float] = {}

    def wait_for(self, host: str, delay: float | None = None) -> None:
        """Wait until a request to ``host`` may start; ``delay`` overrides the pacer's own when longer."""
        done_at = self._done_at.get(host)
        if done_at is None:
            return
        remaining = done_at + max(self.delay, delay or 0.0) - self._clock()
        if remaining > 0:
            self._pause(remaining)

    def done(self, host: str) -> None:
        """Note that a request to ``host`` has just ended."""
        self._done_at[host] = self._clock()


@dataclass(frozen=True)
class RobotsAnswer:
    """Whether robots.txt lets us fetch a URL, and the pause it asks for between requests."""

    allowed: bool
    crawl_delay: float | None = None
    reason: str | None = None  # why not, when not allowed
    may_pass: bool = False  # not allowed only because robots.txt could not be read yet


@dataclass
class _SiteRules:
    parser: urllib.robotparser.RobotFileParser | None  # None: robots.txt could not be read
    problem: str | None
    expires: float


class RobotsRules:
    """The robots.txt of each site, read through ``read_robots`` and kept for a day.

    ``read_robots(url)`` returns ``(status, text)`` for the robots.txt at ``url``, or raises
    ``OSError`` or ``ValueError`` with a reason when there is no answer.
    """

    def __init__(self, user_agent: str, read_robots: Callable[[str], tuple[int, str]], clock: Callable[[], float] = time.monotonic):
        self.user_agent = user_agent
        self._read_robots = read_robots
        self._clock = clock
        self._sites: dict[str, _SiteRules] = {}
        self._lock = threading.Lock()

    def check(self, url: str) -> RobotsAnswer:
        """May ``url`` be fetched? Reads the site's robots.txt first, if it is not known yet."""
        parts = urlsplit(url)
        site = f"{parts.scheme}://{parts.netloc}".lower()
        with self._lock:
            rules = self._sites.get(site)
            if rules is None or rules.expires <= self._clock():
                rules = self._sites[site] = self._read(site + "/robots.txt")
        if rules.parser is None:
            return RobotsAnswer(False, reason=rules.problem, may_pass=True)
        if not rules.parser.can_fetch(self.user_agent, url):
            return RobotsAnswer(False, reason=f"disallowed by {site}/robots.txt")
        delay = rules.parser.crawl_delay(self.user_agent)
        return RobotsAnswer(True, min(float(delay), MAX_CRAWL_DELAY_SECONDS) if delay is not None else None)

    def _read(self, robots_url: str) -> _SiteRules:
        try:
            status, text = self._read_robots(robots_url)
        except (OSError, ValueError) as exc:
            return self._unreadable(f"{robots_url} could not be read ({exc}); the site is not fetched until it can be")
        parser = urllib.robotparser.RobotFileParser(robots_url)
        if 400 <= status < 500:
            parser.parse([])  # no robots.txt: everything is allowed
        elif status >= 500:
            return self._unreadable(f"{robots_url} answered HTTP {status}; the site is not fetched until it answers")
        else:
            parser.parse(text.splitlines())
        return _SiteRules(parser, None, self._clock() + ROBOTS_CACHE_SECONDS)

    def _unreadable(self, problem: str) -> _SiteRules:
        return _SiteRules(None, problem, self._clock() + UNREACHABLE_RETRY_SECONDS)
