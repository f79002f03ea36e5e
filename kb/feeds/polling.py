"""Polling followed feeds: ``poll_feeds`` once (``kb watch --once``), ``watch`` on a schedule,
``FeedWatcher`` in a background thread (``kb serve --watch``).

A poll asks for the feed with the validators of its last read (a conditional GET: a 304 costs
the site nothing), reads its entries, and stores the pages of the entries it has not settled
before, oldest first, through ``kb.feeds.pages.store_page``: the entry's record is committed
with its article. An entry whose page failed in a way that may pass is tried again at the next
polls, even when the feed itself has not changed. A feed that fails is reported and recorded,
and the others are polled all the same. The validators are kept only once every new entry has
been seen to, so that an interrupted poll is taken up again by the next.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from kb.extract.matcher import EntityMatcher
from kb.feeds.fetching import FetchCancelled, Fetcher, FetchError, FetchSettings
from kb.feeds.followed import followed_feeds, record_entry, record_poll, retrying_entries, settled_keys
from kb.feeds.pages import PageResult, entity_matcher, store_page
from kb.feeds.reading import FeedError, FeedItem, read_feed
from kb.ingest import finish_seeding, in_transaction
from kb.models import Feed, FeedEntryStatus, FeedStatus

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
_log = logging.getLogger(__name__)


@dataclass
class FeedPoll:
    """What one poll of one feed did."""

    url: str
    status: FeedStatus
    error: str | None = None
    entries: int = 0  # distinct entries the feed lists
    new: int = 0  # entries not seen before
    retried: int = 0  # entries whose pages failed at an earlier poll in a way that may pass
    stored: int = 0
    known: int = 0  # pages whose articles were in the knowledge base already
    failed: list[tuple[str, str]] = field(default_factory=list)  # (page URL, reason)
    retrying: int = 0  # of the failed, those tried again at the next poll
    events_created: int = 0
    events_merged: int = 0
    interrupted: bool = False  # stopped before every new entry was seen to
    seconds: float = 0.0
    touched: set[int] = field(default_factory=set, repr=False)  # events stored, for finish_seeding

    def describe(self) -> str:
        """The poll's progress line: ``https://…/rss: 8 entries, 3 new: 3 stored; events: 4 new, 1 merged (2.1 s)``."""
        took = f" ({self.seconds:.1f} s)"
        if self.status is FeedStatus.failed:
            return f"{self.url}: failed: {self.error}{took}"
        if self.status is FeedStatus.not_modified:
            head = f"{self.url}: not modified (304)"
        else:
            head = f"{self.url}: {self.entries} entries, {self.new or 'none'} new"
        if self.retried:
            head += f", {self.retried} tried again"
        if not self.new and not self.retried:
            return head + took
        outcomes = [f"{self.stored} stored"]
        if self.known:
            outcomes.append(f"{self.known} known already")
        if self.failed:
            outcomes.append(f"{len(self.failed)} failed" + (f" ({self.retrying} to try again)" if self.retrying else ""))
        tail = " (interrupted)" if self.interrupted else ""
        return f"{head}: {', '.join(outcomes)}; events: {self.events_created} new, {self.events_merged} merged{tail}{took}"


def poll_feeds(
    engine: sa.Engine,
    fetcher: Fetcher,
    feed_ids: list[int] | None = None,
    on_feed: Callable[[FeedPoll], None] | None = None,
    stop: threading.Event | None = None,
) -> list[FeedPoll]:
    """Poll the followed feeds (or those of ``feed_ids``), one after another; ``on_feed`` is called
    after each. Ends as a seed run ends: the years the new articles imply are inferred."""
    with Session(engine) as session:
        feeds = [feed for feed in followed_feeds(session) if feed_ids is None or feed.id in feed_ids]
        for feed in feeds:
            session.expunge(feed)
    if not feeds:
        return []
    matcher = entity_matcher(engine)
    polls = []
    for feed in feeds:
        if stop is not None and stop.is_set():
            break
        try:
            poll = _poll_safely(engine, fetcher, matcher, feed, stop)
        except FetchCancelled:  # stopped while the feed itself was asked for: nothing done
            break
        polls.append(poll)
        if on_feed is not None:
            on_feed(poll)
    touched = set().union(*(poll.touched for poll in polls))
    if touched:
        finish_seeding(engine, touched)
    return polls


