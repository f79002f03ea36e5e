"""Hostile article files, made here by the test: each gets one clear error line from `kb seed`
naming the file and the reason, the rest of the corpus goes in, and nothing stored changes.

Decisions (see kb/articles.py): UTF-16 and UTF-32 with a byte-order mark are decoded, legacy
Cyrillic encodings refused rather than guessed; control characters other than tab and newline
are dropped; a headline over MAX_HEADLINE_CHARS and a file over KB_MAX_ARTICLE_BYTES are
refused; a date in the future is refused.
"""

from __future__ import annotations

import io
import json
import os
import random
import threading
from pathlib import Path

import pytest
from sqlmodel import Session, select

import kb.ingest
from kb import backup
from kb.articles import MAX_HEADLINE_CHARS, ArticleError, find_article_files, max_article_bytes, read_article
from kb.db import get_engine
from kb.models import Article
from tests.conftest import SEED_ARTICLES
from tests.reliability import record_summary

STORED_BEFORE = ("2023-02-24-meta-llama.md", "2023-03-14-openai-gpt-4.md")
NON_UTF8_NAME = os.fsdecode(b"\xff\xfe-name.md")


def _markdown(title: str, body: str, **fields: str) -> str:
    meta = "".join(f"{name}: {value}\n" for name, value in fields.items())
    return f"---\ntitle: {title}\n{meta}---\n{body}\n"


GOOD_BODY = "Компания Anthropic 4 марта 2024 года представила семейство моделей Claude 3."

# name -> (content, what the one error line must say; None: the file goes in)
HOSTILE: dict[str, tuple[bytes, str | None]] = {
    "empty.txt": (b"", "empty file"),
    "whitespace.txt": (b" \n\t\n  \n", "empty file"),
    "garbage.txt": (random.Random(6).randbytes(4096), "binary content (NUL bytes)"),
    "high-bytes.txt": (bytes(random.Random(7).randrange(0x80, 0x100) for _ in range(512)), "not UTF-8 text"),
    "cp1251.txt": ("Заголовок статьи\nТекст статьи о языковой модели.".encode("cp1251"), "not UTF-8 text (byte 0); convert it to UTF-8"),
    "utf16.md": (_markdown("Anthropic представила Claude 3", GOOD_BODY, published="2024-03-05").encode("utf-16"), None),
    "utf16-broken.txt": ("Заголовок\nТекст".encode("utf-16")[:-1], "not valid UTF-16 text"),
    "not-yaml.md": (b"---\ntitle: [unclosed\nsource: : :\n---\n\xd0\xa2\xd0\xb5\xd0\xba\xd1\x81\xd1\x82\n", "front matter is not valid YAML"),
    "python-tag.md": (_markdown("!!python/object/apply:os.system [echo owned]", GOOD_BODY).encode(), "front matter is not valid YAML"),
    "deep-yaml.md": (_markdown("[" * 5000, GOOD_BODY).encode(), "front matter is nested too deeply"),
    "list-title.md": (_markdown("[a, b]", GOOD_BODY).encode(), "field 'title': missing or not text"),
    "impossible-date.md": (_markdown("Заголовок", GOOD_BODY, published="2023-02-30").encode(), "impossible date or time"),
    "not-a-date.md": (_markdown("Заголовок", GOOD_BODY, published="вчера").encode(), "field 'published': 'вчера' is not a date"),
    "future.md": (_markdown("Заголовок", GOOD_BODY, published="2099-01-01").encode(), "field 'published': 2099-01-01 is in the future"),
    "long-headline.txt": (("Я" * 100_000 + "\n" + GOOD_BODY).encode(), f"headline of 100,000 characters, above the limit of {MAX_HEADLINE_CHARS:,}"),
    "long-source.md": (_markdown("Заголовок", GOOD_BODY, source="x" * 500).encode(), "field 'source': String should have at most 200 characters"),
    "nul-escape.md": (_markdown('"Claude\\0 3"', GOOD_BODY).encode(), "field 'title': holds a NUL character"),
    "surrogate.md": (_markdown('"Claude \\ud800"', GOOD_BODY).encode(), "field 'title': not valid Unicode"),
    "control-chars.txt": (
        "\x1b[31mGoogle\x07 представила Gemini\x1b[0m\n\x0cКомпания Google 6 декабря 2023 года\x7f представила\x85 модель Gemini.\x08".encode(),
        None,
    ),
    "good.md": (_markdown("Anthropic выпустила Claude 3", GOOD_BODY, published="2024-03-05", source="test").encode(), None),
    NON_UTF8_NAME: (_markdown("Mistral выпустила Mixtral", "Компания Mistral AI 8 декабря 2023 года выпустила модель Mixtral 8x7B.",
                              published="2023-12-08").encode(), None),
}
HUGE = ("huge.txt", 50 * 1024 * 1024, "file of 52,428,800 bytes, above the limit of 5,242,880 (KB_MAX_ARTICLE_BYTES)")
SPECIAL_ERRORS = {
    "huge.txt": HUGE[2],
    "self-loop.txt": "Too many levels of symbolic links",
    "dangling.md": "No such file or directory",
    "fifo.txt": "not a regular file",
    "vanishing.txt": "No such file or directory",
}


