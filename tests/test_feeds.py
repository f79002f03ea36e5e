"""Following feeds: polls store new pages once, conditional GETs, failures reported and skipped,
on both engines, against our own site on 127.0.0.1 (tests/feed_server.py)."""

from __future__ import annotations

import io
import threading

import pytest
from sqlmodel import Session, col, select

from kb.backup import dump, restore
from kb.db import get_engine, session_scope
from kb.feeds.followed import ENTRY_ATTEMPTS, FeedUrlError, feed_summaries, feed_url, follow_feed, record_entry, unfollow_feed
from kb.feeds.pages import fetch_pages
from kb.feeds.polling import poll_feeds
from kb.feeds.reading import FeedItem
from kb.models import Article, Event, Feed, FeedEntry, FeedEntryStatus, FeedStatus


def _follow(engine, *urls: str) -> list[int]:
    with session_scope(engine) as session:
        return [follow_feed(session, url)[0].id for url in urls]


def _entries(engine, feed_id: int) -> dict[str, FeedEntry]:
    """The feed's entries by the path of their URL."""
    with Session(engine) as session:
        entries = session.exec(select(FeedEntry).where(FeedEntry.feed_id == feed_id)).all()
    return {entry.url.split("/", 3)[3]: entry for entry in entries}


def _articles(engine) -> dict[str, Article]:
    """The stored articles by the path of their URL."""
    with Session(engine) as session:
        return {article.url.split("/", 3)[3]: article for article in session.exec(select(Article))}


def test_a_poll_stores_each_new_page_once_and_records_why_the_others_failed(gazetteer_engine, feed_site, fetcher):
    engine = gazetteer_engine
    [feed_id] = _follow(engine, feed_site.url("/ai.rss"))
    [poll] = poll_feeds(engine, fetcher)
    assert (poll.status, poll.entries, poll.new, poll.stored, poll.known) == (FeedStatus.ok, 10, 10, 5, 0)
    base = feed_site.base
    assert dict(poll.failed) == {
        f"{base}/news/gone.html": "HTTP 404 Not Found",
        f"{base}/loop/a": f"redirect loop: {base}/loop/a -> {base}/loop/b -> {base}/loop/a",
        f"{base}/slow/deepseek.html": "timed out after 0.3 s (2 attempts)",
        f"{base}/files/report.pdf": "not an HTML page (content type application/pdf)",
        f"{base}/private/leak.html": f"disallowed by {base}/robots.txt",
    }
    assert poll.retrying == 1 and poll.describe().startswith(f"{base}/ai.rss: 10 entries, 10 new: 5 stored, 5 failed (1 to try again); events: ")

    articles = _articles(engine)
    assert set(articles) == {"news/mistral-7b.html", "news/gemini.html", "news/claude-3.html", "news/sora.html", "news/llama-3.cp1251.html"}
    assert articles["news/claude-3.html"].published.isoformat() == "2024-03-04"  # the page has no date: the feed's
    assert articles["news/gemini.html"].title == "Google представила Gemini & три её варианта"  # nor a headline
    assert articles["news/gemini.html"].source == "127.0.0.1"  # nor a site name: the host
    assert articles["news/mistral-7b.html"].source == "Нейросводка" and articles["news/mistral-7b.html"].published.isoformat() == "2023-09-27"
    llama = articles["news/llama-3.cp1251.html"]  # sent in Windows-1251, as its Content-Type says
    assert llama.title == "Meta выпустила Llama 3" and llama.text.startswith("Компания Meta 18 апреля 2024 года выпустила")

    entries = _entries(engine, feed_id)
    assert {path: entry.status for path, entry in entries.items()} == {
        "news/mistral-7b.html": FeedEntryStatus.stored, "news/gemini.html": FeedEntryStatus.stored,
        "news/claude-3.html": FeedEntryStatus.stored, "moved/sora.html": FeedEntryStatus.stored,
        "news/llama-3.cp1251.html": FeedEntryStatus.stored, "slow/deepseek.html": FeedEntryStatus.retrying,
        "news/gone.html": FeedEntryStatus.failed, "loop/a": FeedEntryStatus.failed,
        "files/report.pdf": FeedEntryStatus.failed, "private/leak.html": FeedEntryStatus.failed,
    }
    assert entries["moved/sora.html"].article_id == articles["news/sora.html"].id  # found where it redirects
    requested = feed_site.paths_requested()
    assert requested.count("/news/mistral-7b.html") == 1  # listed twice in the feed
    assert "/private/leak.html" not in requested

    with Session(engine) as session:
        dated = {(event.title, event.date_start.isoformat()) for event in session.exec(select(Event)) if event.date_start}
    assert ("Выпуск Mistral 7B (Mistral AI)", "2023-09-27") in dated
    assert ("Выпуск Claude 3 (Anthropic)", "2024-03-04") in dated  # «4 марта», in the year of the feed's date


