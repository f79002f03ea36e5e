"""Downloading as a well-behaved client, against our own site on 127.0.0.1 (tests/feed_server.py)."""

from dataclasses import replace

import pytest

from kb.feeds.fetching import Fetcher, FetchError, USER_AGENT
from kb.feeds.pages import PAGE_ACCEPT
from kb.feeds.politeness import MAX_CRAWL_DELAY_SECONDS, HostPacer, RobotsRules
from tests.conftest import QUICK_FETCHING


def _failure(fetcher, url: str) -> FetchError:
    with pytest.raises(FetchError) as failure:
        fetcher.get(url, PAGE_ACCEPT)
    return failure.value


def test_a_page_comes_with_its_type_and_validators_and_our_user_agent_asked_for_it(feed_site, fetcher):
    fetched = fetcher.get(feed_site.url("/news/mistral-7b.html"), PAGE_ACCEPT)
    assert fetched.status == 200 and fetched.media_type == "text/html" and fetched.charset == "utf-8"
    assert "Mistral 7B" in fetched.content.decode() and fetched.etag and fetched.last_modified
    request = next(r for r in feed_site.requests if r.path == "/news/mistral-7b.html")
    assert request.headers["user-agent"] == USER_AGENT and request.headers["user-agent"].startswith("kb/")


def test_the_user_agent_can_name_a_contact(feed_site, monkeypatch):
    monkeypatch.setenv("KB_USER_AGENT", "kb-newsroom/1.0 (+mailto:desk@example.org)")
    with Fetcher(QUICK_FETCHING) as fetcher:
        fetcher.get(feed_site.url("/news/mistral-7b.html"), PAGE_ACCEPT)
    assert {r.headers["user-agent"] for r in feed_site.requests} == {"kb-newsroom/1.0 (+mailto:desk@example.org)"}


def test_a_404_fails_at_once_naming_the_url(feed_site, fetcher):
    url = feed_site.url("/news/gone.html")
    failure = _failure(fetcher, url)
    assert str(failure) == f"{url}: HTTP 404 Not Found" and not failure.transient
    assert feed_site.paths_requested().count("/news/gone.html") == 1


def test_a_timeout_is_tried_again_then_reported_as_one_that_may_pass(feed_site, fetcher):
    url = feed_site.url("/slow/deepseek.html")
    failure = _failure(fetcher, url)
    assert str(failure) == f"{url}: timed out after 0.3 s (2 attempts)" and failure.transient
    assert feed_site.paths_requested().count("/slow/deepseek.html") == 2


def test_a_503_is_tried_again_after_a_pause_and_the_page_comes(feed_site, fetcher):
    fetched = fetcher.get(feed_site.url("/flaky/mixtral.html"), PAGE_ACCEPT)
    assert fetched.status == 200 and "Mixtral 8x7B" in fetched.content.decode()
    assert feed_site.paths_requested().count("/flaky/mixtral.html") == 2


def test_a_retry_after_longer_than_we_wait_fails_at_once(feed_site, fetcher):
    url = feed_site.url("/busy/mixtral.html")
    failure = _failure(fetcher, url)
    assert str(failure) == f"{url}: HTTP 429 Too Many Requests, retry after 120 s" and failure.transient
    assert feed_site.paths_requested().count("/busy/mixtral.html") == 1


def test_a_redirect_is_followed_and_the_page_keeps_the_url_it_was_found_at(feed_site, fetcher):
    fetched = fetcher.get(feed_site.url("/moved/sora.html"), PAGE_ACCEPT)
    assert fetched.url == feed_site.url("/news/sora.html") and fetched.status == 200


def test_a_redirect_loop_is_named_as_one(feed_site, fetcher):
    a, b = feed_site.url("/loop/a"), feed_site.url("/loop/b")
    failure = _failure(fetcher, a)
    assert str(failure) == f"{a}: redirect loop: {a} -> {b} -> {a}" and not failure.transient


def test_redirects_beyond_the_limit_fail(feed_site):
    with Fetcher(replace(QUICK_FETCHING, max_redirects=0)) as fetcher:
        failure = _failure(fetcher, feed_site.url("/moved/sora.html"))
    assert failure.reason == f"more than 0 redirects (the last to {feed_site.url('/news/sora.html')})"


@pytest.mark.parametrize("path", ["/news/mistral-7b.html", "/chunked/mistral-7b.html"], ids=["declared length", "chunked"])
def test_a_body_above_the_limit_is_refused(feed_site, path):
    with Fetcher(replace(QUICK_FETCHING, max_bytes=500)) as fetcher:
        failure = _failure(fetcher, feed_site.url(path))
    assert failure.reason.startswith("body of ") and failure.reason.endswith("above the limit of 500 (KB_MAX_ARTICLE_BYTES)")
    assert not failure.transient