def make_hostile_corpus(folder: Path) -> Path:
    """Every hostile file above, in ``folder``, with links and special files that cannot be plain bytes."""
    folder.mkdir()
    for name, (content, _) in HOSTILE.items():
        with open(os.path.join(os.fsencode(folder), os.fsencode(name)), "wb") as file:
            file.write(content)
    with (folder / HUGE[0]).open("wb") as file:
        file.truncate(HUGE[1])  # sparse: 50 MB by stat, nothing written
    (folder / "self-loop.txt").symlink_to("self-loop.txt")
    (folder / "dangling.md").symlink_to("nowhere.md")
    (folder / "nested").mkdir()
    (folder / "nested" / "loop").symlink_to("..", target_is_directory=True)  # a folder that contains itself
    os.mkfifo(folder / "fifo.txt")
    (folder / "vanishing.txt").write_text(f"Исчезающая статья\n{GOOD_BODY}\n", encoding="utf-8")
    return folder


def _dump(url: str) -> list[str]:
    with Session(get_engine(url)) as session:
        out = io.StringIO()
        backup.dump(session, out)
    return out.getvalue().splitlines()


def test_each_hostile_file_is_one_error_line_the_rest_goes_in_and_nothing_stored_changes(cli, db_url, tmp_path, monkeypatch):
    assert cli("--db", db_url, "seed", *(str(SEED_ARTICLES / name) for name in STORED_BEFORE)).exit_code == 0
    before = _dump(db_url)
    folder = make_hostile_corpus(tmp_path / "hostile")

    # A file deleted by someone else between the folder listing and its reading.
    listed = kb.ingest.find_article_files

    def listing_then_deleting(paths):
        for path in listed(paths):
            if path.name == "vanishing.txt":
                path.unlink()
            yield path

    monkeypatch.setattr(kb.ingest, "find_article_files", listing_then_deleting)
    result = _seed_with_a_deadline(cli, "--db", db_url, "seed", str(folder))

    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    expected = {name: reason for name, (_, reason) in HOSTILE.items() if reason} | SPECIAL_ERRORS
    for name, reason in expected.items():
        lines = [line for line in errors if line.startswith(f"error: {folder / name}: ")]
        assert len(lines) == 1, (name, errors)
        assert reason in lines[0], (name, lines[0])
    assert len(errors) == len(expected), errors

    # The rest went in: decoded, with control characters dropped, under a name the database can hold.
    with Session(get_engine(db_url)) as session:
        articles = {a.file_name: a for a in session.exec(select(Article))}
    goes_in = [name for name, (_, reason) in HOSTILE.items() if reason is None]
    assert set(articles) == set(STORED_BEFORE) | {name.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for name in goes_in}
    assert articles["utf16.md"].title == "Anthropic представила Claude 3"
    gemini = articles["control-chars.txt"]
    assert (gemini.title, gemini.text) == (
        "[31mGoogle представила Gemini[0m", "Компания Google 6 декабря 2023 года представила модель Gemini."
    )
    assert "\ufffd\ufffd-name.md" in articles

    # Nothing already stored changed: every row dumped before is dumped again, as it was.
    after = _dump(db_url)
    assert [line for line in before if line not in set(after)] == []
    new_articles = [json.loads(line) for line in after if line not in set(before) and '"table":"article"' in line]
    assert len(new_articles) == len(goes_in)
    record_summary("hostile_files", engine=get_engine(db_url).dialect.name, refused=len(expected),
                   accepted=len(goes_in), errors=[line.split(f"{folder}/", 1)[1] for line in errors])


