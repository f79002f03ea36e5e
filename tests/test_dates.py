"""Tests of the Russian date resolver (kb.dates): the hand-written table, the peer table
of other projects' test cases, and behaviours."""

from __future__ import annotations

import ast
import csv
import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from kb.dates import (Anchor, Modifier, Precision, ResolvedDate, find_dates,
                      interval_for_value, named_weekday, resolve_date)

TABLE = Path(__file__).parent / "data" / "dates_ru.tsv"
PEER_TABLE = Path(__file__).parent / "data" / "dates_peers.tsv"


def _rows(table: Path) -> list[dict]:
    with table.open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


ROWS = _rows(TABLE)
PEER_ROWS = _rows(PEER_TABLE)
NOTHING = ("", "", "", "")


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


# Each weekday's stem and its three-letter abbreviation («Пнд, 07 янв. 2019 г.»).
_WEEKDAY_WORDS = [("понедельник", "пнд"), ("вторник", "втр"), ("сред", "срд"), ("четверг", "чтв"),
                  ("пятниц", "птн"), ("суббот", "сбт"), ("воскресен", "вск")]


@pytest.mark.parametrize(
    "row", [r for r in ROWS + PEER_ROWS if r["precision"] in ("day", "week") and r["start"]],
    ids=lambda r: r["expression"])
def test_table_weekday_arithmetic(row):
    """The gold answers themselves, checked by the calendar, independently of the resolver."""
    start, end = date.fromisoformat(row["start"]), date.fromisoformat(row["end"])
    if row["precision"] == "week":
        assert (start.weekday(), end.weekday(), (end - start).days % 7) == (0, 6, 6)
    words = re.findall(r"\w+", row["expression"].lower())
    named = [i for i, (stem, abbreviation) in enumerate(_WEEKDAY_WORDS)
             if any(w.startswith(stem) or w == abbreviation for w in words)]
    if named and start == end:
        assert start.weekday() == named[0]
        if row["reference"] and not re.search(r"\d{4}", row["expression"]):
            assert abs((date.fromisoformat(row["reference"]) - start).days) < 14


def _peer_reading(row: dict) -> ResolvedDate | None:
    """kb's reading of a peer row: the expression alone, or read after its context."""
    reference = date.fromisoformat(row["reference"]) if row["reference"] else None
    if not row["context"]:
        return resolve_date(row["expression"], reference)
    text = row["context"] + row["expression"]
    return next((d for d in find_dates(text, reference)
                 if d.span == (len(row["context"]), len(text))), None)


def test_peer_table_shape():
    assert {r["kind"] for r in PEER_ROWS} == {"date", "time", "duration"}
    assert {r["news"] for r in PEER_ROWS} == {"yes", "no"}
    assert all(not r["precision"] for r in PEER_ROWS if r["kind"] == "duration")
    news_dates = [r for r in PEER_ROWS if r["kind"] == "date" and r["news"] == "yes"]
    assert len(news_dates) >= 140


@pytest.mark.parametrize(
    "row",
    [pytest.param(r, id=f"{r['expression']} @{r['reference'] or 'none'}") for r in PEER_ROWS])
def test_peer_table_row(row):
    """Every news-relevant date read right; a bare duration is no date; a time of day or a
    form news does not write is read right or not at all, never as another date."""
    got = _as_row(_peer_reading(row))
    expected = (row["start"], row["end"], row["precision"], row["modifier"])
    if row["kind"] == "duration":
        assert got == NOTHING
    elif row["kind"] == "date" and row["news"] == "yes":
        assert got == expected
    else:
        assert got in (expected, NOTHING)


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


def test_a_clock_time_is_read_but_left_out_of_the_span():
    text = "Релиз вышел 28 октября 2014 в 07:54, а вчера в 18:05 его отозвали."
    found = find_dates(text, date(2014, 11, 13))
    assert [(r.text, r.value) for r in found] == [("28 октября 2014", "2014-10-28"),
                                                  ("вчера", "2014-11-12")]
    assert resolve_date("12.03.2024 14:35").text == "12.03.2024 14:35"


def test_two_digits_after_a_month_are_a_year_only_before_a_time_or_a_line_end():
    assert resolve_date("2 Декабрь 95 11:15").value == "1995-12-02"
    assert [r.value for r in find_dates("Итог: 2 Декабрь 95\nдалее")] == ["1995-12-02"]
    found = find_dates("5 марта 20 человек получили доступ.", date(2023, 3, 6))
    assert [(r.text, r.value) for r in found] == [("5 марта", "2023-03-05")]


def test_a_weekday_abbreviation_counts_only_before_a_comma_and_a_date():
    found = find_dates("Мощность 5 Вт, 10 мая начнутся продажи.", date(2023, 3, 6))
    assert [(r.text, r.value) for r in found] == [("10 мая", "2022-05-10")]
    assert find_dates("«Сбер» и ВСК подписали соглашение в ВСК", date(2023, 3, 6)) == []
    assert named_weekday("Пнд, 07 янв. 2019 г.") == 0


def test_a_weekday_picks_the_nearest_year_in_which_it_fits():
    # 10 July is a Wednesday in 2019 and 2024; from March 2023 the nearer is 2024.
    assert resolve_date("в среду, 10 июля", date(2024, 7, 15)).value == "2024-07-10"
    assert resolve_date("в среду, 10 июля", date(2023, 3, 6)).value == "2024-07-10"
    # A Tuesday 10 July is in 2018 and 2029, too far: the weekday is taken to be wrong.
    assert resolve_date("во вторник, 10 июля", date(2024, 7, 15)).value == "2024-07-10"
    # Without a reference, from the previous mention: 2 March 2023 was a Thursday.
    found = find_dates("Сделку закрыли 6 марта 2023 года, а в четверг, 2 марта, подписали.")
    assert [(r.value, r.anchor) for r in found][1] == ("2023-03-02", Anchor.previous_mention)
    assert resolve_date("в четверг, 2 марта").value == "XXXX-03-02"


def test_a_deadline_takes_the_nearest_occurrence():
    reference = date(2023, 3, 6)
    assert resolve_date("до 10 марта", reference).value == "2023-03-10"
    assert resolve_date("10 марта", reference).value == "2022-03-10"
    found = find_dates("Заявки принимают до 10 марта, итоги подведут к 20 марта.", reference)
    assert [r.value for r in found] == ["2023-03-10", "2023-03-20"]
    assert resolve_date("к 8-му марта", date(2023, 3, 10)).value == "2023-03-08"


def test_shifts_need_a_reference_and_a_day_or_longer_unit():
    for expression in ("через неделю", "3 дня назад", "в течение суток", "несколько лет назад"):
        assert resolve_date(expression) is None
    for expression in ("через 5 минут", "около 23 часов назад", "через пару секунд", "9 месяцев",
                       "через 3 г", "несколько дней"):
        assert resolve_date(expression, date(2023, 3, 6)) is None


def test_several_units_are_one_approximate_interval():
    result = resolve_date("несколько дней назад", date(2023, 3, 6))
    assert result.value == "2023-02-25/2023-03-04"
    assert (result.modifier, result.year_inferred) == (Modifier.approx, True)
    assert interval_for_value(result.value)[:2] == (result.start, result.end)


def test_kb_dates_imports_nothing_else_from_kb():
    package = Path(__file__).parents[1] / "kb" / "dates"
    imported = set()
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    assert {m for m in imported if m == "kb" or m.startswith("kb.")} <= {
        m for m in imported if m.startswith("kb.dates")}
    assert any(m.startswith("kb.dates") for m in imported)
