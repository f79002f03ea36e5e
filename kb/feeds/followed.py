"""The feeds table: following, listing and forgetting feeds, and the record of their polls.

Each function works in the caller's session; the caller commits. A feed is known by its URL,
normalised (``feed_url``), so that one feed cannot be followed twice under two spellings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlmodel import Session, col, func, select

from kb.feeds.fetching import web_url
from kb.feeds.reading import FeedItem
from kb.models import Feed, FeedEntry, FeedEntryStatus, FeedStatus

# Polls at which an entry whose page failed in a way that may pass (a timeout, a 503) is tried.
ENTRY_ATTEMPTS = 3


class FeedUrlError(ValueError):
    """A feed URL that cannot be followed, or a feed that is not followed; the message says which."""


@dataclass(frozen=True)
class FeedSummary:
    """A followed feed as ``kb feeds list`` shows it."""

    id: int
    url: str
    title: str | None
    added_at: datetime
    polled_at: datetime | None
    status: FeedStatus | None  # None: never polled
    error: str | None
    entries: int  # entries seen
    articles: int  # articles its entries brought that were new to the knowledge base
    retrying: int  # entries whose pages will be tried again


def feed_url(text: str) -> str:
    """``text`` as the URL a feed is followed by: ``web_url``'s, within the column's length.

    >>> feed_url(" HTTPS://Example.ORG/rss?section=ai ")
    'https://example.org/rss?section=ai'
    """
    try:
        url = web_url(text)
    except ValueError as exc:
        raise FeedUrlError(f"{text.strip()!r}: {exc}") from None
    limit = Feed.__table__.c.url.type.length
    if len(url) > limit:
        raise FeedUrlError(f"{text.strip()[:80]!r}...: a URL of {len(url):,} characters, above the limit of {limit:,}")
    return url


def follow_feed(session: Session, url: str) -> tuple[Feed, bool]:
    """The feed at ``url``, followed from now on if it was not: (feed, whether it is new)."""
    url = feed_url(url)
    feed = session.exec(select(Feed).where(Feed.url == url)).first()
    if feed is not None:
        return feed, False
    feed = Feed(url=url)
    session.add(feed)
    session.flush()
    return feed, True


def unfollow_feed(session: Session, reference: str) -> Feed:
    """Stop following a feed, given by URL or by id, and forget its entries; its articles stay."""
    feed = _find(session, reference)
    session.delete(feed)  # its entries go with it (ON DELETE CASCADE)
    session.flush()
    return feed


def followed_feeds(session: Session) -> list[Feed]:
    """Every followed feed, in the order they were added."""
    return list(session.exec(select(Feed).order_by(col(Feed.id))))


def feed_summaries(session: Session) -> list[FeedSummary]:
    """Every followed feed with its last poll and what its entries brought."""
    counts = (
        select(
            FeedEntry.feed_id,
            func.count().label("entries"),
            func.count().filter(FeedEntry.status == FeedEntryStatus.stored).label("articles"),
            func.count().filter(FeedEntry.status == FeedEntryStatus.retrying).label("retrying"),
        )
        .group_by(FeedEntry.feed_id)
        .subquery()
    )
    rows = session.exec(
        select(Feed, counts.c.entries, counts.c.articles, counts.c.retrying)
        .join(counts, counts.c.feed_id == Feed.id, isouter=True)
        .order_by(col(Feed.id))
    )
    return [
        FeedSummary(feed.id, feed.url, feed.title, feed.added_at, feed.polled_at, feed.status, feed.error,
                    entries or 0, articles or 0, retrying or 0)
        for feed, entries, articles, retrying in rows
    ]


def settled_keys(session: Session, feed_id: int) -> set[str]:
    """The keys of the feed's entries that are done with: stored, known, or failed for good."""
    settled = select(FeedEntry.key).where(FeedEntry.feed_id == feed_id, FeedEntry.status != FeedEntryStatus.retrying)
    return set(session.exec(settled))


def retrying_entries(session: Session, feed_id: int) -> list[FeedEntry]:
    """The feed's entries whose pages failed in a way that may pass, oldest first."""
    retrying = select(FeedEntry).where(FeedEntry.feed_id == feed_id, FeedEntry.status == FeedEntryStatus.retrying)
    return list(session.exec(retrying.order_by(col(FeedEntry.id))))


def record_entry(
    session: Session,
    feed_id: int,
    item: FeedItem,
    article_id: int | None = None,
    stored: bool = False,
    error: str | None = None,
    transient: bool = False,
) -> FeedEntry:
    """Record what became of an entry's page: ``stored`` as article ``article_id``, found known
    already as that article, or failed with ``error`` (``transient``: it may pass, so the page
    is tried again at the next polls, up to ``ENTRY_ATTEMPTS`` in all)."""
    entry = session.exec(select(FeedEntry).where(FeedEntry.feed_id == feed_id, FeedEntry.key == item.key)).first()
    if entry is not None and entry.status is FeedEntryStatus.stored:
        return entry  # by a poll that ran at the same time: what this one found adds nothing
    now = datetime.now(timezone.utc)
    if entry is None:
        entry = FeedEntry(feed_id=feed_id, key=item.key, url=item.url, status=FeedEntryStatus.retrying, attempts=0, seen_at=now)
    entry.title, entry.published = item.title, item.published
    entry.attempts += 1
    entry.tried_at = now
    entry.article_id, entry.error = article_id, error
    if error is None:
        entry.status = FeedEntryStatus.stored if stored else FeedEntryStatus.known
    elif transient and entry.attempts < ENTRY_ATTEMPTS:
        entry.status = FeedEntryStatus.retrying
    else:
        entry.status = FeedEntryStatus.failed
    session.add(entry)
    session.flush()
    return entry


def record_poll(
    session: Session,
    feed_id: int,
    status: FeedStatus,
    error: str | None = None,
    title: str | None = None,
    validators: tuple[str | None, str | None] | None = None,
) -> None:
    """Record how a poll of the feed went: its status, the error of a failed one, the feed's
    title once read, and ``validators``, the (ETag, Last-Modified) to send at the next poll
    (None keeps those stored; ``(None, None)`` makes the next poll read the feed whole)."""
    feed = session.get(Feed, feed_id)
    if feed is None:  # unfollowed while it was polled
        return
    feed.polled_at = datetime.now(timezone.utc)
    feed.status, feed.error = status, error
    feed.title = title or feed.title
    if validators is not None:
        feed.etag, feed.last_modified = validators
    session.add(feed)


def _find(session: Session, reference: str) -> Feed:
    if reference.strip().isdigit():
        feed = session.get(Feed, int(reference))
    else:
        feed = session.exec(select(Feed).where(Feed.url == feed_url(reference))).first()
    if feed is None:
        raise FeedUrlError(f"no followed feed {reference!r} (kb feeds list shows them)")
    return feed