def test_the_next_poll_is_a_conditional_get_and_a_304_fetches_only_entries_to_try_again(gazetteer_engine, feed_site, fetcher):
    engine = gazetteer_engine
    [feed_id] = _follow(engine, feed_site.url("/ai.rss"))
    poll_feeds(engine, fetcher)
    with Session(engine) as session:
        etag = session.get(Feed, feed_id).etag
    first_poll = len(feed_site.requests)
    [poll] = poll_feeds(engine, fetcher)
    again = feed_site.requests[first_poll:]
    assert again[0].path == "/ai.rss" and again[0].headers["if-none-match"] == etag
    assert [request.path for request in again[1:]] == ["/slow/deepseek.html"] * 2
    assert (poll.status, poll.new, poll.retried, poll.stored) == (FeedStatus.not_modified, 0, 1, 0)
    assert poll.describe().startswith(f"{feed_site.base}/ai.rss: not modified (304), 1 tried again: 0 stored, 1 failed (1 to try again)")
    assert len(_articles(engine)) == 5


def test_a_changed_feed_brings_only_its_new_entries(gazetteer_engine, feed_site, fetcher):
    engine = gazetteer_engine
    _follow(engine, feed_site.url("/ai.rss"))
    poll_feeds(engine, fetcher)
    feed_site.serve_file_at("/ai.rss", "ai-next.rss")
    first_poll = len(feed_site.requests)
    [poll] = poll_feeds(engine, fetcher)
    assert (poll.status, poll.entries, poll.new, poll.retried, poll.stored) == (FeedStatus.ok, 11, 1, 1, 1)
    pages = {request.path for request in feed_site.requests[first_poll:]} - {"/ai.rss"}
    assert pages == {"/news/mixtral.html", "/slow/deepseek.html"}
    assert "news/mixtral.html" in _articles(engine)


def test_a_page_that_keeps_failing_in_a_way_that_may_pass_is_given_up_after_three_polls(gazetteer_engine, feed_site, fetcher):
    engine = gazetteer_engine
    [feed_id] = _follow(engine, feed_site.url("/ai.rss"))
    for attempt in range(1, ENTRY_ATTEMPTS + 1):
        poll_feeds(engine, fetcher)
        slow = _entries(engine, feed_id)["slow/deepseek.html"]
        assert slow.attempts == attempt
    assert slow.status is FeedEntryStatus.failed and slow.error == "timed out after 0.3 s (2 attempts)"
    asked = feed_site.paths_requested().count("/slow/deepseek.html")
    [poll] = poll_feeds(engine, fetcher)
    assert feed_site.paths_requested().count("/slow/deepseek.html") == asked and poll.retried == 0


def test_a_failing_feed_is_reported_and_recorded_and_the_others_are_polled(gazetteer_engine, feed_site, fetcher):
    engine = gazetteer_engine
    urls = [feed_site.url(path) for path in ("/gone.rss", "/not-a-feed.html", "/ai.atom")]
    _follow(engine, *urls)
    gone, page, atom = poll_feeds(engine, fetcher)
    assert (gone.status, gone.error) == (FeedStatus.failed, "HTTP 404 Not Found")
    assert gone.describe() == f"{urls[0]}: failed: HTTP 404 Not Found ({gone.seconds:.1f} s)"
    assert (page.status, page.error) == (FeedStatus.failed, "an HTML page, not an RSS or Atom feed")
    assert (atom.status, atom.stored) == (FeedStatus.ok, 2)  # /flaky/ answered at the second try
    with Session(engine) as session:
        summaries = {summary.url: summary for summary in feed_summaries(session)}
    assert (summaries[urls[0]].status, summaries[urls[0]].error, summaries[urls[0]].polled_at is not None) == (FeedStatus.failed, "HTTP 404 Not Found", True)
    assert (summaries[urls[2]].status, summaries[urls[2]].articles, summaries[urls[2]].entries) == (FeedStatus.ok, 2, 2)
    assert summaries[urls[2]].title == "Нейросводка: открытые модели"


def test_a_page_stored_already_is_known_and_not_downloaded_again(gazetteer_engine, feed_site, fetcher):
    engine = gazetteer_engine
    report = fetch_pages(engine, [feed_site.url("/news/claude-3.html")], fetcher)
    assert len(report.stored) == 1
    [feed_id] = _follow(engine, feed_site.url("/ai.atom"))
    [poll] = poll_feeds(engine, fetcher)
    assert (poll.stored, poll.known) == (1, 1)
    claude = _entries(engine, feed_id)["news/claude-3.html"]
    assert claude.status is FeedEntryStatus.known and claude.article_id == _articles(engine)["news/claude-3.html"].id
    assert feed_site.paths_requested().count("/news/claude-3.html") == 1


