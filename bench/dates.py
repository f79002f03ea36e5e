"""Benchmark of the Russian date resolver against raw dateparser and natasha.

Run as ``python bench/dates.py``. Over the hand-written table tests/data/dates_ru.tsv
it prints the accuracy of ``kb.dates.resolve_date``, of raw dateparser and of
natasha's DatesExtractor (a row is right when start, end and precision all match;
a negative row is right when nothing is returned), the number of our results with a
wrong year on rows whose expression writes no year, and throughput: single
expressions per second, and kilobytes of article text per second for ``find_dates``
against ``dateparser.search.search_dates``.

Over the peer table tests/data/dates_peers.tsv (the Russian cases of dateparser's,
natasha's and yargy's test suites) it prints kb.dates and dateparser side by side on
the news-relevant dates, suite by suite; times of day, bare durations and forms news
does not write are counted apart. A row with a context is read after it, by
``find_dates`` and ``search_dates``.
"""

from __future__ import annotations

import csv
import re
import sys
import time
import warnings
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from dateparser.date import DateDataParser
from dateparser.search import search_dates
from natasha import DatesExtractor, MorphVocab

from kb.dates import find_dates, resolve_date
from kb.dates.model import month_end

TABLE = Path(__file__).resolve().parents[1] / "tests" / "data" / "dates_ru.tsv"
PEER_TABLE = TABLE.with_name("dates_peers.tsv")
TIMED_SECONDS = 2.0

# A written year: four digits, or the two-digit year of a numeric date.
WRITTEN_YEAR = re.compile(r"\d{4}|\d\.\d\d$")