def _seed_with_a_deadline(cli, *arguments: str, seconds: float = 60):
    """``cli(*arguments)``, failing the test instead of hanging when it does not return."""
    done: dict = {}

    def run():
        try:
            done["result"] = cli(*arguments)
        except BaseException as exc:  # re-raised in the test's thread
            done["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if "error" in done:
        raise done["error"]
    assert "result" in done, f"kb seed did not finish within {seconds} s"
    return done["result"]


def test_a_folder_that_contains_itself_is_searched_once(tmp_path):
    folder = tmp_path / "corpus"
    (folder / "a" / "b").mkdir(parents=True)
    (folder / "a" / "b" / "up").symlink_to("../..", target_is_directory=True)
    (folder / "a" / "again").symlink_to("b", target_is_directory=True)
    (folder / "a" / "b" / "story.txt").write_text("Заголовок\nТекст.\n", encoding="utf-8")
    (folder / "elsewhere").symlink_to(tmp_path / "outside", target_is_directory=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "linked.md").write_text("---\ntitle: A\n---\nТекст.\n", encoding="utf-8")
    found = list(find_article_files([folder]))
    names = [path.name for path in found]
    assert sorted(names) == ["linked.md", "story.txt"]  # each file once, linked folders followed
    assert found == sorted(found)


def test_a_folder_that_cannot_be_listed_is_reported_not_skipped(tmp_path, monkeypatch):
    folder = tmp_path / "corpus"
    (folder / "locked").mkdir(parents=True)
    (folder / "a.txt").write_text("Заголовок\nТекст.\n", encoding="utf-8")
    listing = os.scandir

    def scandir(path):  # as for another user's folder (the tests may run as root, who lists anything)
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return listing(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert list(find_article_files([folder])) == [folder / "a.txt", folder / "locked"]
    with pytest.raises(ArticleError, match="locked: Permission denied"):
        read_article(folder / "locked")


def test_the_size_limit_is_checked_before_reading_and_can_be_set(tmp_path, monkeypatch):
    path = tmp_path / "a.txt"
    path.write_text("Заголовок\n" + "Текст. " * 200, encoding="utf-8")
    assert max_article_bytes() == 5 * 1024 * 1024
    monkeypatch.setenv("KB_MAX_ARTICLE_BYTES", "1000")
    with pytest.raises(ArticleError, match=r"above the limit of 1,000 \(KB_MAX_ARTICLE_BYTES\)"):
        read_article(path)
    monkeypatch.setattr(Path, "open", _refuse_to_open)  # the stat alone decides
    with pytest.raises(ArticleError, match="above the limit"):
        read_article(path)
    monkeypatch.setenv("KB_MAX_ARTICLE_BYTES", "5 MB")
    with pytest.raises(ValueError, match="KB_MAX_ARTICLE_BYTES must be a positive number of bytes, not '5 MB'"):
        max_article_bytes()


def _refuse_to_open(*args, **kwargs):
    raise AssertionError("the file was opened")


def test_utf32_and_utf8_byte_order_marks_are_decoded(tmp_path):
    for encoding in ("utf-32", "utf-8-sig", "utf-16-be"):
        path = tmp_path / f"{encoding}.txt"
        text = "Заголовок\nТекст статьи."
        raw = text.encode(encoding)
        path.write_bytes(b"\xfe\xff" + raw if encoding == "utf-16-be" else raw)
        article = read_article(path)
        assert (article.title, article.text) == ("Заголовок", "Текст статьи."), encoding

