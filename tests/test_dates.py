"""Tests of the Russian date resolver (kb.dates): the hand-written table and behaviours."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from kb.dates import (Anchor, Modifier, Precision, ResolvedDate, find_dates,
                      interval_for_value, resolve_date)

TABLE = Path(__file__).parent / "data" / "dates_ru.tsv"


def _rows() -> list[dict]:
    with TABLE.open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


ROWS = _rows()


def _as_row(result: ResolvedDate | None) -> tuple[str, str, str, str]:
    if result is None:
        return "", "", "", ""
    return (result.start.isoformat() if result.start else "",
            result.end.isoformat() if result.end else "",
            result.precision.value,
            result.modifier.value if result.modifier else "")


def test_table_size():
    negatives = [r for r in ROWS if not r["precision"]]
    assert len(ROWS) >= 200
    assert len(negatives) >= 20


@pytest.mark.parametrize(
    "row", [pytest.param(r, id=f"{r['expression']} @{r['reference'] or 'none'}") for r in ROWS])
def test_table_row(row):
    reference = date.fromisoformat(row["reference"]) if row["reference"] else None
    result = resolve_date(row["expression"], reference)
    assert _as_row(result) == (row["start"], row["end"], row["precision"], row["modifier"])
    if result is not None:
        assert result.text == row["expression"].strip()


_WEEKDAY_STEMS = ["понедельник", "вторник", "сред", "четверг", "пятниц", "суббот", "воскресень"]


@pytest.mark.parametrize(
    "row", [r for r in ROWS if r["precision"] in ("day", "week") and r["start"]], ids=lambda r: r["expression"]
)
def test_table_weekday_arithmetic(row):
    """The gold answers themselves, checked by the calendar, independently of the resolver."""
    start, end = date.fromisoformat(row["start"]), date.fromisoformat(row["end"])
    if row["precision"] == "week":
        assert (start.weekday(), end.weekday(), (end - start).days) == (0, 6, 6)
    named = [i for i, stem in enumerate(_WEEKDAY_STEMS) if stem in row["expression"].lower()]
    if named and start == end:
        assert start.weekday() == named[0]
        if row["reference"]:
            assert abs((date.fromisoformat(row["reference"]) - start).days) < 14


PARAGRAPH = (
    "В понедельник, 6 марта 2023 года, компания объявила о выпуске модели на 7B "
    "параметров. По словам представителей, её обучали с 1 по 5 марта на кластере из "
    "A100, а в начале марта тестировали на 4chan. Во втором полугодии прошлого года "
    "выручка выросла на 18%, накануне совет директоров одобрил сделку на 13 млрд, "
    "а в 2010-х годах о таком нельзя было и думать. Следующий релиз, GPT-4, ждут "
    "к концу года; в прошлый вторник вышла версия 3.5."
)


def test_find_dates_spans_reproduce_text():
    found = find_dates(PARAGRAPH, date(2023, 3, 7))
    assert [(r.text, r.value) for r in found] == [
        ("понедельник, 6 марта 2023 года", "2023-03-06"),
        ("с 1 по 5 марта", "2023-03-01/2023-03-05"),
        ("начале марта", "2023-03"),
        ("втором полугодии прошлого года", "2022-H2"),
        ("накануне", "2023-03-06"),
        ("2010-х годах", "201"),
        ("концу года", "2023"),
        ("прошлый вторник", "2023-02-28"),
    ]
    for r in found:
        assert PARAGRAPH[r.span[0]:r.span[1]] == r.text
    assert [r.span for r in found] == sorted(r.span for r in found)


def test_find_dates_ignores_numbers_that_are_not_dates():
    text = ("Модель на 7B параметров обучили на A100 и H100; GPT-4 набрала 18% голосов, "
            "компания привлекла 175 млрд рублей и 13 млрд параметров, вышло 3 версии, "
            "ссылки разошлись на 4chan, сервис работает в 3 раза быстрее, версия 3.5.")
    assert find_dates(text, date(2023, 3, 6)) == []
    assert find_dates(text) == []


def test_no_reference_leaves_the_year_unknown():
    result = resolve_date("3 марта")
    assert result.start is None and result.end is None
    assert result.value == "XXXX-03-03"
    assert result.year_inferred is False
    assert result.anchor is Anchor.none
    assert resolve_date("в начале марта").value == "XXXX-03"
    assert resolve_date("в начале марта").modifier is Modifier.start
    assert resolve_date("летом").value == "XXXX-SU"


def test_no_reference_relative_expressions_are_not_dates():
    for expression in ("вчера", "на прошлой неделе", "в прошлом году", "во вторник",
                       "3 дня назад", "в мае прошлого года"):
        assert resolve_date(expression) is None
    assert find_dates("Вчера и на прошлой неделе компания молчала.") == []


def test_absolute_dates_resolve_without_reference():
    result = resolve_date("24 февраля 2023 года")
    assert (result.start, result.end) == (date(2023, 2, 24), date(2023, 2, 24))
    assert result.year_inferred is False and result.anchor is Anchor.none


def test_previous_mention_anchors_a_missing_year():
    text = "Сделку заключили 10 мая 2021 года. 20 мая подписали протокол, а 3 марта — отчёт."
    found = find_dates(text)
    assert [r.value for r in found] == ["2021-05-10", "2021-05-20", "2022-03-03"]
    assert [r.anchor for r in found] == [Anchor.none, Anchor.previous_mention,
                                        Anchor.previous_mention]
    assert [r.year_inferred for r in found] == [False, True, True]


def test_previous_mention_anchors_nakanune():
    found = find_dates("Модель представили 14 марта 2023 года. Накануне в сеть утекли веса.")
    assert found[1].value == "2023-03-13"
    assert found[1].anchor is Anchor.previous_mention


def test_previous_mention_anchors_a_relative_weekday():
    # 21 November 2023 was a Tuesday: «в прошлую пятницу» is the 17th.
    found = find_dates("21 ноября 2023 года совет, отстранивший его в прошлую пятницу, распустили.")
    assert (found[1].value, found[1].anchor) == ("2023-11-17", Anchor.previous_mention)
    # A weekday with no relative word, or no full date before it, stays unresolved.
    assert len(find_dates("21 ноября 2023 года, во вторник, совет собрался.")) == 1
    assert find_dates("Совет отстранил его в прошлую пятницу.") == []


def test_reference_wins_over_previous_mention():
    found = find_dates("В марте 2021 года вышла модель, а 3 марта — её версия.", date(2023, 3, 6))
    assert found[1].value == "2023-03-03"
    assert found[1].anchor is Anchor.publication


def test_missing_year_is_the_most_recent_past_occurrence():
    assert resolve_date("3 марта", date(2023, 3, 6)).value == "2023-03-03"
    assert resolve_date("3 марта", date(2023, 2, 1)).value == "2022-03-03"
    result = resolve_date("3 марта", date(2023, 2, 1))
    assert result.year_inferred is True and result.anchor is Anchor.publication


@pytest.mark.parametrize("expression", ["в 1850 году", "в 2150 году", "24.02.1850",
                                        "3 марта 1899 года", "в 1890-х", "с 1890 по 1910 год"])
def test_years_outside_range_are_rejected(expression):
    assert resolve_date(expression, date(2023, 3, 6)) is None
    assert find_dates(f"Это случилось {expression}.", date(2023, 3, 6)) == []


def test_interval_for_value():
    assert interval_for_value("2023-03", Modifier.start) == (
        date(2023, 3, 1), date(2023, 3, 10), Precision.month)
    assert interval_for_value("2023-02", Modifier.end) == (
        date(2023, 2, 21), date(2023, 2, 28), Precision.month)
    assert interval_for_value("2023-03-03") == (date(2023, 3, 3), date(2023, 3, 3), Precision.day)
    assert interval_for_value("2023-W09") == (date(2023, 2, 27), date(2023, 3, 5), Precision.week)
    assert interval_for_value("2023-WI") == (date(2022, 12, 1), date(2023, 2, 28), Precision.season)
    assert interval_for_value("2023-SU") == (date(2023, 6, 1), date(2023, 8, 31), Precision.season)
    assert interval_for_value("2023-Q4") == (date(2023, 10, 1), date(2023, 12, 31),
                                             Precision.quarter)
    assert interval_for_value("2023-H2") == (date(2023, 7, 1), date(2023, 12, 31), Precision.half)
    assert interval_for_value("2023", Modifier.mid) == (date(2023, 5, 1), date(2023, 8, 31),
                                                        Precision.year)
    assert interval_for_value("202") == (date(2020, 1, 1), date(2029, 12, 31), Precision.decade)
    assert interval_for_value("2023-03-01/2023-03-05") == (
        date(2023, 3, 1), date(2023, 3, 5), Precision.day)
    assert interval_for_value("2023", Modifier.approx)[:2] == (date(2023, 1, 1), date(2023, 12, 31))
    for bad in ("XXXX-03-03", "XXXX-03", "2023-02-30", "1850", "2023-13", "march", ""):
        assert interval_for_value(bad) is None


def test_interval_for_value_completes_an_unknown_year():
    result = resolve_date("в конце марта")
    completed = result.value.replace("XXXX", "2022")
    assert interval_for_value(completed, result.modifier) == (
        date(2022, 3, 21), date(2022, 3, 31), Precision.month)


def test_to_dict_is_json_ready():
    result = resolve_date("в начале марта", date(2023, 3, 6))
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data == {
        "text": "в начале марта", "span": [0, 14], "start": "2023-03-01",
        "end": "2023-03-10", "precision": "month", "modifier": "start", "value": "2023-03",
        "year_inferred": True, "anchor": "publication",
    }
    unknown = resolve_date("3 марта").to_dict()
    assert json.loads(json.dumps(unknown)) == unknown
    assert unknown["start"] is None and unknown["modifier"] is None


def test_resolve_date_keeps_surrounding_whitespace_out_of_the_span():
    text = "  24.02.2023 "
    result = resolve_date(text)
    assert text[result.span[0]:result.span[1]] == result.text == "24.02.2023"


def test_resolve_date_rejects_partial_expressions():
    assert resolve_date("3 марта компания объявила", date(2023, 3, 6)) is None
    assert resolve_date("", date(2023, 3, 6)) is None


def test_a_datetime_reference_is_read_as_its_day():
    assert resolve_date("вчера", datetime(2023, 3, 6, 23, 59)).value == "2023-03-05"
    assert find_dates("3 марта", datetime(2023, 3, 6, 8, 0))[0].value == "2023-03-03"


def test_enums_are_plain_strings():
    assert Precision.day == "day" and Precision("decade") is Precision.decade
    assert Modifier.approx.value == "approx" and Anchor.previous_mention.value == "previous_mention"
