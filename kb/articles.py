"""Reading article files: plain ``.txt`` (headline, then body), ``.md`` with YAML front matter,
and ``.html`` pages as saved from a news site (main text, headline and date found by trafilatura).

A file that cannot be an article is refused with an ``ArticleFileError`` naming the file and
the reason, before anything is stored:

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

import trafilatura
import yaml
from pydantic import ValidationError

from kb.models import Article, ArticleCreate

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


class ArticleFileError(ValueError):
    """A file that cannot be read as an article; the message names the file and the reason."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
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
        raise ArticleFileError(path, f"unsupported file type {path.suffix!r} (expected .txt, .md or .html)")
    content = _clean_text(path, _decode(path, _read_bytes(path, limit)))
    if path.suffix == ".md":
        article = _parse_markdown(path, content)
    elif path.suffix == ".txt":
        article = _parse_plain(path, content)
    else:
        article = _parse_html(path, content)
    # A name that is not UTF-8 (os.fsdecode keeps its bytes as surrogates) cannot be stored.
    article.file_name = path.name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    _check_fields(path, article)
    if len(article.title) > MAX_HEADLINE_CHARS:
        raise ArticleFileError(
            path, f"headline of {len(article.title):,} characters, above the limit of {MAX_HEADLINE_CHARS:,}"
        )
    if article.published is None:
        article.published = published
    return article


def _check_fields(path: Path, article: ArticleCreate) -> None:
    """Refuse text the database cannot hold; YAML escapes («\\0», «\\ud800») get past decoding."""
    for name in ("title", "text", "url", "source", "language", "file_name"):
        value = getattr(article, name)
        if value is None:
            continue
        value = _CONTROL_CHARACTERS.sub("", value)
        setattr(article, name, value)
        if "\x00" in value:
            raise ArticleFileError(path, f"field {name!r}: holds a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ArticleFileError(path, f"field {name!r}: not valid Unicode (a lone surrogate)") from None
        length = Article.__table__.c[name].type.length
        if length is not None and len(value) > length:
            raise ArticleFileError(path, f"field {name!r}: {len(value):,} characters, above the limit of {length:,}")


def _check_file(path: Path, limit: int) -> None:
    """Refuse, by ``stat`` alone, what is not a regular file of at most ``limit`` bytes."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            os.scandir(path).close()  # raises why the folder could not be searched, if it cannot
            raise ArticleFileError(path, "a folder, not an article file")
    except OSError as exc:
        raise ArticleFileError(path, exc.strerror or str(exc)) from exc
    if not stat.S_ISREG(info.st_mode):
        raise ArticleFileError(path, "not a regular file")
    if info.st_size > limit:
        raise ArticleFileError(path, _too_large(info.st_size, limit))


def _read_bytes(path: Path, limit: int) -> bytes:
    try:
        with path.open("rb") as file:
            raw = file.read(limit + 1)  # the file may have grown since stat
    except OSError as exc:
        raise ArticleFileError(path, exc.strerror or str(exc)) from exc
    if len(raw) > limit:
        raise ArticleFileError(path, _too_large(len(raw), limit))
    return raw


def _too_large(size: int, limit: int) -> str:
    return f"file of {size:,} bytes, above the limit of {limit:,} ({MAX_ARTICLE_BYTES_VARIABLE})"


def _decode(path: Path, raw: bytes) -> str:
    for mark, encoding, name in _BYTE_ORDER_MARKS:
        if raw.startswith(mark):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise ArticleFileError(path, f"not valid {name} text (byte {exc.start})") from exc
    if b"\x00" in raw:
        raise ArticleFileError(path, "binary content (NUL bytes)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArticleFileError(
            path, f"not UTF-8 text (byte {exc.start}); convert it to UTF-8 (legacy encodings such as Windows-1251 are not guessed)"
        ) from exc


def _clean_text(path: Path, content: str) -> str:
    if "\x00" in content:
        raise ArticleFileError(path, "binary content (NUL bytes)")
    content = content.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _CONTROL_CHARACTERS.sub("", content))


def _parse_plain(path: Path, content: str) -> ArticleCreate:
    lines = content.strip().split("\n", 1)
    title = lines[0].strip()
    body = lines[1].strip() if len(lines) > 1 else ""
    if not title:
        raise ArticleFileError(path, "empty file")
    if not body:
        raise ArticleFileError(path, "line 2: no body after the headline")
    return _article(path, title=title, text=body)


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
    return _article(
        path,
        title=title,
        text=text,
        url=document.url,
        source=document.sitename,
        published=_published(path, document.date, "publication date"),
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
    except ValueError as exc:  # a timestamp YAML cannot build: «published: 2023-02-30»
        raise ArticleFileError(path, f"front matter holds an impossible date or time ({exc})") from exc
    except RecursionError:
        raise ArticleFileError(path, "front matter is nested too deeply") from None
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
    return _article(
        path,
        title=title.strip(),
        text=body,
        url=meta.get("url"),
        source=meta.get("source"),
        language=str(meta.get("language") or "ru"),
        published=_published(path, meta.get("published"), "field 'published'"),
    )


def _article(path: Path, **fields) -> ArticleCreate:
    try:
        return ArticleCreate(**fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"])
        raise ArticleFileError(path, f"field {field!r}: {error['msg']}") from None


def _published(path: Path, value, label: str) -> date | None:
    if isinstance(value, datetime):
        value = value.date()
    elif value is not None and not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError:
            raise ArticleFileError(path, f"{label}: {value!r} is not a date (expected YYYY-MM-DD)") from None
    problem = publication_date_problem(value) if value is not None else None
    if problem:
        raise ArticleFileError(path, f"{label}: {problem}")
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