def test_an_interrupted_poll_leaves_the_rest_to_the_next_which_reads_the_feed_whole(gazetteer_engine, feed_site, fetcher):
    engine = gazetteer_engine
    [feed_id] = _follow(engine, feed_site.url("/ai.rss"))
    stop = threading.Event()
    feed_site.on_request = lambda path: stop.set() if path == "/news/mistral-7b.html" else None  # the oldest entry
    [poll] = poll_feeds(engine, fetcher, stop=stop)
    assert poll.interrupted and poll.stored == 1 and "(interrupted)" in poll.describe()
    with Session(engine) as session:
        feed = session.get(Feed, feed_id)
        assert (feed.etag, feed.last_modified) == (None, None)
    feed_site.on_request = None
    first_poll = len(feed_site.requests)
    [poll] = poll_feeds(engine, fetcher)
    assert "if-none-match" not in feed_site.requests[first_poll].headers
    assert (poll.new, poll.stored) == (9, 4) and len(_articles(engine)) == 5


def test_feeds_are_known_by_a_normalised_url_and_unfollowing_keeps_their_articles(gazetteer_engine, feed_site, fetcher):
    engine = gazetteer_engine
    url = feed_site.url("/ai.atom")
    with session_scope(engine) as session:
        feed, new = follow_feed(session, url)
        again, new_again = follow_feed(session, url.replace("http://", "HTTP://") + " ")
        assert (new, new_again, again.id) == (True, False, feed.id)
    poll_feeds(engine, fetcher)
    with session_scope(engine) as session:
        unfollow_feed(session, url)
    with Session(engine) as session:
        assert session.exec(select(FeedEntry)).all() == [] and feed_summaries(session) == []
        assert len(session.exec(select(Article.id)).all()) == 2
    with pytest.raises(FeedUrlError, match="no followed feed"), Session(engine) as session:
        unfollow_feed(session, url)


@pytest.mark.parametrize("text", ["ftp://example.org/rss", "example.org/rss", "https://", "http://exa mple.org/"])
def test_a_feed_url_must_be_http_with_a_host(text):
    with pytest.raises(FeedUrlError, match=r"^'.*': not a"):
        feed_url(text)


def test_polling_only_the_feeds_asked_for(gazetteer_engine, feed_site, fetcher):
    engine = gazetteer_engine
    atom, _ = _follow(engine, feed_site.url("/ai.atom"), feed_site.url("/gone.rss"))
    polls = poll_feeds(engine, fetcher, feed_ids=[atom])
    assert [poll.url for poll in polls] == [feed_site.url("/ai.atom")]
    assert "/gone.rss" not in feed_site.paths_requested()
    with Session(engine) as session:
        assert [f.status for f in session.exec(select(Feed).order_by(col(Feed.id)))] == [FeedStatus.ok, None]


def test_an_entry_stored_by_a_poll_running_at_the_same_time_stays_stored(gazetteer_engine, feed_site, fetcher):
    engine = gazetteer_engine
    [feed_id] = _follow(engine, feed_site.url("/ai.atom"))
    poll_feeds(engine, fetcher)
    mixtral = _entries(engine, feed_id)["flaky/mixtral.html"]
    item = FeedItem(mixtral.key, mixtral.url, mixtral.title, mixtral.published)
    with session_scope(engine) as session:  # what the other poll records: the content was stored already
        record_entry(session, feed_id, item, mixtral.article_id)
    again = _entries(engine, feed_id)["flaky/mixtral.html"]
    assert (again.status, again.attempts, again.article_id) == (FeedEntryStatus.stored, 1, mixtral.article_id)


def test_feeds_and_their_entries_survive_a_dump_and_a_restore(gazetteer_engine, feed_site, fetcher, databases, tmp_path):
    _follow(gazetteer_engine, feed_site.url("/ai.atom"))
    poll_feeds(gazetteer_engine, fetcher)
    dumped = io.StringIO()
    with Session(gazetteer_engine) as session:
        counts = dump(session, dumped)
    assert (counts["feed"], counts["feed_entry"]) == (1, 2)
    copy_url = databases.create(tmp_path)
    try:
        with session_scope(get_engine(copy_url)) as session:
            restore(session, io.StringIO(dumped.getvalue()))
        again = io.StringIO()
        with Session(get_engine(copy_url)) as session:
            dump(session, again)
            assert feed_summaries(session)[0].articles == 2
        assert again.getvalue() == dumped.getvalue()
    finally:
        databases.drop(copy_url)
