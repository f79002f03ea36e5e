"""The candidate finder: one compiled regex, so ``find_dates`` scans a text once.

The pattern is built from fragments; each alternative is an outermost named group
(``match.lastgroup`` tells which one matched) whose inner groups carry its prefix.
Ranges come first so that «с 1 по 5 марта» is not cut into «1» and «5 марта»; their
span keeps «с»/«между» but not a leading «в» («в 2020–2022 годах»). A simple
preposition or an approximation word before a single expression is matched (groups
``prep`` and ``approx``) but left out of the alternative's span, and so is a clock time
after any expression («28 октября 2014 в 07:54», «вчера в 18:05»): a date is what is kept.
"""

from __future__ import annotations

import re

from kb.dates import lexicon as lx

MONTH = rf"(?:{lx.alternation(lx.MONTHS)})\b"
MONTH_OR_ABBR = (rf"(?:(?:{lx.alternation(lx.MONTHS)})\b"
                 rf"|(?:{lx.alternation(lx.MONTH_ABBREVIATIONS)})\.?)(?!\w)")
EN_MONTH = rf"(?:{lx.alternation(lx.ENGLISH_MONTHS)})\b\.?"
ORDINAL_WORD = (rf"(?:(?:{lx.alternation(lx.TENS)})\s+)?"
                rf"(?:{lx.alternation(lx.ORDINAL_STEMS)})(?:{lx.alternation(lx.ORDINAL_ENDINGS)})\b")
DAY_DIGITS = r"[0-3]?\d(?:-?(?:го|ое|ого|ому|му|ым|е|м))?\b"
DAY = rf"(?:{DAY_DIGITS}|{ORDINAL_WORD})"
YEAR_SUFFIX = r"(?:\s?-?(?:го|й|м|ом|ый)\b)"
YEAR_WORD = rf"(?:(?:{lx.alternation(lx.YEAR_WORDS)})\b|гг?\.|гг?\b)"
RELATIVE = (rf"(?:(?:{lx.alternation(lx.RELATIVE_STEMS)})(?:{lx.alternation(lx.RELATIVE_ENDINGS)})"
            rf"|{lx.alternation(lx.THIS_FORMS)})\b")
SEASON = rf"(?:{lx.alternation(lx.SEASON_FORMS)})\b"
WEEKDAY = rf"(?:{lx.alternation(lx.WEEKDAYS)})\b"
WEEKDAY_ABBR = rf"(?:{lx.alternation(lx.WEEKDAY_ABBREVIATIONS)})\b"
WEEKDAY_NOMINATIVE = rf"(?:{lx.alternation(lx.WEEKDAY_NOMINATIVES)})\b"
CLOCK = r"(?:,?\s+(?:во?\s+)?[0-2]?\d:[0-5]\d(?::[0-5]\d)?)"
# «2 Декабрь 95»: two digits after a month are a year only before a clock time or at
# the end of a line; «5 марта 20 человек» is a count.
TWO_DIGIT_YEAR = rf"(?P<dmy_yy>\d\d)(?={CLOCK}|[ \t]*(?:\r?\n|$))"
PART = rf"(?:{lx.alternation(lx.PART_WORDS)})\b"
ORDINAL_1_4 = rf"(?:перв|втор|трет|четв[её]рт)(?:{lx.alternation(lx.ORDINAL_ENDINGS)})\b"
QUARTER_NUMBER = rf"(?:{ORDINAL_1_4}|[1-4]\s?-?(?:го|й|м|ом)?\b|(?:iv|iii|ii|i)\b)"
HALF_NUMBER = (r"(?:(?:перв|втор)(?:ое|ого|ому|ым|ом|ая|ой|ую)\b"
               r"|[12]\s?-?(?:го|е|м|ом|й|я)?\b|(?:ii|i)\b)")
RANGE_JOIN = r"(?:\s*[–—-]\s*|\s+(?:по|до)\s+)"
COUNT = (rf"(?:\d{{1,3}}|(?:{lx.alternation(lx.CARDINAL_TENS)})"
         rf"(?:\s+(?:{lx.alternation(lx.ONES)}))?"
         rf"|{lx.alternation([*lx.COUNT_WORDS, *lx.SEVERAL])})\b")
