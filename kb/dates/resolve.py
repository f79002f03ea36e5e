"""Turn candidate matches into resolved dates (minimal first version)."""

from __future__ import annotations

from datetime import date

from kb.dates.grammar import PATTERN
from kb.dates.lexicon import month_number
from kb.dates.model import Anchor, Precision, ResolvedDate, month_end, valid_year


def _day_month(m, text, reference, previous):
    day = int("".join(ch for ch in m["dmy_day"] if ch.isdigit()))
    month = month_number(m["dmy_month"])
    if m["dmy_year"]:
        year = int(m["dmy_year"])
        return _make(m, text, "dmy", year, month, day, False, Anchor.none)
    if reference:
        year = reference.year
        if _safe(year, month, day) and date(year, month, day) > reference:
            year -= 1
        return _make(m, text, "dmy", year, month, day, True, Anchor.publication)
    if previous:
        year = previous.start.year
        if _safe(year, month, day) and date(year, month, day) < previous.start:
            year += 1
        return _make(m, text, "dmy", year, month, day, True, Anchor.previous_mention)
    if not _safe(2000, month, day):
        return None
    return ResolvedDate(m["dmy"], m.span("dmy"), None, None, Precision.day, None,
                        f"XXXX-{month:02d}-{day:02d}", False, Anchor.none)


def _safe(year, month, day):
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _make(m, text, group, year, month, day, inferred, anchor):
    if not valid_year(year) or not _safe(year, month, day):
        return None
    d = date(year, month, day)
    return ResolvedDate(m[group], m.span(group), d, d, Precision.day, None, d.isoformat(),
                        inferred, anchor)


def _month_year(m, text, reference, previous):
    year, month = int(m["my_year"]), month_number(m["my_month"])
    if not valid_year(year):
        return None
    return ResolvedDate(m["my"], m.span("my"), date(year, month, 1), month_end(year, month),
                        Precision.month, None, f"{year:04d}-{month:02d}", False, Anchor.none)


def _numeric(m, text, reference, previous):
    if m["iso_y"]:
        year, month, day = int(m["iso_y"]), int(m["iso_m"]), int(m["iso_d"])
    else:
        day, month, year = int(m["num_a"]), int(m["num_b"]), int(m["num_c"])
        if len(m["num_c"]) == 2:
            year += 2000 if year < 70 else 1900
    return _make(m, text, "num", year, month, day, False, Anchor.none)


_HANDLERS = {"dmy": _day_month, "my": _month_year, "num": _numeric}


def find_dates(text: str, reference: date | None = None) -> list[ResolvedDate]:
    """Every temporal expression in a text, in order, with exact spans."""
    found: list[ResolvedDate] = []
    previous = None
    for m in PATTERN.finditer(text):
        result = _HANDLERS[m.lastgroup](m, text, reference, previous)
        if result is None:
            continue
        found.append(result)
        if result.start and not result.year_inferred:
            previous = result
    return found


def resolve_date(text: str, reference: date | None = None) -> ResolvedDate | None:
    """The date meant by a whole expression (e.g. a CLI argument); None when it is not a date."""
    stripped = text.strip()
    offset = text.find(stripped)
    for result in find_dates(text, reference):
        if result.span == (offset, offset + len(stripped)):
            return result
    return None
