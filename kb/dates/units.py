"""Calendar units whose year may be unwritten, and how that year is found.

Year rules (a year is never taken from today's date):

* written year: used as is;
* «прошлого года»-style year: the reference year shifted, or unresolvable without one;
* no year, with a reference: the most recent occurrence that has *started* by the
  reference («3 марта» on 6 March 2023 is 2023-03-03; «в марте» on 15 March 2023 is
  March 2023) - except bare seasons, which take the most recent season that has
  *ended* («летом» on 15 July 2023 is summer 2022);
* no year after «до»/«к» (a deadline): the occurrence nearest the reference, past or
  to come («до 10 марта» on 6 March 2023 is 2023-03-10, on 20 March 2023 too);
* no year, a weekday written with the day («в среду, 10 июля»): the year nearest the
  reference (or the previous mention) in which that day is that weekday, looked for
  within three years either way; where none fits, the rules above;
* no year, no reference, after a mention with a written year in the same text: the
  occurrence in that mention's year, or in the next year when it would end before
  the mention (HeidelTime's narrative rule);
* otherwise the year stays unknown: value ``XXXX-…``, no interval.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import NamedTuple

from kb.dates.model import Anchor, Modifier, Precision, finer, interval_for_value

_SEARCH_BACK = 8  # far enough to reach the previous 29 February
# How far from the reference a weekday may move the year: a date on its weekday five
# years away is more likely a wrong weekday than the year meant.
_WEEKDAY_YEARS = 3


class Meaning(NamedTuple):
    """What an expression means, before it is tied to a span of text."""

    start: date | None
    end: date | None
    precision: Precision
    modifier: Modifier | None
    value: str
    year_inferred: bool
    anchor: Anchor


@dataclass(frozen=True)
class Context:
    """What a resolver knows besides the expression itself."""

    reference: date | None
    previous: Meaning | None = None   # the last mention with a written year
    whole: bool = False               # the expression is the whole input (resolve_date)
    deadline: bool = False            # after «до»/«к»: the nearest occurrence, maybe to come


@dataclass(frozen=True)
class Unit:
    """A day, month, season, quarter, half, year or decade, its year possibly unknown."""

    precision: Precision
    month: int = 0
    day: int = 0
    number: int = 0            # the quarter or half
    season: str = ""
    year: int | None = None    # written, or computed by the caller from the reference
    shift: int | None = None   # «прошлого года»: the reference year + shift
    weekday: int | None = None  # written with the day («в среду, 10 июля»), Monday = 0

    def value(self, year: int | None) -> str:
        """The TIMEX3 value of this unit in ``year`` (``XXXX`` when None)."""
        y = "XXXX" if year is None else f"{year:04d}"
        match self.precision:
            case Precision.day:
                return f"{y}-{self.month:02d}-{self.day:02d}"
            case Precision.month:
                return f"{y}-{self.month:02d}"
            case Precision.season:
                return f"{y}-{self.season}"
            case Precision.quarter:
                return f"{y}-Q{self.number}"
            case Precision.half:
                return f"{y}-H{self.number}"
            case Precision.decade:
                return y[:3]
        return y

    def interval(self, year: int) -> tuple[date, date] | None:
        """The whole interval of this unit in ``year``; None when it does not exist."""
        found = interval_for_value(self.value(year))
        return found[:2] if found else None

    def exists_in_some_year(self) -> bool:
        """Whether the unit is a real calendar unit («30 февраля» is not)."""
        return self.interval(2000) is not None  # a leap year admits 29 February


def _latest_year(unit: Unit, reference: date, ended: bool) -> int | None:
    for year in range(reference.year + 1, reference.year - _SEARCH_BACK, -1):
        found = unit.interval(year)
        if found and (found[1] < reference if ended else found[0] <= reference):
            return year
    return None


def _distance(interval: tuple[date, date], day: date) -> int:
    start, end = interval
    return (start - day).days if start > day else max((day - end).days, 0)


def _nearest_year(unit: Unit, reference: date) -> int | None:
    years = [y for y in range(reference.year - _SEARCH_BACK, reference.year + 2)
             if unit.interval(y)]
    # On a tie the past occurrence wins: a report tells what has happened.
    return min(years, key=lambda y: (_distance(unit.interval(y), reference), y), default=None)


def _weekday_year(unit: Unit, anchor: date) -> int | None:
    fits = [y for y in range(anchor.year - _WEEKDAY_YEARS, anchor.year + _WEEKDAY_YEARS + 1)
            if (found := unit.interval(y)) and found[0].weekday() == unit.weekday]
    return min(fits, key=lambda y: (_distance(unit.interval(y), anchor), y), default=None)


def _narrative_year(unit: Unit, mention: date) -> int | None:
    for year in range(mention.year, mention.year + _SEARCH_BACK):
        found = unit.interval(year)
        if found and found[1] >= mention:
            return year
    return None


def find_year(unit: Unit, ctx: Context, ended: bool = False
              ) -> tuple[int | None, Anchor] | None:
    """The year of a unit and how it was found; None when it cannot be resolved.

    ``(None, Anchor.none)`` means the year is unknown but the unit is still a date.
    """
    if unit.year is not None:
        return unit.year, Anchor.none
    if unit.shift is not None:
        return (ctx.reference.year + unit.shift, Anchor.publication) if ctx.reference else None
    anchor = Anchor.publication if ctx.reference else Anchor.previous_mention
    anchor_day = ctx.reference or (ctx.previous.start if ctx.previous else None)
    if unit.weekday is not None and anchor_day and (year := _weekday_year(unit, anchor_day)):
        return year, anchor
    if ctx.reference:
        if ctx.deadline:
            return _nearest_year(unit, ctx.reference), anchor
        return _latest_year(unit, ctx.reference, ended), anchor
    if ctx.previous:
        return _narrative_year(unit, ctx.previous.start), anchor
    return (None, Anchor.none) if unit.exists_in_some_year() else None


def resolve_unit(unit: Unit, ctx: Context, modifier: Modifier | None = None,
                 ended: bool = False, anchor: Anchor | None = None) -> Meaning | None:
    """The meaning of a unit; ``anchor`` marks a year the caller computed from an anchor."""
    found = find_year(unit, ctx, ended)
    if found is None:
        return None
    year, found_anchor = found
    anchor = anchor or found_anchor
    inferred = anchor is not Anchor.none
    if year is None:
        return (Meaning(None, None, unit.precision, modifier, unit.value(None), False, anchor)
                if anchor is Anchor.none else None)
    interval = interval_for_value(unit.value(year), modifier)
    if interval is None:
        return None
    return Meaning(interval[0], interval[1], unit.precision, modifier, unit.value(year),
                   inferred, anchor)


def resolve_in_year(unit: Unit, ctx: Context, modifier: Modifier | None, year: int,
                    anchor: Anchor) -> Meaning | None:
    """The meaning of a unit in a year the caller computed from ``anchor``."""
    return resolve_unit(replace(unit, year=year, shift=None), ctx, modifier, anchor=anchor)


def _with_year_near(unit: Unit, year: int, other: Unit, before: bool) -> Unit:
    """``unit`` in ``year``, moved a year so that it lies before (or after) ``other``."""
    moved = replace(unit, year=year, shift=None)
    mine, theirs = moved.interval(year), other.interval(other.year)
    if mine and theirs and (mine[0] > theirs[0] if before else mine[1] < theirs[1]):
        moved = replace(moved, year=year - 1 if before else year + 1)
    return moved


def resolve_range(first: Unit, last: Unit, ctx: Context) -> Meaning | None:
    """One interval from the start of ``first`` to the end of ``last``.

    An unwritten year on one side comes from the other side («с декабря по февраль
    2023 года» starts in December 2022); when neither side has one, the last one is
    anchored like a single date and the first one follows it.
    """
    precision = finer(first.precision, last.precision)
    last_known = last.year is not None or last.shift is not None
    first_known = first.year is not None or first.shift is not None
    if not last_known and first_known:
        anchor_meaning = resolve_unit(first, ctx)
        if anchor_meaning is None or anchor_meaning.start is None:
            return None
        year = anchor_meaning.start.year
        first = replace(first, year=year, shift=None)
        last = _with_year_near(last, year, first, before=False)
    else:
        end_meaning = resolve_unit(last, ctx)
        if end_meaning is None:
            return None
        if end_meaning.start is None:
            if first_known:
                return None
            value = f"{first.value(None)}/{last.value(None)}"
            return Meaning(None, None, precision, None, value, False, Anchor.none)
        year = int(end_meaning.value[:4])
        last = replace(last, year=year, shift=None)
        if not first_known:
            first = _with_year_near(first, year, last, before=True)
        elif first.shift is not None:
            if ctx.reference is None:
                return None
            first = replace(first, year=ctx.reference.year + first.shift, shift=None)
        anchor_meaning = end_meaning
    a, b = first.interval(first.year), last.interval(last.year)
    if not a or not b or a[0] > b[1]:
        return None
    value = f"{first.value(first.year)}/{last.value(last.year)}"
    return Meaning(a[0], b[1], precision, None, value, anchor_meaning.year_inferred,
                   anchor_meaning.anchor)
