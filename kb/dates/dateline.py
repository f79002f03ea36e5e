"""A page's dateline: the publication date printed in the first lines of a text.

News pages print the day of publication apart from the body, near the top, often below
a menu. Among the first fifteen non-blank lines (markdown emphasis stripped), the first
of these is the dateline:

* a line that is a date and no more, with a clock time or weekday if any («12.03.2024
  14:35», «14 марта 2024, 10:12», «Пнд, 07 янв. 2019 г. 12:15», «14:35 12.03.2024»),
  perhaps labelled («Опубликовано: …», «Дата публикации: …») or after a login («avdeev_ml
  21 фев 2024 в 18:30»), and followed by a byline or a rubric after «|», «·», «•» or a
  run of spaces, or by a bracket («(обновлено: 15:02)», «[11:47]»);
* a relative day with a clock time («вчера в 18:05»), counted from ``today``; a line
  with no digit («Сегодня», «В понедельник») is a rubric, not a dateline;
* an agency or press-release dateline: a place, the day, then a dash, a full stop or the
  end of the line («МОСКВА, 5 апр — Интерфакс», «Москва. 5 апреля. INTERFAX.RU - …»,
  «АСТАНА, 17 ноября. /ТАСС/.», «РЕДМОНД, штат Вашингтон, 19 марта 2024 г. — …»,
  «Москва, 7 сентября 2023 года»), or the day and then the agency («2 декабря, ТАСС.»).

``today`` is the day the page was read. A year that is not written is the most recent
past occurrence relative to it; without ``today`` that year stays unknown (``XXXX``,
no interval) and relative days are not read. A date after ``today`` is no
publication date (an events page lists days to come) and is passed over. Only
day-precise dates count: «Март 2024» on a line of its own is a heading.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from kb.dates.model import Precision, ResolvedDate
from kb.dates.resolve import calendar_day, resolve_date

_LINES = 15
_DECORATION = "*_ \t"
_LABEL = re.compile(r"(?:опубликовано|дата\s+публикации)\s*:?\s*", re.IGNORECASE)
_LOGIN = re.compile(r"[A-Za-z][\w.-]*\s+(?=\d)")  # Habr prints its author's login first
_LEADING_CLOCK = re.compile(r"[0-2]?\d:[0-5]\d(?::[0-5]\d)?,?\s+")
_SEPARATOR = re.compile(r"\s+[|·•]\s+|\s{3,}|\s*[(\[]")
# A place: up to four capitalised words («Абу-Даби», «(Калифорния)», «и»), in up to
# three parts separated by commas («МАУНТИН-ВЬЮ, Калифорния», «РЕДМОНД, штат Вашингтон»).
_WORD = r"[А-ЯЁA-Z][\w-]*(?:\s*\([^()\n]{1,40}\))?"
_PART = rf"(?:штат\s+)?{_WORD}(?:\s+(?:и\s+)?{_WORD}){{0,3}}"
_PLACE_FIRST = re.compile(
    rf"{_PART}(?:,\s+{_PART}){{0,2}}[,.]\s+(?P<date>[^—–\n]{{3,40}}?)"
    r"[*_]*\s*(?:[—–-]\s|\.[*_]*\s|\.?[*_]*$)")
_AGENCY_AFTER = re.compile(
    r"(?P<date>[^,\n]{3,40}?),\s+/?[А-ЯЁA-Z][\w-]*(?:\s+[\w-]+){0,2}/?\.(?:\s|$)")


def _first_lines(text: str):
    """(offset, line) of the first non-blank lines, stripped of spaces and emphasis."""
    count, offset = 0, 0
    for raw in text.splitlines(keepends=True):
        line = raw.strip(_DECORATION + "\r\n")
        if line:
            yield offset + raw.index(line), line
            count += 1
            if count == _LINES:
                return
        offset += len(raw)


def _candidates(line: str):
    """(offset, text) of the pieces of a line that may be its dateline, the whole line first."""
    start = 0
    for prefix in (_LABEL, _LOGIN, _LEADING_CLOCK):
        found = prefix.match(line, start)
        start = found.end() if found else start
    separator = _SEPARATOR.search(line, start)
    yield start, line[start:separator.start() if separator else len(line)]
    for dateline in (_PLACE_FIRST, _AGENCY_AFTER):
        found = dateline.match(line)
        if found:
            yield found.start("date"), found["date"]


def find_dateline(text: str, today: date | None = None) -> ResolvedDate | None:
    """The publication date a page prints near its top, with its span in ``text``.

    >>> find_dateline("Заголовок\\n12.03.2024 14:35\\nТекст статьи.").value
    '2024-03-12'
    >>> find_dateline("МОСКВА, 5 апр — Интерфакс. Текст", date(2024, 6, 1)).value
    '2024-04-05'

    The span covers the date with its weekday and the clock time after it, not a label,
    a clock time before it or a place.
    None when none of the first lines is a dateline (see the module docstring).
    """
    today = calendar_day(today)
    for line_start, line in _first_lines(text):
        for offset, piece in _candidates(line):
            found = resolve_date(piece, today)
            if (found is None or found.precision is not Precision.day or "/" in found.value
                    or not any(ch.isdigit() for ch in piece)
                    or (today and found.start and found.start > today)):
                continue
            start = line_start + offset + found.span[0]
            return replace(found, span=(start, start + len(found.text)))
    return None
