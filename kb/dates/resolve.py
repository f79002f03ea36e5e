"""The public entry points: find every date in a text, or resolve one expression."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime

from kb.dates.grammar import PATTERN
from kb.dates.handlers import HANDLERS
from kb.dates.lexicon import DEADLINE_PREPOSITIONS, WEEKDAY_ABBREVIATIONS, WEEKDAYS
from kb.dates.model import Anchor, ResolvedDate, interval_for_value, valid_year
from kb.dates.units import Context, Meaning

# A TIMEX3 value with a written year, accepted as a whole expression («2023-Q1», «2022»).
_VALUE = re.compile(r"\d{4}(?:-(?:\d\d(?:-\d\d)?|W\d\d|Q[1-4]|H[12]|SP|SU|FA|WI))?")
_TRAILING = ".,;:!?"


def calendar_day(reference: date | None) -> date | None:
    """The calendar day of a reference; a datetime (a date subclass) would not compare."""
    return reference.date() if isinstance(reference, datetime) else reference


def _plausible(meaning: Meaning | None) -> bool:
    """Whether a meaning exists and stays within the years news can mean.

    Written years are checked where they are read; this also catches relative
    dates pushed out of range by a reference at the edge.
    """
    return meaning is not None and (meaning.start is None or (
        valid_year(meaning.start.year) and valid_year(meaning.end.year)))


def _meaning(m: re.Match, ctx: Context) -> Meaning | None:
    deadline = (m["prep"] or "").lower() in DEADLINE_PREPOSITIONS
    return HANDLERS[m.lastgroup](m, replace(ctx, deadline=deadline))


def find_dates(text: str, reference: date | None = None) -> list[ResolvedDate]:
    """Every temporal expression in a text, in order, with exact spans.

    ``reference`` is the publication date. Without it, a date with no written year
    takes the year of the last single (not range) mention with a written year before
    it; with neither,
    its year stays unknown (``XXXX`` value, no interval), and relative expressions
    («вчера», «на прошлой неделе») are left out.
    """
    reference = calendar_day(reference)
    found: list[ResolvedDate] = []
    previous: Meaning | None = None
    for m in PATTERN.finditer(text):
        name = m.lastgroup
        meaning = _meaning(m, Context(reference, previous))
        if not _plausible(meaning):
            continue
        start, end = m.span(name)
        found.append(ResolvedDate(text[start:end], (start, end), *meaning))
        if meaning.start is not None and not meaning.year_inferred and "/" not in meaning.value:
            previous = meaning  # a range is too wide to anchor a narrative on
    return found


def _whole_meaning(expression: str, ctx: Context) -> Meaning | None:
    if _VALUE.fullmatch(expression):
        interval = interval_for_value(expression)
        if interval is None:
            return None
        return Meaning(*interval, None, expression, False, Anchor.none)
    for candidate in (expression, expression.rstrip(_TRAILING)):
        m = PATTERN.fullmatch(candidate)
        if m:
            return _meaning(m, ctx)
    return None


def resolve_date(text: str, reference: date | None = None) -> ResolvedDate | None:
    """The date meant by a whole expression (e.g. a CLI argument); None when it is not a date.

    The expression may keep its preposition («в начале марта»); the span covers it
    all. A year that is not written is taken from ``reference`` (the most recent past
    occurrence) or left unknown; relative expressions need ``reference``.
    """
    expression = text.strip()
    if not expression:
        return None
    meaning = _whole_meaning(expression, Context(calendar_day(reference), whole=True))
    if not _plausible(meaning):
        return None
    start = text.index(expression)
    return ResolvedDate(expression, (start, start + len(expression)), *meaning)


def named_weekday(text: str) -> int | None:
    """The weekday an expression names, Monday = 0, if it names one.

    >>> [named_weekday(e) for e in ("в четверг, 19 сентября", "Пнд, 07 янв.", "19 сентября")]
    [3, 0, None]
    """
    names = {**WEEKDAYS, **WEEKDAY_ABBREVIATIONS}
    return next((names[w] for w in re.findall(r"\w+", text.lower()) if w in names), None)
