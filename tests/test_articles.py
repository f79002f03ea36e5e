"""Reading article files: plain text and Markdown with front matter, and clear errors."""

from datetime import date

import pytest

from kb.articles import ArticleError, content_hash, decode_text, read_article, read_html_page


def test_plain_text_has_headline_then_body(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Заголовок статьи\r\nПервый абзац.\r\nВторой абзац.\r\n", encoding="utf-8")
    article = read_article(path, published=date(2023, 3, 6))
    assert (article.title, article.text) == ("Заголовок статьи", "Первый абзац.\nВторой абзац.")
    assert article.published == date(2023, 3, 6) and article.file_name == "a.txt"


def test_markdown_front_matter_fields(tmp_path):
    path = tmp_path / "b.md"
    path.write_text(
        "---\ntitle: «Заголовок»\npublished: 2023-02-25\nurl: https://example.org/a\nsource: 3dnews\n---\n\nТекст.\n",
        encoding="utf-8",
    )
    article = read_article(path, published=date(2020, 1, 1))
    assert article.title == "«Заголовок»" and article.text == "Текст."
    assert article.published == date(2023, 2, 25)  # the file's own date wins
    assert (article.url, article.source) == ("https://example.org/a", "3dnews")


def test_same_content_same_hash(tmp_path):
    (tmp_path / "one.txt").write_text("Заголовок\nТекст.", encoding="utf-8")
    (tmp_path / "two.txt").write_text("Заголовок\r\nТекст.\r\n", encoding="utf-8")
    assert content_hash(read_article(tmp_path / "one.txt")) == content_hash(read_article(tmp_path / "two.txt"))


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("headline-only.txt", "Только заголовок\n".encode(), "line 2: no body"),
        ("cp1251.txt", "Заголовок\nТекст".encode("cp1251"), "not UTF-8"),
        ("binary.txt", b"abc\x00def\nxyz", "binary content"),
        ("no-front-matter.md", "Текст".encode(), "line 1: expected '---'"),
        ("unclosed.md", "---\ntitle: A\n".encode(), "not closed"),
        ("bad-yaml.md", "---\ntitle: A\nurl: [x\n---\nТекст\n".encode(), "not valid YAML"),
        ("list.md", "---\n- a\n- b\n---\nТекст\n".encode(), "must be a mapping"),
        ("no-title.md", "---\npublished: 2023-01-01\n---\nТекст\n".encode(), "field 'title'"),
        ("bad-date.md", "---\ntitle: A\npublished: вчера\n---\nТекст\n".encode(), "field 'published'"),
        ("page.html", b"<html><body><nav>menu</nav></body></html>", "no body text"),
        ("page.pdf", b"%PDF-1.4", "unsupported file type"),
    ],
)
def test_unreadable_files_say_why(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ArticleError) as error:
        read_article(path)
    assert str(path) in str(error.value) and reason in str(error.value)


def test_html_page_gives_the_story_its_headline_and_date(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        """<!doctype html><html><head><meta charset="utf-8"><title>Meta выпустила модель — Новости</title>
        <meta property="article:published_time" content="2024-04-19T09:30:00+03:00"></head>
        <body><header><nav><a href="/">Главная</a> <a href="/ai">Искусственный интеллект</a></nav></header>
        <aside><h3>Читайте также</h3><ul><li><a href="/1">Apple купила стартап по распознаванию речи</a></li></ul></aside>
        <article><h1>Meta выпустила модель</h1>
        <p>Компания Meta 18 апреля выпустила новое поколение своей открытой языковой модели.</p>
        <p>Модели доступны в двух размерах, их можно загрузить с сайта компании после регистрации.</p></article>
        <footer>© 2024 Новости. Все права защищены.</footer><script>var x = 1;</script></body></html>""",
        encoding="utf-8",
    )
    article = read_article(page)
    assert article.title == "Meta выпустила модель"
    assert article.published == date(2024, 4, 19)
    assert article.text.startswith("Компания Meta 18 апреля")
    assert "Читайте также" not in article.text and "Все права" not in article.text and "x = 1" not in article.text


def test_html_page_read_from_a_string_keeps_its_url_and_takes_what_it_lacks_from_the_caller():
    html = """<html><head><meta charset="utf-8"></head><body><article>
        <p>Компания Mistral AI 27 сентября выложила в открытый доступ языковую модель Mistral 7B.</p>
        <p>Веса модели распространяются по лицензии Apache 2.0.</p></article></body></html>"""
    article = read_html_page(html, "https://example.org/mistral", published=date(2023, 9, 27), title="Mistral AI открыла модель")
    assert (article.title, article.published, article.url) == ("Mistral AI открыла модель", date(2023, 9, 27), "https://example.org/mistral")
    assert article.text.startswith("Компания Mistral AI 27 сентября") and article.file_name is None


def test_html_page_errors_name_its_url():
    with pytest.raises(ArticleError, match=r"^https://example.org/empty: the HTML page has a headline but no body text$"):
        read_html_page("<html><body><nav>меню</nav></body></html>", "https://example.org/empty")


def test_declared_charset_decodes_and_undeclared_legacy_bytes_are_refused():
    raw = "Новость".encode("cp1251")
    assert decode_text("https://example.org/a", raw, "windows-1251") == "Новость"
    with pytest.raises(ArticleError, match="not UTF-8 text"):
        decode_text("https://example.org/a", raw)
    with pytest.raises(ArticleError, match="unknown character encoding 'x-martian'"):
        decode_text("https://example.org/a", raw, "x-martian")
