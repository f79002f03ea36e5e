"""Reading articles: plain ``.txt`` files (headline, then body), ``.md`` with YAML front matter,
and ``.html`` pages as saved from a news site or downloaded (main text, headline and date found
by trafilatura; ``read_html_page`` reads a page's HTML held in memory).

What cannot be an article is refused with an ``ArticleError`` naming the file (or the page's
URL) and the reason, before anything is stored:

- larger than ``KB_MAX_ARTICLE_BYTES`` (default 5 MiB; checked with ``stat`` before reading, and
  the read itself stops there), or not a regular file (a FIFO would block the reader);
- not UTF-8. UTF-8, UTF-16 and UTF-32 with a byte-order mark are decoded; legacy Cyrillic
  encodings are refused rather than guessed: any byte string decodes as Windows-1251, KOI8-R
  or CP866, so a wrong guess would store mojibake without a word;
- NUL bytes (binary content); other control characters (C0 and C1, except tab and newline)
  are dropped, since no article means them and terminals, CSV and HTML would;
- a headline longer than ``MAX_HEADLINE_CHARS`` (a file that is one long line, most likely);
- front matter that is not YAML, or a ``published`` that is not a date or lies in the future
  (more than a day ahead of this machine's date, to allow for time zones).
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import lxml.etree
import lxml.html
import trafilatura
import yaml
from pydantic import ValidationError

from kb.models import Article, ArticleCreate
from kb.page_text import page_dateline, read_page_text, story_lines

ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm")
MAX_ARTICLE_BYTES_VARIABLE = "KB_MAX_ARTICLE_BYTES"
DEFAULT_MAX_ARTICLE_BYTES = 5 * 1024 * 1024
MAX_HEADLINE_CHARS = 1000

# Byte-order marks, longest first: a UTF-32 LE mark begins with the UTF-16 LE one.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
_CONTROL_CHARACTERS = re.compile("[\x01-\x08\x0b-\x1f\x7f-\x9f]")


class ArticleError(ValueError):
    """What cannot be read as an article; the message names its origin (a file, a URL) and the reason."""

    def __init__(self, origin: Path | str, reason: str):
        super().__init__(f"{origin}: {reason}")
        self.origin = origin
        self.reason = reason


def content_hash(article: ArticleCreate) -> str:
    """The identity of an article's content: the same headline and text hash the same."""
    return hashlib.sha256(f"{article.title}\n{article.text}".encode()).hexdigest()


def max_article_bytes() -> int:
    """The largest article file read, in bytes: ``KB_MAX_ARTICLE_BYTES``, else 5 MiB."""
    configured = os.environ.get(MAX_ARTICLE_BYTES_VARIABLE)
    if not configured:
        return DEFAULT_MAX_ARTICLE_BYTES
    if not configured.isdigit() or int(configured) == 0:
        raise ValueError(f"{MAX_ARTICLE_BYTES_VARIABLE} must be a positive number of bytes, not {configured!r}")
    return int(configured)


