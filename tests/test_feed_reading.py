"""Reading RSS and Atom: each entry once, its link resolved, its date the day it was written."""

from datetime import date, timedelta

import pytest

from kb.feeds.reading import FeedError, read_feed
from tests.feed_server import FEED_DATA

BASE = "https://neurosvodka.example"


def test_an_rss_feed_lists_each_entry_once_with_links_resolved_against_its_url():
    feed = read_feed((FEED_DATA / "ai.rss").read_bytes(), f"{BASE}/ai.rss", "application/rss+xml")
    assert feed.title == "Нейросводка: искусственный интеллект"
    urls = [item.url for item in feed.items]
    assert len(urls) == 10 and len(set(urls)) == 10  # eleven <item>s, one of them twice
    assert urls[0] == f"{BASE}/news/llama-3.cp1251.html" and f"{BASE}/news/mistral-7b.html" in urls
    gemini = next(item for item in feed.items if item.url.endswith("/gemini.html"))
    assert gemini.title == "Google представила Gemini & три её варианта"  # an entity, as text
    assert gemini.published == date(2023, 12, 6)


def test_a_date_is_the_day_it_was_written_in_its_own_time_zone():
    rss = """<rss version="2.0"><channel><title>Лента</title>
        <item><title>Ночная новость</title><link>/a</link><pubDate>Tue, 05 Mar 2024 01:30:00 +0300</pubDate></item>
        <item><title>Без даты</title><link>/b</link></item></channel></rss>"""
    night, undated = read_feed(rss.encode(), f"{BASE}/rss").items
    assert night.published == date(2024, 3, 5)  # 4 March in UTC
    assert undated.published is None


def test_an_atom_feed_gives_plain_titles_and_prefers_the_publication_date():
    feed = read_feed((FEED_DATA / "ai.atom").read_bytes(), f"{BASE}/ai.atom", "application/atom+xml")
    claude, mixtral = feed.items
    assert claude.title == "Anthropic обновила линейку моделей" and claude.url == f"{BASE}/news/claude-3.html"
    assert claude.published == date(2024, 3, 4)
    assert mixtral.published == date(2023, 12, 11)  # <published>, not the later <updated>


def test_the_same_entry_has_the_same_key_in_every_version_of_the_feed():
    first = read_feed((FEED_DATA / "ai.rss").read_bytes(), f"{BASE}/ai.rss")
    later = read_feed((FEED_DATA / "ai-next.rss").read_bytes(), f"{BASE}/ai.rss")
    assert {item.key for item in first.items} < {item.key for item in later.items}
    assert [item.url for item in later.items if item.key not in {i.key for i in first.items}] == [f"{BASE}/news/mixtral.html"]


def test_entries_without_a_web_link_are_skipped_and_a_date_ahead_is_dropped():
    ahead = (date.today() + timedelta(days=10)).strftime("%a, %d %b %Y 12:00:00 +0000")
    rss = f"""<rss version="2.0"><channel><title>Лента</title>
        <item><title>Без ссылки</title><guid isPermaLink="false">x-1</guid></item>
        <item><title>Почта</title><link>mailto:desk@example.org</link></item>
        <item><title>Из будущего</title><link>{BASE}/future</link><pubDate>{ahead}</pubDate></item></channel></rss>"""
    feed = read_feed(rss.encode(), f"{BASE}/rss")
    assert feed.skipped == 2 and [(item.url, item.published) for item in feed.items] == [(f"{BASE}/future", None)]


def test_a_web_page_is_not_a_feed_but_names_the_feed_it_links_to():
    page = b'<!DOCTYPE html><html><head><link rel="alternate" type="application/rss+xml" href="/ai.rss"></head><body>x</body></html>'
    with pytest.raises(FeedError) as failure:
        read_feed(page, f"{BASE}/", "text/html; charset=utf-8")
    assert str(failure.value) == f"{BASE}/: an HTML page, not an RSS or Atom feed; the page names its feed: {BASE}/ai.rss"
    with pytest.raises(FeedError, match=r"an HTML page, not an RSS or Atom feed$"):
        read_feed((FEED_DATA / "not-a-feed.html").read_bytes(), f"{BASE}/not-a-feed.html")


def test_what_is_not_xml_is_not_a_feed():
    with pytest.raises(FeedError, match=rf"^{BASE}/report.pdf: not an RSS or Atom feed \("):
        read_feed((FEED_DATA / "files" / "report.pdf").read_bytes(), f"{BASE}/report.pdf", "application/pdf")
