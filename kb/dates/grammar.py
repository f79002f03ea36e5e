"""The candidate finder: one compiled regex over the text."""

from __future__ import annotations

import re

from kb.dates.lexicon import MONTH_ABBREVIATIONS, MONTHS, alternation

_MONTH = rf"(?:{alternation(MONTHS)})"
_MONTH_ABBR = rf"(?:{alternation(MONTH_ABBREVIATIONS)})\."
_YEAR_WORD = r"(?:\s*(?:года|году|год|годом|г\.))"
_DAY = r"(?:[0-3]?\d)(?:-?(?:го|е|ое|ого|му|ому))?"

PATTERN = re.compile(
    rf"""(?<![\w.-])(?:
      (?P<dmy>(?P<dmy_day>{_DAY})\s+(?P<dmy_month>{_MONTH}|{_MONTH_ABBR})
              (?:\s+(?P<dmy_year>\d{{4}})(?:-?(?:го|м))?{_YEAR_WORD}?)?)
    | (?P<my>(?P<my_month>{_MONTH})\s+(?P<my_year>\d{{4}})(?:-?(?:го|м))?{_YEAR_WORD}?)
    | (?P<num>(?P<num_a>\d{{1,2}})[./](?P<num_b>\d{{1,2}})[./](?P<num_c>\d{{4}}|\d{{2}})
             | (?P<iso_y>\d{{4}})-(?P<iso_m>\d{{2}})-(?P<iso_d>\d{{2}}))
    )(?![\w])""",
    re.IGNORECASE | re.VERBOSE,
)