def find_article_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The article files named by ``paths``: files as given, folders searched recursively (sorted).

    Symbolic links to folders are followed, each folder once, so a link loop ends. A path
    that does not exist, a file link that is broken or loops, and a folder that cannot be
    listed are yielded as they are, so that reading them reports the error.
    """
    for path in paths:
        if path.is_dir():
            yield from sorted(_files_under(path))
        else:
            yield path


def _files_under(top: Path) -> Iterator[Path]:
    seen: set[tuple[int, int]] = set()
    folders = [top]
    while folders:  # a stack, not recursion: nesting depth is the file system's to choose
        folder = folders.pop()
        try:
            info = folder.stat()
            if (info.st_dev, info.st_ino) in seen:
                continue  # reached again through a symbolic link
            seen.add((info.st_dev, info.st_ino))
            entries = list(os.scandir(folder))
        except OSError:
            yield folder
            continue
        for entry in entries:
            try:
                is_folder = entry.is_dir()  # follows symbolic links
            except OSError:  # a link that loops
                is_folder = False
            if is_folder:
                folders.append(Path(entry.path))
            elif Path(entry.path).suffix in ARTICLE_SUFFIXES:
                yield Path(entry.path)


def read_article(path: Path, published: date | None = None) -> ArticleCreate:
    """Parse one article file; ``published`` is used when the file carries no date of its own."""
    limit = max_article_bytes()
    _check_file(path, limit)
    if path.suffix not in ARTICLE_SUFFIXES:
        raise ArticleError(path, f"unsupported file type {path.suffix!r} (expected .txt, .md or .html)")
    content = _clean_text(path, decode_text(path, _read_bytes(path, limit)))
    if path.suffix == ".md":
        article = _parse_markdown(path, content)
    elif path.suffix == ".txt":
        article = _parse_plain(path, content)
    else:
        article = _parse_html(path, content)
    # A name that is not UTF-8 (os.fsdecode keeps its bytes as surrogates) cannot be stored.
    article.file_name = path.name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return _checked(path, article, published)


def read_html_page(html: str, url: str, published: date | None = None, title: str | None = None) -> ArticleCreate:
    """Parse a news page's HTML, downloaded from ``url`` (stored as the article's URL).

    ``published`` and ``title`` (a feed entry's, say) are used when the page has no date or
    no headline of its own; the source is the site's name, else the URL's host. Errors name ``url``.

    >>> page = "<html><head><title>Заголовок</title></head><body><article><p>Текст статьи.</p></article></body></html>"
    >>> read_html_page(page, "https://example.org/a").text
    'Текст статьи.'
    """
    article = _parse_html(url, _clean_text(url, html), title)
    article.url = url
    article.source = article.source or urlsplit(url).hostname  # the site's name, else its host
    return _checked(url, article, published)


def _checked(origin: Path | str, article: ArticleCreate, published: date | None) -> ArticleCreate:
    """The article, once its fields fit the database, with ``published`` if it has no date."""
    _check_fields(origin, article)
    if len(article.title) > MAX_HEADLINE_CHARS:
        raise ArticleError(
            origin, f"headline of {len(article.title):,} characters, above the limit of {MAX_HEADLINE_CHARS:,}"
        )
    if article.published is None:
        article.published = published
    return article


def _check_fields(origin: Path | str, article: ArticleCreate) -> None:
    """Refuse text the database cannot hold; YAML escapes («\\0», «\\ud800») get past decoding."""
    for name in ("title", "text", "url", "source", "language", "file_name"):
        value = getattr(article, name)
        if value is None:
            continue
        value = _CONTROL_CHARACTERS.sub("", value)
        setattr(article, name, value)
        if "\x00" in value:
            raise ArticleError(origin, f"field {name!r}: holds a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ArticleError(origin, f"field {name!r}: not valid Unicode (a lone surrogate)") from None
        length = Article.__table__.c[name].type.length
        if length is not None and len(value) > length:
            raise ArticleError(origin, f"field {name!r}: {len(value):,} characters, above the limit of {length:,}")


def _check_file(path: Path, limit: int) -> None:
    """Refuse, by ``stat`` alone, what is not a regular file of at most ``limit`` bytes."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            os.scandir(path).close()  # raises why the folder could not be searched, if it cannot
            raise ArticleError(path, "a folder, not an article file")
    except OSError as exc:
        raise ArticleError(path, exc.strerror or str(exc)) from exc
    if not stat.S_ISREG(info.st_mode):
        raise ArticleError(path, "not a regular file")
    if info.st_size > limit:
        raise ArticleError(path, _too_large(info.st_size, limit))


def _read_bytes(path: Path, limit: int) -> bytes:
    try:
        with path.open("rb") as file:
            raw = file.read(limit + 1)  # the file may have grown since stat
    except OSError as exc:
        raise ArticleError(path, exc.strerror or str(exc)) from exc
    if len(raw) > limit:
        raise ArticleError(path, _too_large(len(raw), limit))
    return raw


def _too_large(size: int, limit: int) -> str:
    return f"file of {size:,} bytes, above the limit of {limit:,} ({MAX_ARTICLE_BYTES_VARIABLE})"


def decode_text(origin: Path | str, raw: bytes, charset: str | None = None) -> str:
    """The text of ``raw``: by its byte-order mark, else by ``charset`` when one is declared (an
    HTTP response's), else as UTF-8. Undeclared legacy encodings are refused, never guessed."""
    for mark, encoding, name in _BYTE_ORDER_MARKS:
        if raw.startswith(mark):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise ArticleError(origin, f"not valid {name} text (byte {exc.start})") from exc
    if b"\x00" in raw:
        raise ArticleError(origin, "binary content (NUL bytes)")
    if charset is not None:
        try:
            return raw.decode(charset)
        except LookupError:
            raise ArticleError(origin, f"unknown character encoding {charset!r}") from None
        except UnicodeDecodeError as exc:
            raise ArticleError(origin, f"not valid {charset} text (byte {exc.start})") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArticleError(
            origin, f"not UTF-8 text (byte {exc.start}); convert it to UTF-8 (legacy encodings such as Windows-1251 are not guessed)"
        ) from exc


def _clean_text(origin: Path | str, content: str) -> str:
    if "\x00" in content:
        raise ArticleError(origin, "binary content (NUL bytes)")
    content = content.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _CONTROL_CHARACTERS.sub("", content))


