"""dateparser as the engine for formats it reads well: numeric and English dates.

One parser is built lazily and reused; it is given only short candidate spans found
by the grammar, never whole texts, and only its absolute parsers run, so nothing is
read relative to today. ``parts`` (dateparser >= 1.5) tells which fields were
actually read: a result whose year was filled in rather than read is rejected.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from dateparser.date import DateDataParser

from kb.dates.model import Precision

_parser: DateDataParser | None = None


def _get_parser() -> DateDataParser:
    global _parser
    if _parser is None:
        _parser = DateDataParser(
            languages=["ru", "en"],
            settings={
                "PARSERS": ["custom-formats", "absolute-time"],
                "DATE_ORDER": "DMY",
                "PREFER_DAY_OF_MONTH": "first",
                # Only fills fields that ``parts`` reports as missing; never used as a year.
                "RELATIVE_BASE": datetime(2000, 1, 1),
            },
        )
        _parser.get_date_data("01.01.2000")  # loads the language data once
    return _parser


@lru_cache(maxsize=4096)
def parse_absolute(text: str) -> tuple[datetime, Precision] | None:
    """The date written in ``text`` and its precision; None unless the year was read."""
    data = _get_parser().get_date_data(text)
    parts = getattr(data, "parts", None) or ()
    if data.date_obj is None or "year" not in parts:
        return None
    if "day" in parts:
        return data.date_obj, Precision.day
    return data.date_obj, Precision.month if "month" in parts else Precision.year
