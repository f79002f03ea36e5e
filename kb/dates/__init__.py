"""Russian date resolver: temporal expressions in news text to calendar intervals.

``find_dates(text, reference)`` finds every expression in one regex pass
(``grammar``) and resolves it (``handlers`` for calendar expressions, ``relative`` for
those counted from the reference, ``units`` for unwritten years); ``resolve_date`` does
the same for one whole expression; ``find_dateline`` reads the publication date a
page prints near its top (``dateline``); ``interval_for_value`` turns a TIMEX3 value
back into an interval (``model``). dateparser reads the numeric and English formats
(``engine``); Russian word forms live in ``lexicon``.

Conventions (each module says more):

* ``reference`` is the publication date. An unwritten year is the most recent past
  occurrence relative to it (seasons: the most recent one that has ended); without
  a reference it comes from the last mention in the text with a written year, or
  stays unknown (``XXXX-03-03``, no interval). It is never taken from today's date.
* After «до» or «к» an unwritten year is the occurrence nearest the reference, which
  may be to come («до 10 марта» on 6 March); a weekday written with the day picks the
  nearest year in which it fits («в среду, 10 июля»).
* Relative expressions («вчера», «на прошлой неделе», «3 дня назад», «через неделю»)
  need the reference; without it they are not returned.
* A clock time after a date is read but left out of the span ``find_dates`` gives; times
  of day alone («2 часа назад») and bare durations («9 месяцев») are not dates.
* Prepositions do not change the interval: «с 1 марта» and «до 5 марта» are those
  days; «к марту» is March.
* Parts: «в начале/середине/конце марта» = days 1-10 / 11-20 / 21-last (precision
  month); of a year = January-April / May-August / September-December (precision
  year); of a season or quarter = its first/second/third month; of a decade = years
  0-3 / 4-6 / 7-9.
* Seasons are meteorological; «зимой 2023 года» (``2023-WI``) is December 2022 to
  February 2023. Weeks are ISO weeks, Monday to Sunday (``2023-W09``).
* A range («с 1 по 5 марта», «с января по март») is one interval from the first
  start to the last end, with the finer precision; its value is ``A/B``.
* Years outside 1900-2100 are rejected as misreadings.
"""

from kb.dates.dateline import find_dateline
from kb.dates.model import Anchor, Modifier, Precision, ResolvedDate, interval_for_value
from kb.dates.resolve import find_dates, named_weekday, resolve_date

__all__ = ["Anchor", "Modifier", "Precision", "ResolvedDate", "find_dateline", "find_dates",
           "interval_for_value", "named_weekday", "resolve_date"]