def _parse_plain(path: Path, content: str) -> ArticleCreate:
    if content.startswith("---\n"):
        return _parse_markdown(path, content)  # a .txt that opens with front matter, as a .md does
    if not content.strip():
        raise ArticleError(path, "empty file")
    page = read_page_text(content)
    if not page.body:
        raise ArticleError(path, "line 2: no body after the headline")
    return _article(path, title=page.title, text=page.body, published=_published(path, page.published, "dateline"))


def _parse_html(origin: Path | str, content: str, fallback_title: str | None = None) -> ArticleCreate:
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
    text = "\n".join(story_lines((document.text or "").split("\n"))) if document is not None else ""
    if not text:
        raise ArticleError(origin, "no article text found in the HTML page")
    title = (document.title or "").strip() or (fallback_title or "").strip()
    first_line, _, rest = text.partition("\n")
    if title and first_line.strip() == title:
        text = rest.strip()  # the page's <h1> repeats the headline
    elif not title:
        title, text = first_line.strip(), rest.strip()
    if not text:
        raise ArticleError(origin, "the HTML page has a headline but no body text")
    # A date the page only shows as text («3 августа 2024, 11:45» under the headline).
    published = document.date or page_dateline(_visible_lines(content), title)
    return _article(
        origin,
        title=title,
        text=text,
        url=document.url,
        source=document.sitename,
        published=_published(origin, published, "publication date"),
    )


def _visible_lines(content: str) -> list[str]:
    """A page's text pieces in document order, each element's text and tail apart."""
    try:
        root = lxml.html.fromstring(content)
    except (lxml.etree.ParserError, ValueError):
        return []
    pieces = []
    for element in root.iter():
        if element.tag in ("script", "style") or not isinstance(element.tag, str):
            continue
        pieces.extend(piece.strip() for piece in (element.text, element.tail) if piece and piece.strip())
    return pieces


def _parse_markdown(path: Path, content: str) -> ArticleCreate:
    if not content.startswith("---\n"):
        raise ArticleError(path, "line 1: expected '---' opening the YAML front matter")
    end = content.find("\n---", 4)
    if end == -1:
        raise ArticleError(path, "front matter is not closed by a '---' line")
    try:
        meta = yaml.safe_load(content[4:end]) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 2}: " if mark else ""
        raise ArticleError(path, f"{where}front matter is not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    except ValueError as exc:  # a timestamp YAML cannot build: «published: 2023-02-30»
        raise ArticleError(path, f"front matter holds an impossible date or time ({exc})") from exc
    except RecursionError:
        raise ArticleError(path, "front matter is nested too deeply") from None
    if not isinstance(meta, dict):
        raise ArticleError(path, "front matter must be a mapping of fields")
    body = "\n".join(story_lines(content[end + 4 :].lstrip("-").strip().split("\n")))
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ArticleError(path, "field 'title': missing or not text")
    if not body:
        raise ArticleError(path, "no body after the front matter")
    for field in ("url", "source"):
        if meta.get(field) is not None and not isinstance(meta[field], str):
            raise ArticleError(path, f"field {field!r}: expected text")
    return _article(
        path,
        title=title.strip(),
        text=body,
        url=meta.get("url"),
        source=meta.get("source"),
        language=str(meta.get("language") or "ru"),
        published=_published(path, meta.get("published"), "field 'published'"),
    )


def _article(origin: Path | str, **fields) -> ArticleCreate:
    try:
        return ArticleCreate(**fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"])
        raise ArticleError(origin, f"field {field!r}: {error['msg']}") from None


def _published(origin: Path | str, value, label: str) -> date | None:
    if isinstance(value, datetime):
        value = value.date()
    elif value is not None and not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError:
            raise ArticleError(origin, f"{label}: {value!r} is not a date (expected YYYY-MM-DD)") from None
    problem = publication_date_problem(value) if value is not None else None
    if problem:
        raise ArticleError(origin, f"{label}: {problem}")
    return value


def publication_date_problem(value: date) -> str | None:
    """Why ``value`` cannot be an article's publication date, or None when it can.

    The one rule for front matter, ``kb seed --published`` and ``POST /articles``: a date in
    the future is refused (more than a day ahead of this machine's date: somewhere east of
    here it may be tomorrow already).

    >>> publication_date_problem(date(2099, 1, 1))
    '2099-01-01 is in the future'
    """
    if value > date.today() + timedelta(days=1):
        return f"{value.isoformat()} is in the future"
    return None
