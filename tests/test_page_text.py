"""Real page text (failure class 6): furniture, datelines, no headline, front matter in a .txt.

The pages are ours, written for these tests in the shape of saved Russian news pages.
"""

from datetime import date

import pytest

from kb.articles import read_article
from kb.extract import extract_events
from kb.models import EventKind
from kb.page_text import read_page_text

BROWSER_COPY = """Технопортал
Новости
Обзоры
Войти
Все новости / Софт
Anthropic выпустила Claude 3.5 Sonnet, который обходит старшую модель семейства
20.06.2024 [19:30],
Ирина Соколова
Компания Anthropic представила модель Claude 3.5 Sonnet и сделала её доступной всем пользователям чат-бота Claude.
Источник изображения: Anthropic
По словам разработчиков, новая модель работает вдвое быстрее Claude 3 Opus.
Теги: anthropic, claude
Поделиться
Telegram
Подписывайтесь на наш Telegram-канал
Читать в полной версии
Комментарии: 12
Похожие новости
OpenAI выпустила GPT-4o mini для всех пользователей
Сбер купил стартап по распознаванию речи
"""


def test_a_browser_copy_keeps_the_story_and_finds_headline_and_dateline():
    page = read_page_text(BROWSER_COPY)
    assert page.title == "Anthropic выпустила Claude 3.5 Sonnet, который обходит старшую модель семейства"
    assert page.published == date(2024, 6, 20)
    assert page.body.split("\n") == [
        "Компания Anthropic представила модель Claude 3.5 Sonnet и сделала её доступной всем пользователям чат-бота Claude.",
        "По словам разработчиков, новая модель работает вдвое быстрее Claude 3 Opus.",
    ]


def test_other_stories_headlines_make_no_events(matcher):
    page = read_page_text(BROWSER_COPY)
    events = extract_events(page.title, page.body, page.published, matcher)
    assert [e.kind for e in events] == [EventKind.release]
    assert events[0].date.start == date(2024, 6, 20)


@pytest.mark.parametrize(
    ("first_line", "published"),
    [
        ("СИЭТЛ, 27 марта 2024 г. — Компания Amazon объявляет о вложении ещё 2,75 млрд долларов в Anthropic.", date(2024, 3, 27)),
        ("Москва, 7 сентября 2023 года", date(2023, 9, 7)),
    ],
)
def test_a_dateline_with_its_year_dates_the_article(first_line, published):
    text = f"Заголовок новости о вложениях\n{first_line}\nКомпания Amazon объявляет о вложении ещё 2,75 млрд долларов в Anthropic.\n"
    assert read_page_text(text).published == published


def test_a_wire_dateline_without_a_year_takes_the_year_the_story_allows():
    text = (
        "Британский стартап привлёк деньги\n"
        "ЛОНДОН, 20 декабря. /ТАСС/. Британский стартап Synthesia привлёк новый раунд финансирования.\n"
        "В июне 2023 года компания уже получила 90 млн долларов от фонда Accel.\n"
    )
    assert read_page_text(text).published == date(2023, 12, 20)


def test_a_text_pasted_without_its_headline_keeps_its_first_sentence():
    text = (
        "Компания Mistral AI в четверг представила модель Mistral Medium 3 для корпоративных клиентов. "
        "Модель доступна через API.\nВ компании обещают открытую версию позже.\n"
    )
    page = read_page_text(text)
    assert page.title == "Компания Mistral AI в четверг представила модель Mistral Medium 3 для корпоративных клиентов."
    assert page.body.startswith("Компания Mistral AI в четверг представила")


def test_a_txt_with_front_matter_reads_as_markdown(tmp_path):
    path = tmp_path / "front.txt"
    path.write_text(
        "---\ntitle: Meta представила Llama 3.1\npublished: 2024-07-23\nurl: https://example.org/llama\n---\n"
        "Meta выпустила семейство моделей Llama 3.1, в том числе версию на 405 млрд параметров.\n",
        encoding="utf-8",
    )
    article = read_article(path)
    assert (article.title, article.published, article.url) == ("Meta представила Llama 3.1", date(2024, 7, 23), "https://example.org/llama")
    assert article.text.startswith("Meta выпустила")


def test_an_html_page_with_only_a_visible_date(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Стартап привлёк деньги</title></head><body><nav>Новости Статьи</nav>"
        "<article><h1>Стартап Perplexity привлёк 500 млн долларов</h1>"
        "<span class='date'>5 декабря 2024, 10:20</span>"
        "<p>Стартап Perplexity привлёк 500 млн долларов при оценке в 9 млрд долларов, сообщили в компании.</p>"
        "<p>Раунд возглавил фонд Institutional Venture Partners, участвовали и прежние инвесторы компании.</p>"
        "</article><footer>© 2024</footer></body></html>",
        encoding="utf-8",
    )
    article = read_article(path)
    assert article.published == date(2024, 12, 5)
    assert "Стартап Perplexity привлёк 500 млн долларов при оценке" in article.text