ARTICLES = [
    """В понедельник, 6 марта 2023 года, компания OpenAI представила модель GPT-4. По словам
разработчиков, обучение шло с 2021 по 2022 год на кластере из 25 тыс. A100, а в начале марта
модель прошла финальное тестирование. Накануне в сеть утекли веса конкурирующей модели на 7B
параметров, которые разошлись на 4chan. Ещё в прошлом году аналитики ожидали роста рынка на 18%,
а во втором полугодии прошлого года выручка сегмента выросла до 175 млрд рублей. Microsoft
вложила в OpenAI 10 млрд долларов в январе, а первые инвестиции компания сделала в 2019 году.
Весной 2023 года ожидается выход API для корпоративных клиентов, а к концу года — поддержка
изображений. В прошлый вторник глава компании выступил в Конгрессе; на прошлой неделе он
встречался с инвесторами. В 2010-х годах о подобных моделях не было и речи: первые трансформеры
появились только в 2017-м. Версия 3.5 вышла 30 ноября 2022 г., и за два месяца ею воспользовались
100 млн человек. С 1 по 5 марта сервис работал с перебоями, а 24.02.2023 компания опубликовала
отчёт о безопасности. Следующий релиз запланирован на третий квартал, сообщили в компании.
Конкуренты не стоят на месте. Модель Llama 2 обучена на 2 трлн токенов и поддерживает контекст
длиной 4096 токенов; её младшая версия на 7B параметров работает даже на ноутбуке. Аналитики
отмечают, что цена одного ускорителя H100 за год выросла в 3 раза, а очередь на поставку
растянулась до 52 недель. В компании подчёркивают, что новая версия на 40% реже выдумывает факты
и в 82% случаев отказывается отвечать на запрещённые запросы. Над моделью работали более 300
инженеров из 12 стран, а бюджет проекта превысил 100 млн долларов. Сотрудники отдела безопасности
полгода тестировали модель на устойчивость к атакам, привлекая внешних экспертов.
В пресс-службе добавили, что в мае прошлого года команда уже показывала прототип партнёрам,
но тогда модель ошибалась в каждом третьем ответе. Теперь, по их словам, точность выросла
до 86,4%, а скорость генерации — до 40 токенов в секунду.""",
    """Яндекс объявил о запуске YandexGPT 17 мая. Модель встроена в Алису, которая в первом
квартале 2023 года обработала более 3 млрд запросов. Летом компания планирует открыть доступ
для бизнеса, а осенью — выпустить вторую версию. В середине апреля разработчики показали
демонстрацию на закрытой конференции, а 3 марта прошлого года команда только начала сбор данных.
Сбер представил GigaChat 24 апреля 2023 года; в пятницу, 28 апреля, компания открыла
регистрацию для тестировщиков. По итогам 2022 года расходы на исследования выросли на 40%,
а в конце прошлого года банк закупил несколько тысяч H100. В этом месяце ожидается выход
обновления с поддержкой 13 млрд параметров. Вчера представители компании сообщили, что число
пользователей превысило 1 млн. Позавчера в сети появилась утечка о планах на 2024 год.
С января по март 2023 года число запросов к модели выросло втрое; в марте-апреле рост замедлился.
Во второй половине 2022 года команда выросла до 300 человек, а зимой 2023 года компания открыла
офис в Казани. Две недели назад в компании сменился руководитель направления.
Эксперты отмечают, что российские модели пока отстают от западных: по результатам тестов
MMLU разрыв составляет около 15 процентных пунктов. Для обучения YandexGPT использовались
сотни терабайт текстов, а вычислительный кластер компании насчитывает более 10 тыс. GPU.
Компания не раскрывает размер модели, но источники называют цифру в 100 млрд параметров.
В банке рассказали, что GigaChat уже используют 3 внутренних сервиса, а к 2025 году их число
вырастет до 50. Интерес к технологии подогревают и пользователи: в Telegram-каналах о нейросетях
за год стало в 5 раз больше подписчиков, а запросы о чат-ботах выросли на 250%.
Сам Яндекс в середине 2022 года сократил часть команды, но уже в начале этого года объявил
о наборе 500 специалистов. В компании уточнили, что в мае 2023 года откроется бета-версия
для разработчиков, а в конце года — платный тариф для крупных клиентов.""",
    """Google DeepMind в середине марта представила модель PaLM 2, а 10 мая её показали на
конференции I/O. Ещё в 2022-м компания опубликовала работу о модели на 540 млрд параметров.
Anthropic выпустила Claude 14 марта, через несколько часов после GPT-4; в конце февраля стартап
привлёк 300 млн долларов. Meta открыла LLaMA 24 февраля, и уже через неделю веса модели
оказались в открытом доступе. На этой неделе Stability AI анонсировала StableLM, а в прошлом
месяце Midjourney выпустила пятую версию генератора. В 2020–2022 годах инвестиции в генеративный
ИИ выросли в 10 раз. Эксперты ожидают, что в следующем году рынок достигнет 100 млрд долларов,
а к 2030 году — 1,3 трлн. В начале 2023 года в Китае представили более 30 языковых моделей;
в конце 2010-х их было не больше пяти. Во вторник Baidu показала Ernie Bot, 16 марта 2023 г.
компания провела презентацию, а 31.03.2023 закрыла первый этап тестирования. С 28 февраля по
3 марта в Барселоне прошёл MWC, где ИИ стал главной темой. Сегодня компании обсуждают этику.
Регуляторы тоже проявляют интерес: Еврокомиссия готовит закон об ИИ, который обяжет
разработчиков раскрывать данные обучения. Документ обсуждают уже 2 года, а его последняя
редакция насчитывает 108 страниц. В США Белый дом собрал руководителей 7 компаний, чтобы
обсудить риски, а в Великобритании пообещали выделить 100 млн фунтов на исследования
безопасности. По данным опроса, 61% американцев считают, что ИИ угрожает будущему человечества,
а 22% готовы пользоваться чат-ботами на работе. Инвесторы при этом не сбавляют темп: стартапы
в этой области привлекли более 40 млрд долларов, а оценка лидеров рынка выросла в 2 раза.
Накануне выборов в совет директоров OpenAI глава компании заявил, что в 2024 году выпустит
модель следующего поколения. Он напомнил, что в 2015 г. компания начинала как некоммерческая
лаборатория с бюджетом в 1 млрд долларов, а с 2019 по 2023 год её штат вырос в 10 раз.""",
]


def load_rows(table: Path = TABLE) -> list[dict]:
    """The table rows with the reference parsed."""
    with table.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for row in rows:
        row["ref"] = date.fromisoformat(row["reference"]) if row["reference"] else None
        row["gold"] = (row["start"] or None, row["end"] or None, row["precision"] or None)
    return rows


