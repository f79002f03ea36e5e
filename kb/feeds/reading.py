"""Reading RSS and Atom feeds (feedparser): each entry's link, title, date and identity.

feedparser reads RSS 0.9x to 2.0 and Atom, in any declared encoding, and resolves relative
links against the feed's URL; what it cannot read as a feed is a ``FeedError``. An entry is
known by its ``<guid>`` / ``<id>`` (else its link), so a feed that repeats an entry, in one
document or from one poll to the next, yields it once. Dates keep the day they were written
in: «Tue, 05 Mar 2024 01:30:00 +0300» is 5 March, not the 4th it is in UTC.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.etree
import lxml.html

from kb.feeds.fetching import is_html


class FeedError(ValueError):
    """A document that is not a feed; the message names its URL and the reason."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed: the page it links to, with what the feed says of it."""

    key: str  # SHA-256 of its guid (else its link): the same entry however often it is repeated
    url: str
    title: str | None
    published: date | None


@dataclass(frozen=True)
class FeedDocument:
    title: str | None
    items: list[FeedItem]  # in the feed's order, each entry once
    skipped: int  # entries without an http(s) link


def read_feed(content: bytes, url: str, content_type: str | None = None) -> FeedDocument:
    """The entries of the feed at ``url`` (``content`` as downloaded, ``content_type`` its header).

    >>> rss = '<rss version="2.0"><channel><title>ИИ</title><item><title>Новость</title><link>/news/1</link>'
    >>> rss += '<pubDate>Tue, 05 Mar 2024 01:30:00 +0300</pubDate></item></channel></rss>'
    >>> item = read_feed(rss.encode(), "https://example.org/rss").items[0]
    >>> item.url, item.title, item.published
    ('https://example.org/news/1', 'Новость', datetime.date(2024, 3, 5))
    """
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(content, response_headers=headers, sanitize_html=False)
    if not parsed.get("version") and not parsed.entries:
        raise FeedError(url, _not_a_feed(content, url, content_type, parsed.get("bozo_exception")))
    items: dict[str, FeedItem] = {}
    skipped = 0
    for entry in parsed.entries:
        link = (entry.get("link") or "").strip()
        if urlsplit(link).scheme not in ("http", "https"):
            skipped += 1
            continue
        key = hashlib.sha256((entry.get("id") or link).encode()).hexdigest()
        items.setdefault(key, FeedItem(key, link, _plain(entry.get("title")), _entry_date(entry)))
    return FeedDocument(_plain(parsed.feed.get("title")), list(items.values()), skipped)


def _not_a_feed(content: bytes, url: str, content_type: str | None, problem: Exception | None) -> str:
    """Why ``content`` is not a feed; for a web page, the feed it names, if it names one."""
    media_type = content_type.split(";")[0].strip().lower() if content_type else None
    if is_html(media_type, content):
        try:
            page = lxml.html.fromstring(content)
        except (lxml.etree.ParserError, ValueError):
            return "an HTML page, not an RSS or Atom feed"
        links = page.xpath('//link[@rel="alternate"][contains(@type, "rss") or contains(@type, "atom")]/@href')
        if links:
            return "an HTML page, not an RSS or Atom feed; the page names its feed: " + urljoin(url, links[0].strip())
        return "an HTML page, not an RSS or Atom feed"
    return "not an RSS or Atom feed" + (f" ({problem})" if problem else "")


def _plain(text: str | None) -> str | None:
    """A title as plain text: feeds may put markup and entities in titles."""
    if not text or not text.strip():
        return None
    if "<" in text or "&" in text:
        text = lxml.html.fromstring(f"<p>{text}</p>").text_content()
    return " ".join(text.split()) or None


def _entry_date(entry) -> date | None:
    """The day the entry was published (else updated), in the time zone it was written in;
    None when there is none, or when it lies ahead (a day's grace for time zones)."""
    for field in ("published", "updated"):
        written = entry.get(field)
        when = _written_date(written) if written else None
        if when is None and entry.get(f"{field}_parsed"):
            when = date(*entry[f"{field}_parsed"][:3])  # UTC: feedparser read a form we do not
        if when is not None:
            return when if when <= date.today() + timedelta(days=1) else None
    return None


def _written_date(text: str) -> date | None:
    try:
        return parsedate_to_datetime(text).date()  # RSS: RFC 822
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return datetime.fromisoformat(text.strip()).date()  # Atom: RFC 3339
    except ValueError:
        return None
