"""Tests of kb.dates.find_dateline: the publication date a page prints near its top."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kb.dates import Anchor, find_dateline

TODAY = date(2024, 3, 20)


@pytest.mark.parametrize("text, dateline, value", [
    ("Заголовок статьи\n12.03.2024 14:35\nТекст статьи.", "12.03.2024 14:35", "2024-03-12"),
    ("Новая модель\n\n14 марта 2024, 10:12 · Технологии\nТекст", "14 марта 2024, 10:12",
     "2024-03-14"),
    ("Новая модель\nОпубликовано: 12 марта 2024 в 10:12\nТекст", "12 марта 2024 в 10:12",
     "2024-03-12"),
    ("14:35 12.03.2024 (обновлено: 15:02 12.03.2024)\nТекст", "12.03.2024", "2024-03-12"),
    ("Пнд, 07 янв. 2019 г. 12:15\nТекст", "Пнд, 07 янв. 2019 г. 12:15", "2019-01-07"),
    ("Новая модель\nвчера в 18:05\nТекст", "вчера в 18:05", "2024-03-19"),
    ("МОСКВА, 5 апр — Интерфакс. Компания выпустила модель.", "5 апр", "2023-04-05"),
    ("Москва. 14 марта. INTERFAX.RU - Компания выпустила модель.", "14 марта", "2024-03-14"),
    ("САН-ФРАНЦИСКО (США), 5 марта 2024 г. — Reuters. Текст", "5 марта 2024 г", "2024-03-05"),
])
def test_datelines(text, dateline, value):
    found = find_dateline(text, TODAY)
    assert (found.text, found.value) == (dateline, value)
    assert text[found.span[0]:found.span[1]] == dateline


def test_without_today_a_missing_year_stays_unknown_and_relative_days_are_not_read():
    found = find_dateline("МОСКВА, 5 апр — Интерфакс. Текст")
    assert (found.value, found.start, found.anchor) == ("XXXX-04-05", None, Anchor.none)
    assert find_dateline("Новая модель\nвчера в 18:05\nТекст") is None
    assert find_dateline("Новая модель\n12.03.2024 14:35").value == "2024-03-12"


def test_a_datetime_today_is_read_as_its_day():
    assert find_dateline("вчера в 18:05", datetime(2024, 3, 20, 0, 30)).value == "2024-03-19"


@pytest.mark.parametrize("text", [
    "14 марта 2024 года компания OpenAI представила модель.",  # the body's first sentence
    "Март 2024\nТекст",                                         # a heading, not a day
    "Анонс\n15 апреля 2024\nКонференция пройдёт в Москве.",     # after today: an event
    "Заголовок\nПодзаголовок\nАвтор\nРубрика\nЛид\n12.03.2024",  # below the first five lines
    "с 1 по 5 марта 2024\nТекст",                                # a range
    "Сегодня\nВ понедельник\nТекст",                             # rubrics
    "",
])
def test_no_dateline(text):
    assert find_dateline(text, TODAY) is None