def ours(row: dict):
    """(start, end, precision) from resolve_date (find_dates after a context), or None."""
    if row.get("context"):
        text = row["context"] + row["expression"]
        result = next((d for d in find_dates(text, row["ref"])
                       if d.span == (len(row["context"]), len(text))), None)
    else:
        result = resolve_date(row["expression"], row["ref"])
    if result is None:
        return None
    return (result.start.isoformat() if result.start else None,
            result.end.isoformat() if result.end else None, result.precision.value)


_dateparsers: dict = {}


def _dateparser_for(ref: date | None) -> DateDataParser:
    if ref not in _dateparsers:
        settings = {"PREFER_DATES_FROM": "past"}
        if ref:
            settings["RELATIVE_BASE"] = datetime(ref.year, ref.month, ref.day)
        _dateparsers[ref] = DateDataParser(languages=["ru"], settings=settings)
    return _dateparsers[ref]


def raw_dateparser(row: dict):
    """(start, end, precision) derived from dateparser's date and period, or None.

    After a context, the day ``search_dates`` finds for the expression in the text.
    """
    if row.get("context"):
        settings = {"RELATIVE_BASE": datetime.combine(row["ref"], datetime.min.time())
                    } if row["ref"] else None
        found = search_dates(row["context"] + row["expression"], languages=["ru"],
                             settings=settings) or []
        day = next((d.date() for text, d in found if text == row["expression"]), None)
        return (day.isoformat(), day.isoformat(), "day") if day else None
    data = _dateparser_for(row["ref"]).get_date_data(row["expression"])
    if data.date_obj is None:
        return None
    day, period = data.date_obj.date(), data.period
    if period == "week":
        start = day - timedelta(days=day.weekday())
        return start.isoformat(), (start + timedelta(days=6)).isoformat(), "week"
    if period == "month":
        return (day.replace(day=1).isoformat(), month_end(day.year, day.month).isoformat(),
                "month")
    if period == "year":
        return f"{day.year:04d}-01-01", f"{day.year:04d}-12-31", "year"
    return day.isoformat(), day.isoformat(), "day"


_extractor = DatesExtractor(MorphVocab())


def natasha(row: dict):
    """(start, end, precision) from the first natasha match; None when it finds nothing.

    natasha fills no missing year, so a day or month without one has no interval.
    """
    matches = list(_extractor(row["expression"]))
    if not matches:
        return None
    fact = matches[0].fact
    precision = "day" if fact.day else "month" if fact.month else "year"
    if not fact.year:
        return None, None, precision
    try:
        if fact.day:
            start = end = date(fact.year, fact.month, fact.day)
        elif fact.month:
            start, end = date(fact.year, fact.month, 1), month_end(fact.year, fact.month)
        else:
            start, end = date(fact.year, 1, 1), date(fact.year, 12, 31)
    except ValueError:
        return None
    return start.isoformat(), end.isoformat(), precision


def accuracy(rows: list[dict], resolver) -> tuple[int, int]:
    """Rows right (start, end and precision; nothing for a negative row) and all rows."""
    right = 0
    for row in rows:
        got = resolver(row)
        expected = None if row["gold"] == (None, None, None) else row["gold"]
        right += got == expected
    return right, len(rows)


def wrong_years(rows: list[dict]) -> int:
    """Our results with a year that differs from gold, on rows that write no year."""
    wrong = 0
    for row in rows:
        if WRITTEN_YEAR.search(row["expression"]):
            continue
        got = ours(row)
        if got is None or got[0] is None:
            continue
        gold_start, gold_end = row["gold"][:2]
        if gold_start is None or got[0][:4] != gold_start[:4] or got[1][:4] != gold_end[:4]:
            wrong += 1
    return wrong


def rate(function, items) -> float:
    """Calls of ``function`` per second, cycling through ``items`` for a fixed time."""
    calls, started = 0, time.perf_counter()
    while time.perf_counter() - started < TIMED_SECONDS:
        for item in items:
            function(item)
        calls += len(items)
    return calls / (time.perf_counter() - started)


