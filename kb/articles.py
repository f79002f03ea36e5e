"""Reading article files: plain ``.txt`` (headline, then body), ``.md`` with YAML front matter,
and ``.html`` pages as saved from a news site (main text, headline and date found by trafilatura)."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path

import trafilatura
import yaml

from kb.models import ArticleCreate

ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm")


class ArticleFileError(ValueError):
    """A file that cannot be read as an article; the message names the file and the reason."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def content_hash(article: ArticleCreate) -> str:
    """The identity of an article's content: the same headline and text hash the same."""
    return hashlib.sha256(f"{article.title}\n{article.text}".encode()).hexdigest()


def find_article_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The article files named by ``paths``: files as given, folders searched recursively (sorted).

    A path that does not exist is yielded as is, so that reading it reports the error.
    """
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in ARTICLE_SUFFIXES and p.is_file())
        else:
            yield path


def read_article(path: Path, published: date | None = None) -> ArticleCreate:
    """Parse one article file; ``published`` is used when the file carries no date of its own."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ArticleFileError(path, exc.strerror or str(exc)) from exc
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleFileError(path, f"not UTF-8 text (byte {exc.start})") from exc
    content = unicodedata.normalize("NFC", content.replace("\r\n", "\n").replace("\r", "\n"))
    if "\x00" in content:
        raise ArticleFileError(path, "binary content (NUL bytes)")
    if path.suffix == ".md":
        article = _parse_markdown(path, content)
    elif path.suffix == ".txt":
        article = _parse_plain(path, content)
    elif path.suffix in (".html", ".htm"):
        article = _parse_html(path, content)
    else:
        raise ArticleFileError(path, f"unsupported file type {path.suffix!r} (expected .txt, .md or .html)")
    if article.published is None:
        article.published = published
    return article


def _parse_plain(path: Path, content: str) -> ArticleCreate:
    lines = content.strip().split("\n", 1)
    title = lines[0].strip()
    body = lines[1].strip() if len(lines) > 1 else ""
    if not title:
        raise ArticleFileError(path, "empty file")
    if not body:
        raise ArticleFileError(path, "line 2: no body after the headline")
    return ArticleCreate(title=title, text=body, file_name=path.name)


def _parse_html(path: Path, content: str) -> ArticleCreate:
    # trafilatura separates the story from navigation, sidebars and footers, and asks htmldate
    # for the publication date (article:published_time, <time>, JSON-LD, the URL...).
    document = trafilatura.bare_extraction(
        content,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = (document.text or "").strip() if document is not None else ""
    if not text:
        raise ArticleFileError(path, "no article text found in the HTML page")
    title = (document.title or "").strip()
    first_line, _, rest = text.partition("\n")
    if title and first_line.strip() == title:
        text = rest.strip()  # the page's <h1> repeats the headline
    elif not title:
        title, text = first_line.strip(), rest.strip()
    if not text:
        raise ArticleFileError(path, "the HTML page has a headline but no body text")
    return ArticleCreate(
        title=title,
        text=text,
        url=document.url,
        source=document.sitename,
        published=_published(path, document.date),
        file_name=path.name,
    )


def _parse_markdown(path: Path, content: str) -> ArticleCreate:
    if not content.startswith("---\n"):
        raise ArticleFileError(path, "line 1: expected '---' opening the YAML front matter")
    end = content.find("\n---", 4)
    if end == -1:
        raise ArticleFileError(path, "front matter is not closed by a '---' line")
    try:
        meta = yaml.safe_load(content[4:end]) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 2}: " if mark else ""
        raise ArticleFileError(path, f"{where}front matter is not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    if not isinstance(meta, dict):
        raise ArticleFileError(path, "front matter must be a mapping of fields")
    body = content[end + 4 :].lstrip("-").strip()
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ArticleFileError(path, "field 'title': missing or not text")
    if not body:
        raise ArticleFileError(path, "no body after the front matter")
    for field in ("url", "source"):
        if meta.get(field) is not None and not isinstance(meta[field], str):
            raise ArticleFileError(path, f"field {field!r}: expected text")
    return ArticleCreate(
        title=title.strip(),
        text=body,
        url=meta.get("url"),
        source=meta.get("source"),
        language=str(meta.get("language") or "ru"),
        published=_published(path, meta.get("published")),
        file_name=path.name,
    )


def _published(path: Path, value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ArticleFileError(path, f"field 'published': {value!r} is not a date (expected YYYY-MM-DD)") from None
