"""Article pages from the web: downloaded, read as ``kb seed`` reads a saved page, and stored.

``store_page`` is what ``kb fetch URL`` does for each URL and what polling does for each new
feed entry: a URL already stored as an article's is not downloaded again; a page is read by
``kb.articles.read_html_page`` (trafilatura for the story, headline and date; the caller's
date and headline where the page has none) and stored by ``kb.ingest.store_article``, one
transaction per article, its URL (after redirects) kept as the article's source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from kb.articles import ArticleError, content_hash, decode_text, read_html_page
from kb.extract.matcher import EntityMatcher
from kb.feeds.fetching import Fetcher, FetchError, is_html, web_url
from kb.gazetteer import sync_gazetteer
from kb.ingest import IngestResult, SeedReport, finish_seeding, in_transaction, store_article
from kb.models import Article, ArticleCreate

PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
# Where an HTML page without a charset in its Content-Type declares one (HTML's prescan reads
# the first 1024 bytes; a few more allow for long <head> preambles).
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_PRESCAN_BYTES = 4096


@dataclass
class PageResult:
    """What became of one page: stored, known already (``article_id`` without ``ingested``), or failed."""

    url: str  # as asked for
    article_id: int | None = None
    ingested: IngestResult | None = None  # set when the page became a new article
    error: str | None = None
    transient: bool = False  # the error may pass: worth trying again later

    @property
    def stored(self) -> bool:
        return self.ingested is not None


def entity_matcher(engine: sa.Engine) -> EntityMatcher:
    """The gazetteer loaded (as ``kb seed`` loads it) and the matcher of its reviewed entities."""
    in_transaction(engine, sync_gazetteer)
    with Session(engine) as session:
        return EntityMatcher.from_session(session, reviewed_only=True)


def download_article(fetcher: Fetcher, url: str, published: date | None = None, title: str | None = None) -> ArticleCreate:
    """Download the page at ``url`` and read its article; ``published`` and ``title`` are used
    where the page has none. Raises ``FetchError`` or ``ArticleError`` naming the URL."""
    fetched = fetcher.get(url, PAGE_ACCEPT)
    if not is_html(fetched.media_type, fetched.content):
        raise FetchError(fetched.url, f"not an HTML page (content type {fetched.media_type or 'not given'})")
    charset = fetched.charset or _declared_charset(fetched.content)
    return read_html_page(decode_text(fetched.url, fetched.content, charset), fetched.url, published, title)


def stored_article_id(session: Session, url: str) -> int | None:
    """The id of an article stored with this URL, if any."""
    return session.exec(select(Article.id).where(Article.url == url).order_by(col(Article.id)).limit(1)).first()


def store_page(
    engine: sa.Engine,
    fetcher: Fetcher,
    matcher: EntityMatcher,
    url: str,
    published: date | None = None,
    title: str | None = None,
    along: Callable[[Session, int], None] | None = None,
) -> PageResult:
    """Download ``url`` and store its article in one transaction, unless its URL (or, once
    downloaded, its content) is stored already. ``along(session, article_id)`` runs in the
    transaction that stores a new article. Failures are returned, not raised."""
    try:
        url = web_url(url)
    except ValueError as exc:
        return PageResult(url, error=str(exc))
    with Session(engine) as session:
        known = stored_article_id(session, url)
    if known is not None:
        return PageResult(url, known)
    try:
        article = download_article(fetcher, url, published, title)
    except FetchError as exc:
        return PageResult(url, error=_reason(url, exc.url, exc.reason), transient=exc.transient)
    except ArticleError as exc:
        return PageResult(url, error=_reason(url, str(exc.origin), exc.reason))
    if article.url != url:  # redirected: perhaps to a page stored already
        with Session(engine) as session:
            known = stored_article_id(session, article.url)
        if known is not None:
            return PageResult(url, known)
    ingested = store_article(engine, article, matcher, along=(lambda session, result: along(session, result.article_id)) if along else None)
    if ingested is None:
        with Session(engine) as session:
            same_content = select(Article.id).where(Article.content_hash == content_hash(article))
            return PageResult(url, session.exec(same_content).one())
    return PageResult(url, ingested.article_id, ingested)


def fetch_pages(
    engine: sa.Engine,
    urls: Iterable[str],
    fetcher: Fetcher,
    published: date | None = None,
    on_page: Callable[[PageResult], None] | None = None,
) -> SeedReport:
    """``kb fetch``: store the article of each page, one transaction each; a page that fails is
    reported and the others go in. Ends as a seed run ends (years inferred, events finished)."""
    matcher = entity_matcher(engine)
    report = SeedReport()
    touched: set[int] = set()
    for url in urls:
        result = store_page(engine, fetcher, matcher, url, published)
        if result.error is not None:
            report.failed.append((url, result.error))
        else:
            report.add(url, result.ingested)
            if result.ingested is not None:
                touched.update(result.ingested.created + result.ingested.merged)
        if on_page is not None:
            on_page(result)
    report.years_completed, merged = finish_seeding(engine, touched)
    report.events_merged += merged
    return report


def _reason(asked: str, failed_at: str, reason: str) -> str:
    """The reason, saying where it happened when a redirect led elsewhere."""
    return reason if failed_at == asked else f"{reason} (at {failed_at}, where it redirects)"


def _declared_charset(content: bytes) -> str | None:
    match = _META_CHARSET.search(content[:_PRESCAN_BYTES])
    return match.group(1).decode("ascii").lower() if match else None
