"""`kb fetch`, `kb watch`, `kb feeds` and `kb serve --watch`, against our own site on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.main import create_app
from kb.db import get_engine, session_scope
from kb.feeds.followed import follow_feed
from kb.feeds.pages import fetch_pages
from kb.feeds.polling import FeedWatcher
from kb.models import Article
from tests.conftest import QUICK_FETCHING, REPO

QUICK = ["--timeout", "0.3", "--delay", "0", "--retries", "1"]


def _articles(db_url: str) -> dict[str, Article]:
    with Session(get_engine(db_url)) as session:
        return {article.url.split("/", 3)[3]: article for article in session.exec(select(Article))}


def test_kb_feeds_add_list_and_remove(cli, db_url, feed_site):
    rss, atom = feed_site.url("/ai.rss"), feed_site.url("/ai.atom")
    added = cli("--db", db_url, "feeds", "add", rss, atom, "ftp://example.org/rss", rss)
    assert added.exit_code == 1
    assert added.stdout.splitlines() == [f"following {rss} (feed 1)", f"following {atom} (feed 2)", f"already following {rss} (feed 1)"]
    assert added.stderr.splitlines() == ["error: 'ftp://example.org/rss': not an http:// or https:// URL"]
    listed = cli("--db", db_url, "feeds", "list")
    assert listed.stdout.splitlines() == [
        f"feed 1: {rss}", "  never polled; 0 articles from 0 entries",
        f"feed 2: {atom}", "  never polled; 0 articles from 0 entries",
    ]
    removed = cli("--db", db_url, "feeds", "remove", "1")
    assert removed.exit_code == 0 and removed.stdout.strip() == f"stopped following {rss} (feed 1); its articles stay"
    assert [json.loads(line)["url"] for line in cli("--db", db_url, "feeds", "list", "--json").stdout.splitlines()] == [atom]
    again = cli("--db", db_url, "feeds", "remove", rss)
    assert again.exit_code == 1 and again.stderr.startswith(f"error: no followed feed '{rss}'")


def test_kb_watch_once_prints_a_line_per_feed_and_exits_1_when_one_failed(cli, db_url, gazetteer_engine, feed_site):
    atom, gone = feed_site.url("/ai.atom"), feed_site.url("/gone.rss")
    result = cli("--db", db_url, "watch", "--once", *QUICK, atom, gone)
    assert result.exit_code == 1, result.output
    first, second = result.stdout.splitlines()
    assert first.startswith(f"{atom}: 2 entries, 2 new: 2 stored; events: 2 new, 0 merged (")
    assert second.startswith(f"{gone}: failed: HTTP 404 Not Found (")
    listed = cli("--db", db_url, "feeds", "list").stdout.splitlines()
    assert listed[0] == f"feed 1: {atom} (Нейросводка: открытые модели)"
    assert listed[1].startswith("  last poll ") and listed[1].endswith(" UTC: ok; 2 articles from 2 entries")
    assert listed[3].endswith(" UTC: failed: HTTP 404 Not Found; 0 articles from 0 entries")

    # Without URLs, every followed feed; the atom feed has not changed since.
    again = cli("--db", db_url, "watch", "--once", *QUICK)
    assert again.stdout.splitlines()[0].startswith(f"{atom}: not modified (304) (")
    assert set(_articles(db_url)) == {"news/claude-3.html", "flaky/mixtral.html"}


def test_kb_watch_reports_each_page_that_failed(cli, db_url, gazetteer_engine, feed_site):
    result = cli("--db", db_url, "watch", "--once", *QUICK, feed_site.url("/ai.rss"))
    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert f"error: {feed_site.url('/news/gone.html')}: HTTP 404 Not Found" in errors
    assert f"error: {feed_site.url('/private/leak.html')}: disallowed by {feed_site.base}/robots.txt" in errors
    assert len(errors) == 5


def test_kb_watch_needs_a_feed(cli, db_url):
    result = cli("--db", db_url, "watch", "--once")
    assert result.exit_code == 1 and "no feeds followed" in result.stderr
    assert cli("--db", db_url, "watch", "--every", "soon", "--once").exit_code == 2


def test_kb_fetch_stores_pages_and_names_each_that_failed(cli, db_url, gazetteer_engine, feed_site):
    mistral, moved, claude = feed_site.url("/news/mistral-7b.html"), feed_site.url("/moved/sora.html"), feed_site.url("/news/claude-3.html")
    gone, pdf = feed_site.url("/news/gone.html"), feed_site.url("/files/report.pdf")
    result = cli("--db", db_url, "fetch", *QUICK, "--published", "2024-03-05", mistral, moved, claude, gone, pdf, "mailto:desk@example.org")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:3] == [
        f"stored {mistral} as article 1 (events: 1 new, 0 merged)",
        f"stored {moved} as article 2 (events: 1 new, 0 merged)",
        f"stored {claude} as article 3 (events: 1 new, 0 merged)",
    ]
    assert result.stdout.splitlines()[3].startswith("3 stored, 0 unchanged, 3 failed; events: 3 new, 0 merged, ")
    assert result.stderr.splitlines() == [
        f"error: {gone}: HTTP 404 Not Found",
        f"error: {pdf}: not an HTML page (content type application/pdf)",
        "error: mailto:desk@example.org: not an http:// or https:// URL",
    ]
    articles = _articles(db_url)
    assert articles["news/sora.html"].url == feed_site.url("/news/sora.html")
    assert articles["news/claude-3.html"].published == date(2024, 3, 5)  # the page has none: --published
    assert articles["news/mistral-7b.html"].published == date(2023, 9, 27)  # the page's own wins

    again = cli("--db", db_url, "fetch", *QUICK, mistral, moved)
    assert again.exit_code == 0
    assert again.stdout.splitlines() == [
        f"unchanged {mistral}: stored already as article 1",
        f"unchanged {moved}: stored already as article 2",
        "0 stored, 2 unchanged, 0 failed; events: 0 new, 0 merged, 0 years inferred afterwards",
    ]
    assert feed_site.paths_requested().count("/news/mistral-7b.html") == 1


def test_the_watcher_polls_in_a_background_thread_of_the_app_and_stops_with_it(db_url, gazetteer_engine, feed_site):
    with session_scope(gazetteer_engine) as session:
        follow_feed(session, feed_site.url("/ai.atom"))
    polled = threading.Event()
    watcher = FeedWatcher(gazetteer_engine, every=3600, settings=QUICK_FETCHING, on_feed=lambda poll: polled.set())
    with TestClient(create_app(db_url, feed_watcher=watcher)) as client:
        assert polled.wait(60), "the watcher did not poll"
        assert watcher.running
        timeline = client.get("/timeline", params={"org": "Anthropic"}).json()
        assert [event["title"] for event in timeline["items"]] == ["Выпуск Claude 3 (Anthropic)"]
    assert not watcher.running


def test_kb_watch_runs_until_interrupted(db_url, gazetteer_engine, feed_site):
    with _kb(db_url, "watch", "--every", "1h", "--delay", "0", feed_site.url("/ai.atom")) as process:
        line = process.stdout.readline()
        assert line.startswith(f"[{date.today().isoformat()} ") and f"{feed_site.url('/ai.atom')}: 2 entries, 2 new: 2 stored" in line
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert "stopped" in process.stderr.read()


def test_kb_serve_watch_serves_what_the_feeds_bring_and_stops_cleanly(db_url, gazetteer_engine, feed_site, fetcher):
    # A knowledge base that is not empty, so that kb serve does not seed the bundled corpus first.
    fetch_pages(gazetteer_engine, [feed_site.url("/news/mistral-7b.html")], fetcher)
    with session_scope(gazetteer_engine) as session:
        follow_feed(session, feed_site.url("/ai.atom"))
    port = _free_port()
    with _kb(db_url, "serve", "--port", str(port), "--watch", "--every", "1h") as process:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None and time.monotonic() < deadline, "kb serve --watch did not store the feed's articles"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/articles/3").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        titles = {a["title"] for a in (httpx.get(f"http://127.0.0.1:{port}/articles/{i}").json() for i in (2, 3))}
        assert titles == {"Anthropic обновила линейку моделей", "Mistral AI выпустила Mixtral 8x7B"}
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
        log = process.stderr.read()
    assert f"INFO:     {feed_site.url('/ai.atom')}: 2 entries, 2 new: 2 stored; events: 2 new, 0 merged (" in log
    assert "Application shutdown complete." in log


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _kb:
    """``python -m kb --db URL ARGS...`` as a process, killed if the test leaves it running."""

    def __init__(self, db_url: str, *args: str):
        env = os.environ | {"PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kb", "--db", db_url, *args],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )

    def __enter__(self) -> subprocess.Popen:
        return self.process

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        self.process.stderr.close()