def test_a_chunked_body_within_the_limit_arrives_whole(feed_site, fetcher):
    chunked = fetcher.get(feed_site.url("/chunked/mistral-7b.html"), PAGE_ACCEPT).content
    assert chunked == fetcher.get(feed_site.url("/news/mistral-7b.html"), PAGE_ACCEPT).content


def test_a_conditional_get_with_the_etag_gets_304_and_no_body(feed_site, fetcher):
    first = fetcher.get(feed_site.url("/ai.rss"), "application/rss+xml")
    again = fetcher.get(feed_site.url("/ai.rss"), "application/rss+xml", etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.content == b""
    request = feed_site.requests[-1]
    assert request.headers["if-none-match"] == first.etag and request.headers["if-modified-since"] == first.last_modified


def test_robots_txt_is_read_once_per_site_and_keeps_us_out_of_what_it_disallows(feed_site, fetcher):
    url = feed_site.url("/private/leak.html")
    failure = _failure(fetcher, url)
    assert str(failure) == f"{url}: disallowed by {feed_site.base}/robots.txt" and not failure.transient
    fetcher.get(feed_site.url("/news/sora.html"), PAGE_ACCEPT)
    assert feed_site.paths_requested() == ["/robots.txt", "/news/sora.html"]


def test_only_http_urls_are_fetched(fetcher):
    failure = _failure(fetcher, "file:///etc/passwd")
    assert str(failure) == "file:///etc/passwd: not an http:// or https:// URL"


def test_no_answer_is_a_failure_that_may_pass(fetcher):
    import socket

    with socket.socket() as unused:  # a port nothing listens on once this is closed
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    failure = _failure(fetcher, f"http://127.0.0.1:{port}/rss")
    assert failure.transient and "robots.txt could not be read (no answer (" in failure.reason and "Connection refused" in failure.reason


def test_requests_to_one_host_are_spaced_by_the_delay(feed_site):
    with Fetcher(replace(QUICK_FETCHING, delay=0.2)) as fetcher:
        for name in ("mistral-7b", "sora", "claude-3"):
            fetcher.get(feed_site.url(f"/news/{name}.html"), PAGE_ACCEPT)
    arrivals = [r.at for r in feed_site.requests if r.path.startswith("/news/")]
    assert len(arrivals) == 3 and all(later - earlier >= 0.2 for earlier, later in zip(arrivals, arrivals[1:]))


def test_the_pacer_waits_per_host_and_honours_a_longer_crawl_delay():
    now, waits = [100.0], []
    pacer = HostPacer(1.0, pause=waits.append, clock=lambda: now[0])
    pacer.wait_for("a.example")  # nothing asked of it yet
    pacer.done("a.example")
    now[0] += 0.25
    pacer.wait_for("b.example")  # another host: no wait
    pacer.wait_for("a.example")
    pacer.wait_for("a.example", delay=5.0)  # robots.txt asks more
    assert waits == [0.75, 4.75]


@pytest.mark.parametrize(
    ("answer", "allowed", "reason"),
    [
        ((404, ""), True, None),
        ((200, "User-agent: *\nDisallow: /\n"), False, "disallowed by https://news.example/robots.txt"),
        ((200, "User-agent: kb\nDisallow: /\n\nUser-agent: *\nAllow: /\n"), False, "disallowed by https://news.example/robots.txt"),
        ((200, "User-agent: otherbot\nDisallow: /\n"), True, None),
        ((503, ""), False, "https://news.example/robots.txt answered HTTP 503; the site is not fetched until it answers"),
    ],
    ids=["missing", "all disallowed", "kb disallowed", "another robot disallowed", "server error"],
)
def test_robots_rules(answer, allowed, reason):
    rules = RobotsRules("kb/0.1.0 (test)", lambda url: answer)
    checked = rules.check("https://news.example/ai/1.html")
    assert (checked.allowed, checked.reason) == (allowed, reason)


def test_robots_that_cannot_be_read_are_asked_for_again_later_and_a_crawl_delay_is_capped():
    now, answers = [0.0], [OSError("connection refused"), (200, "User-agent: *\nCrawl-delay: 3600\n")]

    def read(url):
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    rules = RobotsRules("kb/0.1.0", read, clock=lambda: now[0])
    refused = rules.check("https://news.example/a")
    assert not refused.allowed and refused.may_pass
    assert refused.reason.startswith("https://news.example/robots.txt could not be read (connection refused)")
    assert not rules.check("https://news.example/b").allowed  # not asked again at once
    now[0] += 301
    assert rules.check("https://news.example/c").crawl_delay == MAX_CRAWL_DELAY_SECONDS