SHIFT_UNIT = rf"(?:{lx.alternation(lx.SHIFT_UNITS)})(?![\w-])"


def year_spec(p: str) -> str:
    """A written year («2023 года», «2023-го») or a relative one («прошлого года»)."""
    return (rf"(?:(?P<{p}_y>\d{{4}}){YEAR_SUFFIX}?(?:\s*{YEAR_WORD})?"
            rf"|(?P<{p}_ry>{RELATIVE})\s+года\b)")


def day_month(p: str) -> str:
    """A day and a month with an optional year: «3-го марта 2023 г.»."""
    return rf"(?P<{p}_d>{DAY})\s+(?P<{p}_m>{MONTH_OR_ABBR})(?:\s+{year_spec(p)})?"


def month_unit(p: str) -> str:
    """A month with an optional year: «марте», «мая прошлого года»."""
    return rf"(?P<{p}_m>{MONTH})(?:\s+{year_spec(p)})?"


def season_unit(p: str) -> str:
    """A season with a year, a relative adjective or alone: «весной 2023 года», «прошлой осенью»."""
    return (rf"(?:(?P<{p}_rs>{RELATIVE})\s+)?(?P<{p}_s>{SEASON})"
            rf"(?:\s+(?P<{p}_wy>\d{{4}})\s*[/–—-]\s*(?P<{p}_wy2>\d{{4}}|\d\d)(?:\s*{YEAR_WORD})?"
            rf"|\s+{year_spec(p)})?")


def quarter_unit(p: str) -> str:
    """A quarter: «первом квартале 2023 года», «III кв.», «Q3 2023»."""
    return (rf"(?:(?P<{p}_n>{QUARTER_NUMBER})\s*(?:{lx.alternation(lx.QUARTER_NOUNS)})(?!\w)"
            rf"(?:\s+(?:{year_spec(p)}|(?P<{p}_cy>года)\b))?"
            rf"|q(?P<{p}_qn>[1-4])\s*(?P<{p}_qy>\d{{4}})\b)")


def half_unit(p: str) -> str:
    """A half year: «втором полугодии», «первой половине 2023 года»."""
    return (rf"(?P<{p}_n>{HALF_NUMBER})\s+(?:(?:{lx.alternation(lx.HALF_NOUNS)})\b"
            rf"(?:\s+(?:{year_spec(p)}|(?P<{p}_cy>года)\b))?"
            rf"|(?:{lx.alternation(lx.HALF_OF_NOUNS)})\s+"
            rf"(?:{year_spec(p + 'o')}|(?P<{p}_ocy>года)\b))")


def decade_unit(p: str) -> str:
    """A decade: «2010-х», «2010-е годы»."""
    return rf"(?P<{p}_dec>\d{{3}}0)\s?-?(?:х|е|ые|ых|ми)\b(?:\s*(?:годах|годы|годов|гг\.))?"


def year_unit(p: str, marked: bool = True) -> str:
    """A written year: «2022 году», «2022-м», «2022 г.»; a bare number only if not ``marked``."""
    marker = rf"(?:{YEAR_SUFFIX}(?:\s*{YEAR_WORD})?|\s*{YEAR_WORD})"
    return rf"(?P<{p}_y>\d{{4}}){marker}{'' if marked else '?'}"


def relative_unit(p: str) -> str:
    """A cycle named relative to the reference: «прошлой неделе», «этом году», «пр мес»."""
    return (rf"(?P<{p}_r>{RELATIVE})\s+(?P<{p}_u>{lx.alternation(lx.UNIT_NOUNS)})\b"
            rf"|(?P<{p}_ra>{RELATIVE}|(?:{lx.alternation(lx.CLIPPED_RELATIVES)})\b)\s+"
            rf"(?P<{p}_ua>{lx.alternation(lx.UNIT_ABBREVIATIONS)})(?![\w-])")


