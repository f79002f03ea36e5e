"""The resolved-date type and TIMEX3 value helpers.

Intervals are inclusive calendar-date intervals. Conventions that a TIMEX3 value
alone does not fix:

* weeks are ISO weeks, Monday to Sunday (``2023-W09``);
* seasons are meteorological: spring March-May, summer June-August, autumn
  September-November; winter ``YYYY-WI`` is the winter that *ends* in YYYY,
  1 December of YYYY-1 to the end of February of YYYY («зимой 2023 года» is the
  winter of January-February 2023);
* parts of a month: start = days 1-10, mid = 11-20, end = 21-last;
* parts of a year: start = January-April, mid = May-August, end = September-December;
* parts of a season or quarter: its first, second or third month; of a half: its
  first, middle or last two months;
* parts of a decade: start = years 0-3, mid = 4-6, end = 7-9;
* ``approx``, and a part of a day or week, keeps the whole interval;
* an interval value is two values joined by ``/`` (ISO 8601), e.g. ``2023-03-01/2023-03-05``.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

MIN_YEAR = 1900
MAX_YEAR = 2100


class Precision(str, Enum):
    """The granularity of a resolved date."""

    day = "day"
    week = "week"
    month = "month"
    season = "season"
    quarter = "quarter"
    half = "half"
    year = "year"
    decade = "decade"


class Modifier(str, Enum):
    """The part of the interval meant (TIMEX3 ``mod``)."""

    start = "start"
    mid = "mid"
    end = "end"
    approx = "approx"


class Anchor(str, Enum):
    """How an unwritten year or a relative date was anchored."""

    publication = "publication"
    previous_mention = "previous_mention"
    none = "none"


# Finer first: a range takes the finest precision of its two ends.
PRECISION_ORDER = [Precision.day, Precision.week, Precision.month, Precision.season,
                   Precision.quarter, Precision.half, Precision.year, Precision.decade]

SEASON_CODES = {"SP": 3, "SU": 6, "FA": 9, "WI": 12}  # code -> first month


@dataclass(frozen=True)
class ResolvedDate:
    """One temporal expression and the interval it means."""

    text: str
    span: tuple[int, int]
    start: date | None
    end: date | None
    precision: Precision
    modifier: Modifier | None
    value: str
    year_inferred: bool
    anchor: Anchor

    def to_dict(self) -> dict:
        """A JSON-ready dict of all fields (dates as ISO strings, enums as their values)."""
        return {
            "text": self.text,
            "span": [self.span[0], self.span[1]],
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "precision": self.precision.value,
            "modifier": self.modifier.value if self.modifier else None,
            "value": self.value,
            "year_inferred": self.year_inferred,
            "anchor": self.anchor.value,
        }


def valid_year(year: int) -> bool:
    """Whether a year is plausible in news text; others are misreadings."""
    return MIN_YEAR <= year <= MAX_YEAR


def full_year(two_digits: int) -> int:
    """The year a two-digit year means, as ``strptime``'s ``%y`` reads it: 69-99 -> 1969-1999."""
    return two_digits + (1900 if two_digits >= 69 else 2000)


def month_end(year: int, month: int) -> date:
    """The last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def season_interval(year: int, code: str) -> tuple[date, date]:
    """The meteorological season ``code`` of ``year`` (winter ends in ``year``)."""
    first = SEASON_CODES[code]
    start_year = year - 1 if code == "WI" else year
    start = date(start_year, first, 1)
    last_month = (first + 1) % 12 + 1
    return start, month_end(year if code == "WI" else start_year, last_month)


def week_interval(iso_year: int, week: int) -> tuple[date, date]:
    """Monday to Sunday of an ISO week."""
    monday = date.fromisocalendar(iso_year, week, 1)
    return monday, monday + timedelta(days=6)


def week_value(day: date) -> str:
    """The TIMEX3 week value of the ISO week containing ``day``."""
    iso = day.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def apply_part(start: date, end: date, precision: Precision,
               modifier: Modifier | None) -> tuple[date, date]:
    """Narrow an interval to its start, middle or end part (see the module docstring)."""
    if modifier not in (Modifier.start, Modifier.mid, Modifier.end):
        return start, end
    index = [Modifier.start, Modifier.mid, Modifier.end].index(modifier)
    if precision is Precision.month:
        bounds = [(1, 10), (11, 20), (21, month_end(start.year, start.month).day)][index]
        return start.replace(day=bounds[0]), start.replace(day=bounds[1])
    if precision is Precision.year:
        first, last = [(1, 4), (5, 8), (9, 12)][index]
        return date(start.year, first, 1), month_end(start.year, last)
    if precision is Precision.decade:
        first, last = [(0, 3), (4, 6), (7, 9)][index]
        return date(start.year + first, 1, 1), date(start.year + last, 12, 31)
    if precision in (Precision.season, Precision.quarter, Precision.half):
        months = 1 if precision is not Precision.half else 2
        first = add_months(start, index * months)
        last = add_months(first, months - 1)
        return first, month_end(last.year, last.month)
    return start, end


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after the month of ``day``."""
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


_VALUE_RE = re.compile(
    r"(?P<year>\d{4})(?:-(?:(?P<month>\d{2})(?:-(?P<day>\d{2}))?"
    r"|W(?P<week>\d{2})|Q(?P<quarter>[1-4])|H(?P<half>[12])|(?P<season>SP|SU|FA|WI)))?"
    r"|(?P<decade>\d{3})"
)


def _single_interval(value: str) -> tuple[date, date, Precision] | None:
    m = _VALUE_RE.fullmatch(value)
    if not m:
        return None
    if m["decade"]:
        first = int(m["decade"]) * 10
        if not (valid_year(first) and valid_year(first + 9)):
            return None
        return date(first, 1, 1), date(first + 9, 12, 31), Precision.decade
    year = int(m["year"])
    if not valid_year(year):
        return None
    try:
        if m["day"]:
            day = date(year, int(m["month"]), int(m["day"]))
            return day, day, Precision.day
        if m["month"]:
            month = int(m["month"])
            return date(year, month, 1), month_end(year, month), Precision.month
        if m["week"]:
            return (*week_interval(year, int(m["week"])), Precision.week)
    except ValueError:
        return None
    if m["quarter"]:
        first = 3 * int(m["quarter"]) - 2
        return date(year, first, 1), month_end(year, first + 2), Precision.quarter
    if m["half"]:
        first = 6 * int(m["half"]) - 5
        return date(year, first, 1), month_end(year, first + 5), Precision.half
    if m["season"]:
        return (*season_interval(year, m["season"]), Precision.season)
    return date(year, 1, 1), date(year, 12, 31), Precision.year


def interval_for_value(value: str, modifier: Modifier | None = None
                       ) -> tuple[date, date, Precision] | None:
    """The interval of a TIMEX3 value whose year is known.

    ``('2023-03', Modifier.start)`` -> ``(2023-03-01, 2023-03-10, month)``. An interval
    value ``A/B`` spans from the start of A to the end of B with the finer precision.
    None for values with an unknown year (``XXXX``) or that are malformed.
    """
    if "/" in value:
        first, _, last = value.partition("/")
        a, b = _single_interval(first), _single_interval(last)
        if not a or not b or a[0] > b[1]:
            return None
        return a[0], b[1], finer(a[2], b[2])
    found = _single_interval(value)
    if not found:
        return None
    start, end, precision = found
    return (*apply_part(start, end, precision, modifier), precision)


def finer(a: Precision, b: Precision) -> Precision:
    """The finer of two precisions."""
    return min(a, b, key=PRECISION_ORDER.index)
