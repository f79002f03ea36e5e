"""Dates as people read them, in Russian: «3 марта 2023», «начало марта 2023», «лето 2023».

The web page shows an event's date so, and the exports spell it the same way (TimelineJS's
Display Date).
"""

from __future__ import annotations

import re
from datetime import date

from kb.dates import Modifier, Precision
from kb.public import DatePublic

MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь",
          "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь")
MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня",
                   "июля", "августа", "сентября", "октября", "ноября", "декабря")
# Meteorological seasons by month: (nominative, genitive).
SEASONS = {12: ("зима", "зимы"), 1: ("зима", "зимы"), 2: ("зима", "зимы"),
           3: ("весна", "весны"), 4: ("весна", "весны"), 5: ("весна", "весны"),
           6: ("лето", "лета"), 7: ("лето", "лета"), 8: ("лето", "лета"),
           9: ("осень", "осени"), 10: ("осень", "осени"), 11: ("осень", "осени")}
QUARTERS = ("I", "II", "III", "IV")
HALVES = (("первое полугодие", "первого полугодия"), ("второе полугодие", "второго полугодия"))
_PARTS = {Modifier.start: "начало", Modifier.mid: "середина", Modifier.end: "конец", Modifier.approx: "около"}
_UNKNOWN_YEAR = re.compile(r"XXXX-(\d{2})(?:-(\d{2}))?")


def date_label(when: DatePublic) -> str:
    """An event's date at its precision, in Russian.

    «3 марта 2023», «1–5 марта 2023», «март 2023», «начало марта 2023», «весна 2023»,
    «II квартал 2023», «2023», «конец 2023 года», «2010-е»; «19 сентября, год неизвестен»
    when only the year is missing; «дата неизвестна» when nothing is known.
    """
    if when.start is None:
        found = _UNKNOWN_YEAR.fullmatch(when.value or "")
        if found and found[2]:
            return f"{int(found[2])} {MONTHS_GENITIVE[int(found[1]) - 1]}, год неизвестен"
        if found:
            return f"{MONTHS[int(found[1]) - 1]}, год неизвестен"
        return "дата неизвестна"
    precision = when.precision or Precision.day
    end = when.end or when.start
    if end != when.start and ("/" in (when.value or "") or precision is Precision.day):
        return _range_label(when.start, end, precision)
    if when.modifier in _PARTS and (precision is not Precision.day or when.modifier is Modifier.approx):
        return f"{_PARTS[when.modifier]} {_period(when.start, precision, genitive=True)}"
    return _period(when.start, precision, genitive=False)


def _period(start: date, precision: Precision, genitive: bool) -> str:
    """The period of ``precision`` that contains ``start``, e.g. «март 2023» or «марта 2023»."""
    case = 1 if genitive else 0
    if precision is Precision.day:
        return _day(start)
    if precision is Precision.week:
        return f"{('неделя', 'недели')[case]} с {_day(start)}"
    if precision is Precision.month:
        return f"{(MONTHS, MONTHS_GENITIVE)[case][start.month - 1]} {start.year}"
    if precision is Precision.season:
        # Winter runs from December into the next year: «зима 2022/23».
        first_year = start.year - 1 if start.month < 3 else start.year
        year = f"{first_year}/{(first_year + 1) % 100:02d}" if start.month in (12, 1, 2) else str(start.year)
        return f"{SEASONS[start.month][case]} {year}"
    if precision is Precision.quarter:
        return f"{QUARTERS[(start.month - 1) // 3]} {('квартал', 'квартала')[case]} {start.year}"
    if precision is Precision.half:
        return f"{HALVES[(start.month - 1) // 6][case]} {start.year}"
    if precision is Precision.decade:
        return f"{start.year // 10 * 10}-{('е', 'х')[case]}"
    return f"{start.year} года" if genitive else str(start.year)


def _day(day: date) -> str:
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]} {day.year}"


def _range_label(start: date, end: date, precision: Precision) -> str:
    """«1–5 марта 2023», «28 февраля – 3 марта 2023», «январь–март 2023», «2021 – 2023»."""
    if precision is Precision.day:
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day}–{end.day} {MONTHS_GENITIVE[end.month - 1]} {end.year}"
        if start.year == end.year:
            return f"{start.day} {MONTHS_GENITIVE[start.month - 1]} – {_day(end)}"
    if precision is Precision.month and start.year == end.year:
        return f"{MONTHS[start.month - 1]}–{MONTHS[end.month - 1]} {end.year}"
    return f"{_period(start, precision, genitive=False)} – {_period(end, precision, genitive=False)}"