_RANGES = {
    "rdd": (rf"(?:(?:с|со|между)\s+)?(?P<rdd_a>{DAY})(?:\s*[–—-]\s*|\s+(?:по|до|и)\s+)"
            rf"{day_month('rdd')}"),
    "rfd": rf"(?:(?:с|со)\s+)?{day_month('rfa')}{RANGE_JOIN}{day_month('rfb')}",
    "rmm": rf"(?:(?:с|со)\s+)?{month_unit('rma')}{RANGE_JOIN}{month_unit('rmb')}",
    "ryy": (rf"(?P<ryy_from>(?:с|со)\s+)?(?P<ryy_a>\d{{4}}){YEAR_SUFFIX}?(?:\s*{YEAR_WORD})?"
            rf"{RANGE_JOIN}(?P<ryy_b>\d{{4}}){YEAR_SUFFIX}?(?P<ryy_w>\s*(?:{YEAR_WORD}))?"),
}

_PART_TARGETS = (rf"(?:{month_unit('ptm')}|{season_unit('pts')}|{quarter_unit('ptq')}"
                 rf"|{half_unit('pth')}|{decade_unit('ptd')}|{year_unit('pty', marked=False)}"
                 rf"|(?:(?P<pt_rm>{RELATIVE})\s+)?(?P<pt_mo>месяца)\b"
                 rf"|(?:(?P<pt_ry>{RELATIVE})\s+)?(?P<pt_yr>года)\b)")

_SINGLES = {
    "dmy": (rf"(?:(?P<dmy_w>{WEEKDAY}),?\s+|(?P<dmy_wa>{WEEKDAY_ABBR}),\s+)?"
            rf"(?P<dmy_d>{DAY})\s+(?P<dmy_m>{MONTH_OR_ABBR})"
            # «14 декабря в 1989 году»: «в» only before a year with its word.
            rf"(?:\s+(?:в\s+(?=\d{{4}}{YEAR_SUFFIX}?\s*{YEAR_WORD}))?{year_spec('dmy')}"
            rf"|\s+{TWO_DIGIT_YEAR})?(?:,\s*(?P<dmy_wn>{WEEKDAY_NOMINATIVE}))?"),
    "mdy": rf"(?P<mdy_m>{MONTH_OR_ABBR})\s+(?P<mdy_d>[0-3]?\d),\s*(?P<mdy_y>\d{{4}})",
    "part": rf"(?P<pt_w>{PART})\s+{_PART_TARGETS}",
    "qtr": quarter_unit("qtr"),
    "half": half_unit("half"),
    "ssn": season_unit("ssn"),
    "mon": month_unit("mon"),
    "dec": decade_unit("dec"),
    "yr": year_unit("yr"),
    "rel": relative_unit("rel"),
    "wd": rf"(?:(?P<wd_r>{RELATIVE})\s+)?(?P<wd_d>{WEEKDAY})",
    "rday": rf"(?:{lx.alternation(lx.RELATIVE_DAYS)})\b",
    "ago": (rf"(?:(?P<ago_n>{COUNT})\s+)?"
            rf"(?P<ago_u>{lx.alternation([*lx.SHIFT_UNITS, *lx.AGO_ONLY_UNITS])})\.?\s+назад\b"),
    "later": (rf"(?P<later_w>{lx.alternation(lx.LATER_WORDS)})\s+(?:(?P<later_n>{COUNT})\s+)?"
              rf"(?P<later_u>{SHIFT_UNIT})"),
    # «27. 05.99»: a space may follow a dot.
    "num": (r"(?P<num_v>\d{1,2}(?:\.\s?|/)\d{1,2}(?:\.\s?|/)(?:\d{4}|\d\d)|\d{4}-\d\d-\d\d"
            r"|(?:0[1-9]|1[0-2])\.\d{4})"),
    "en": rf"(?P<en_v>{EN_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{EN_MONTH}\s+\d{{4}})",
}


def _group(name: str, body: str) -> str:
    return f"(?P<{name}>{body})"


PATTERN = re.compile(
    r"(?<![\w.,/-])(?:(?:(?:в|во)\s+)?(?:"
    + "|".join(_group(n, b) for n, b in _RANGES.items())
    + ")"
    + rf"|(?:(?P<approx>{lx.alternation(lx.APPROX_WORDS)})\s+)?"
    + rf"(?:(?P<prep>{lx.alternation(lx.PREPOSITIONS)})\s+)?(?:"
    + "|".join(_group(n, b) for n, b in _SINGLES.items())
    + rf")){CLOCK}?(?!\w|[.,/:-]\d)",
    re.IGNORECASE,
)