def print_peers() -> None:
    """kb.dates and dateparser on the peer table, suite by suite."""
    rows = load_rows(PEER_TABLE)
    news = [r for r in rows if r["kind"] == "date" and r["news"] == "yes"]
    aside = {kind: sum(1 for r in rows if r["kind"] == kind) for kind in ("time", "duration")}
    print(f"Peer table: {len(rows)} rows, {PEER_TABLE.relative_to(PEER_TABLE.parents[2])}; "
          f"{len(news)} news-relevant dates")
    print(f"(aside: {aside['time']} times of day, {aside['duration']} bare durations, "
          f"{sum(1 for r in rows if r['kind'] == 'date') - len(news)} dates news does not write)")
    print()
    readings = {id(r): (ours(r), raw_dateparser(r)) for r in rows}
    print(f"{'suite (news-relevant dates)':<48}{'kb.dates':>16}{'dateparser':>16}")
    groups = [(suite, [r for r in news if r["suite"] == suite])
              for suite in dict.fromkeys(r["suite"] for r in news)]
    for suite, own in [*groups, ("all", news)]:
        kb_right = sum(readings[id(r)][0] == r["gold"] for r in own)
        dp_right = sum(readings[id(r)][1] == r["gold"] for r in own)
        print(f"{suite:<48}{f'{kb_right}/{len(own)} {kb_right / len(own):6.1%}':>16}"
              f"{f'{dp_right}/{len(own)} {dp_right / len(own):6.1%}':>16}")
    contradicted = sum(1 for r in rows if readings[id(r)][1] == r["gold"]
                       and readings[id(r)][0] not in (None, r["gold"]))
    print(f"rows where dateparser is right and kb.dates reads another date: {contradicted}")
    durations = [r for r in rows if r["kind"] == "duration"]
    print(f"bare durations left as non-dates: kb.dates "
          f"{sum(readings[id(r)][0] is None for r in durations)}/{len(durations)}, dateparser "
          f"{sum(readings[id(r)][1] is None for r in durations)}/{len(durations)}")
    print()


def main() -> None:
    """Print the accuracy tables and the throughput comparison."""
    warnings.filterwarnings("ignore")
    rows = load_rows()
    negatives = sum(1 for r in rows if r["gold"] == (None, None, None))
    print(f"Table: {len(rows)} rows ({negatives} negative), {TABLE.relative_to(TABLE.parents[2])}")
    print()
    print(f"{'resolver':<42}{'right':>8}{'accuracy':>10}")
    for name, resolver in [("kb.dates.resolve_date", ours),
                           ("dateparser DateDataParser(languages=['ru'])", raw_dateparser),
                           ("natasha DatesExtractor", natasha)]:
        right, total = accuracy(rows, resolver)
        print(f"{name:<42}{right:>4}/{total:<3}{right / total:>10.1%}")
    print(f"wrong-year results of ours on rows that write no year: {wrong_years(rows)}")
    print()
    print_peers()

    expressions = [(r["expression"], r["ref"]) for r in rows]
    ours_rate = rate(lambda e: resolve_date(*e), expressions)
    parser = _dateparser_for(date(2023, 3, 6))
    dp_rate = rate(lambda e: parser.get_date_data(e[0]), expressions)
    print(f"single expressions: resolve_date {ours_rate:,.0f} calls/s, "
          f"DateDataParser.get_date_data {dp_rate:,.0f} calls/s ({ours_rate / dp_rate:.1f}x)")

    size_kb = sum(len(a.encode("utf-8")) for a in ARTICLES) / 1024
    reference = date(2023, 5, 20)
    find_rate = rate(lambda a: find_dates(a, reference), ARTICLES) * size_kb / len(ARTICLES)
    search_rate = (rate(lambda a: search_dates(a, languages=["ru"]), ARTICLES)
                   * size_kb / len(ARTICLES))
    chars = sum(len(a) for a in ARTICLES) // len(ARTICLES)
    print(f"article text ({len(ARTICLES)} texts, ~{chars} chars each): "
          f"find_dates {find_rate:,.1f} KB/s, search_dates {search_rate:,.1f} KB/s "
          f"-> ratio {find_rate / search_rate:.1f}x")
    found = sum(len(find_dates(a, reference)) for a in ARTICLES)
    print(f"dates found in the texts: find_dates {found}, "
          f"search_dates {sum(len(search_dates(a, languages=['ru']) or []) for a in ARTICLES)}")


if __name__ == "__main__":
    main()