def watch(
    engine: sa.Engine,
    fetcher: Fetcher,
    every: float,
    feed_ids: list[int] | None = None,
    on_feed: Callable[[FeedPoll], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Poll the feeds every ``every`` seconds (from the start of one round to the next) until
    ``stop`` is set. A round that fails as a whole (the database unreachable) is logged, and
    the next one comes all the same."""
    stop = stop or threading.Event()
    while not stop.is_set():
        started = time.monotonic()
        try:
            poll_feeds(engine, fetcher, feed_ids, on_feed, stop)
        except FetchCancelled:
            return
        except Exception:  # noqa: BLE001 - a watcher outlives a bad round
            _log.exception("feed poll round failed; the next one is in %g s", every)
        stop.wait(max(0.0, every - (time.monotonic() - started)))


class FeedWatcher:
    """``watch`` in a background thread, for ``kb serve --watch``: ``start()``, then ``stop()``.

    The progress line of each poll goes to ``on_feed`` (by default this module's logger, with
    a warning for each page that failed).
    ``stop`` ends every wait at once and lets the article being stored finish its transaction.
    """

    def __init__(self, engine: sa.Engine, every: float, settings: FetchSettings | None = None,
                 on_feed: Callable[[FeedPoll], None] | None = None):
        self.engine = engine
        self.every = every
        self.settings = settings or FetchSettings()
        self.on_feed = on_feed or _log_poll
        self._stop = threading.Event()
        self._fetcher: Fetcher | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._fetcher = Fetcher(self.settings)
        self._thread = threading.Thread(target=self._run, name="kb-feed-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop polling and wait for the thread: at most a request's timeout, and the storing of a page."""
        self._stop.set()
        if self._fetcher is not None:
            self._fetcher.stop()
        if self._thread is not None:
            self._thread.join()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        try:
            watch(self.engine, self._fetcher, self.every, on_feed=self.on_feed, stop=self._stop)
        finally:
            self._fetcher.close()


def _log_poll(poll: FeedPoll) -> None:
    _log.info(poll.describe())
    for url, reason in poll.failed:
        _log.warning("%s: %s", url, reason)


# --- one feed --------------------------------------------------------------------------------


def _poll_safely(engine: sa.Engine, fetcher: Fetcher, matcher: EntityMatcher, feed: Feed, stop: threading.Event | None) -> FeedPoll:
    """``_poll``, with any failure of its own reported as the feed's, so that the others go on."""
    started = time.monotonic()
    try:
        poll = _poll(engine, fetcher, matcher, feed, stop)
    except FetchCancelled:
        raise
    except Exception as exc:  # noqa: BLE001 - one feed's bug or outage must not stop the others
        _log.exception("polling %s failed", feed.url)
        poll = FeedPoll(feed.url, FeedStatus.failed, f"unexpected error ({type(exc).__name__}: {exc})")
        try:
            in_transaction(engine, lambda session: record_poll(session, feed.id, poll.status, poll.error))
        except Exception:  # noqa: BLE001 - the database itself may be what failed
            _log.exception("recording the failed poll of %s failed too", feed.url)
    poll.seconds = time.monotonic() - started
    return poll


def _poll(engine: sa.Engine, fetcher: Fetcher, matcher: EntityMatcher, feed: Feed, stop: threading.Event | None) -> FeedPoll:
    try:
        fetched = fetcher.get(feed.url, FEED_ACCEPT, etag=feed.etag, last_modified=feed.last_modified)
        document = None if fetched.not_modified else read_feed(fetched.content, fetched.url, fetched.headers.get("content-type"))
    except (FetchError, FeedError) as exc:
        poll = FeedPoll(feed.url, FeedStatus.failed, exc.reason)
        in_transaction(engine, lambda session: record_poll(session, feed.id, poll.status, poll.error))
        return poll
    poll = FeedPoll(feed.url, FeedStatus.not_modified if document is None else FeedStatus.ok)
    with Session(engine) as session:
        settled = settled_keys(session, feed.id)
        to_try = {entry.key: FeedItem(entry.key, entry.url, entry.title, entry.published) for entry in retrying_entries(session, feed.id)}
    if document is not None:
        poll.entries = len(document.items)
        # Oldest first, as they were written (feeds list the newest first): the undated last.
        new = [item for item in reversed(document.items) if item.key not in settled and item.key not in to_try]
        new.sort(key=lambda item: (item.published is None, item.published or date.min))
        to_try |= {item.key: item for item in new}
        poll.new = len(new)
    poll.retried = len(to_try) - poll.new
    try:
        for item in to_try.values():
            if stop is not None and stop.is_set():
                raise FetchCancelled()
            _try_entry(engine, fetcher, matcher, feed.id, item, poll)
    except FetchCancelled:
        poll.interrupted = True
    if document is None:
        validators = None  # a 304: the stored ones still hold
    elif poll.interrupted:
        validators = (None, None)  # else the next poll would be a 304 that skips the entries left
    else:
        validators = (fetched.etag, fetched.last_modified)
    title = document.title if document is not None else None
    in_transaction(engine, lambda session: record_poll(session, feed.id, poll.status, title=title, validators=validators))
    return poll


def _try_entry(engine: sa.Engine, fetcher: Fetcher, matcher: EntityMatcher, feed_id: int, item: FeedItem, poll: FeedPoll) -> None:
    """Store the page of one entry, and record the entry with its article (or why it failed)."""
    try:
        result = store_page(
            engine, fetcher, matcher, item.url, item.published, item.title,
            along=lambda session, article_id: record_entry(session, feed_id, item, article_id, stored=True),
        )
    except FetchCancelled:
        raise
    except Exception as exc:  # noqa: BLE001 - a page that breaks extraction must not stop the feed
        _log.exception("storing %s failed", item.url)
        result = PageResult(item.url, error=f"unexpected error ({type(exc).__name__}: {exc})")
    if result.stored:
        poll.stored += 1
        poll.events_created += len(result.ingested.created)
        poll.events_merged += len(result.ingested.merged) + result.ingested.consolidated
        poll.touched.update(result.ingested.created + result.ingested.merged)
        return
    status = in_transaction(
        engine,
        lambda session: record_entry(session, feed_id, item, result.article_id, error=result.error, transient=result.transient).status,
    )
    if result.error is None:
        poll.known += 1
    else:
        poll.failed.append((item.url, result.error))
        poll.retrying += status is FeedEntryStatus.retrying
