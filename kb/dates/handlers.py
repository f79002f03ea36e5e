"""One handler per grammar alternative: a regex match to the Meaning it carries.

This module holds the calendar expressions; ``relative`` holds those counted from the
reference («вчера», «3 дня назад», «через неделю», weekdays). Prepositions do not
change the interval: «с 1 марта», «до 5 марта», «к марту» mean the day or month named
(the caller reads the preposition from the text if it needs "after" or "before"
semantics); «до» and «к» only let an unwritten year be one to come (``units``).
Seasons with an adjective count in calendar years like «в этом году»: «этой осенью»
is the autumn of the reference's year, «прошлой осенью» the one of the year before
(in December «этой зимой» is the winter that has just begun).
"""

from __future__ import annotations

import re
from dataclasses import replace

from kb.dates import lexicon as lx
from kb.dates.engine import parse_absolute
from kb.dates.model import Anchor, Modifier, Precision, full_year, month_end, valid_year
from kb.dates.relative import (ago, approx, later, relative, relative_day, shifted_month,
                               weekday)
from kb.dates.units import (Context, Meaning, Unit, resolve_in_year, resolve_range,
                            resolve_unit)


def _year_fields(m: re.Match, p: str) -> dict:
    if m[f"{p}_y"]:
        return {"year": int(m[f"{p}_y"])}
    if m[f"{p}_ry"]:
        return {"shift": lx.relative_shift(m[f"{p}_ry"])}
    return {}


def _this_year(ctx: Context) -> tuple[int, Anchor] | None:
    """The year «года» alone refers to: the reference's, or in a narrative the last mentioned."""
    if ctx.reference:
        return ctx.reference.year, Anchor.publication
    if ctx.previous:
        return ctx.previous.start.year, Anchor.previous_mention
    return None


def _day_unit(m: re.Match, p: str) -> Unit:
    return Unit(Precision.day, month=lx.month_number(m[f"{p}_m"]),
                day=lx.ordinal_number(m[f"{p}_d"]), **_year_fields(m, p))


def _month_unit(m: re.Match, p: str) -> Unit:
    return Unit(Precision.month, month=lx.month_number(m[f"{p}_m"]), **_year_fields(m, p))


def _season(m: re.Match, p: str, ctx: Context, modifier: Modifier | None) -> Meaning | None:
    code = lx.SEASON_FORMS[m[f"{p}_s"].lower()]
    unit = Unit(Precision.season, season=code)
    if m[f"{p}_rs"]:
        if not ctx.reference:
            return None
        ref = ctx.reference
        this_year = ref.year + (code == "WI" and ref.month == 12)
        year = this_year + lx.relative_shift(m[f"{p}_rs"])
        return resolve_in_year(unit, ctx, modifier, year, Anchor.publication)
    if m[f"{p}_wy"]:
        first, second = int(m[f"{p}_wy"]), m[f"{p}_wy2"]
        last = int(second) if len(second) == 4 else first // 100 * 100 + int(second)
        if code != "WI" or last != first + 1:
            return None
        return resolve_unit(Unit(Precision.season, season=code, year=last), ctx, modifier)
    fields = _year_fields(m, p)
    return resolve_unit(Unit(Precision.season, season=code, **fields), ctx, modifier,
                        ended=not fields)


def _numbered(m: re.Match, p: str, ctx: Context, modifier: Modifier | None,
              precision: Precision, number: int, suffixes: tuple[str, ...]) -> Meaning | None:
    """A quarter or half with a written, relative, «года» or no year."""
    unit = Unit(precision, number=number)
    for suffix in suffixes:
        if m[f"{p}{suffix}_y"] or m[f"{p}{suffix}_ry"]:
            return resolve_unit(Unit(precision, number=number, **_year_fields(m, p + suffix)),
                                ctx, modifier)
        if m[f"{p}_{suffix}cy"]:
            this = _this_year(ctx)
            return resolve_in_year(unit, ctx, modifier, *this) if this else None
    return resolve_unit(unit, ctx, modifier)


def _quarter(m: re.Match, p: str, ctx: Context, modifier: Modifier | None) -> Meaning | None:
    if m[f"{p}_qn"]:
        unit = Unit(Precision.quarter, number=int(m[f"{p}_qn"]), year=int(m[f"{p}_qy"]))
        return resolve_unit(unit, ctx, modifier)
    number = lx.ordinal_number(m[f"{p}_n"])
    return _numbered(m, p, ctx, modifier, Precision.quarter, number, ("",))


def _half(m: re.Match, p: str, ctx: Context, modifier: Modifier | None) -> Meaning | None:
    number = lx.ordinal_number(m[f"{p}_n"])
    return _numbered(m, p, ctx, modifier, Precision.half, number, ("", "o"))


def day_month(m: re.Match, ctx: Context) -> Meaning | None:
    """«3 марта», «3-го марта 2023 г.», «первого марта прошлого года», «в пятницу, 3 марта».

    Also a site's dateline: «Пнд, 07 янв. 2019 г. 12:15», «21 сентября 2021г., вторник»,
    «2 Декабрь 95». A weekday written with a year-less day picks the year (``units``).
    """
    unit = _day_unit(m, "dmy")
    if m["dmy_yy"]:
        unit = replace(unit, year=full_year(int(m["dmy_yy"])))
    named = m["dmy_w"] or m["dmy_wa"] or m["dmy_wn"]
    if named:
        unit = replace(unit, weekday=lx.weekday_number(named))
    return resolve_unit(unit, ctx, approx(m))


def month_day(m: re.Match, ctx: Context) -> Meaning | None:
    """«Авг 26, 2015»: a forum's month, day and year."""
    unit = Unit(Precision.day, month=lx.month_number(m["mdy_m"]), day=int(m["mdy_d"]),
                year=int(m["mdy_y"]))
    return resolve_unit(unit, ctx, approx(m))


def part(m: re.Match, ctx: Context) -> Meaning | None:
    """«в начале марта», «к концу года», «в середине 2010-х», «в конце прошлого месяца»."""
    modifier = lx.part_modifier(m["pt_w"])
    if m["ptm_m"]:
        return resolve_unit(_month_unit(m, "ptm"), ctx, modifier)
    if m["pts_s"]:
        return _season(m, "pts", ctx, modifier)
    if m["ptq_n"] or m["ptq_qn"]:
        return _quarter(m, "ptq", ctx, modifier)
    if m["pth_n"]:
        return _half(m, "pth", ctx, modifier)
    if m["ptd_dec"]:
        return resolve_unit(Unit(Precision.decade, year=int(m["ptd_dec"])), ctx, modifier)
    if m["pty_y"]:
        return resolve_unit(Unit(Precision.year, year=int(m["pty_y"])), ctx, modifier)
    if m["pt_mo"]:
        if m["pt_rm"] and not ctx.reference:
            return None
        return shifted_month(ctx, lx.relative_shift(m["pt_rm"]) if m["pt_rm"] else 0, modifier)
    if m["pt_ry"]:
        unit = Unit(Precision.year, shift=lx.relative_shift(m["pt_ry"]))
        return resolve_unit(unit, ctx, modifier)
    this = _this_year(ctx)
    return resolve_in_year(Unit(Precision.year), ctx, modifier, *this) if this else None


def quarter(m: re.Match, ctx: Context) -> Meaning | None:
    """«в первом квартале 2023 года», «в III квартале», «Q3 2023»."""
    return _quarter(m, "qtr", ctx, approx(m))


def half(m: re.Match, ctx: Context) -> Meaning | None:
    """«во втором полугодии», «в первой половине 2023 года»."""
    return _half(m, "half", ctx, approx(m))


def season(m: re.Match, ctx: Context) -> Meaning | None:
    """«весной 2023 года», «прошлой осенью», «летом», «к зиме»."""
    bare = not (m["ssn_rs"] or m["ssn_y"] or m["ssn_ry"] or m["ssn_wy"])
    if bare and not (m["prep"] or ctx.whole or m["ssn_s"].lower() in lx.SEASON_ADVERBS):
        return None
    return _season(m, "ssn", ctx, approx(m))


def month(m: re.Match, ctx: Context) -> Meaning | None:
    """«в марте», «к маю прошлого года», «март 2023»; a bare genitive is too often a name."""
    unit = _month_unit(m, "mon")
    if unit.year is None and unit.shift is None and not (m["prep"] or ctx.whole):
        return None
    return resolve_unit(unit, ctx, approx(m))


def decade(m: re.Match, ctx: Context) -> Meaning | None:
    """«в 2010-х», «2010-е годы»."""
    return resolve_unit(Unit(Precision.decade, year=int(m["dec_dec"])), ctx, approx(m))


def year(m: re.Match, ctx: Context) -> Meaning | None:
    """«в 2022 году», «в 2022-м», «2022 г.»."""
    return resolve_unit(Unit(Precision.year, year=int(m["yr_y"])), ctx, approx(m))


def written(m: re.Match, ctx: Context) -> Meaning | None:
    """Numeric and English dates, read by dateparser: «24.02.2023», «27. 05.99», «March 3, 2023»."""
    found = parse_absolute("".join(m[f"{m.lastgroup}_v"].split()))
    if found is None or not valid_year(found[0].year):
        return None
    day, precision = found[0].date(), found[1]
    if precision is Precision.day:
        return Meaning(day, day, precision, approx(m), day.isoformat(), False, Anchor.none)
    if precision is Precision.month:
        return Meaning(day.replace(day=1), month_end(day.year, day.month), precision,
                       approx(m), f"{day.year:04d}-{day.month:02d}", False, Anchor.none)
    return None


def day_range(m: re.Match, ctx: Context) -> Meaning | None:
    """«с 1 по 5 марта», «1–5 марта 2023 года», «между 1 и 5 марта»."""
    last = _day_unit(m, "rdd")
    first = Unit(Precision.day, month=last.month, day=lx.ordinal_number(m["rdd_a"]))
    if first.day >= last.day:
        return None  # both days are in one month, so the range cannot wrap a year
    return resolve_range(first, last, ctx)


def full_day_range(m: re.Match, ctx: Context) -> Meaning | None:
    """«с 28 февраля по 3 марта 2023 года»."""
    return resolve_range(_day_unit(m, "rfa"), _day_unit(m, "rfb"), ctx)


def month_range(m: re.Match, ctx: Context) -> Meaning | None:
    """«с января по март», «в январе–марте 2023 года»."""
    return resolve_range(_month_unit(m, "rma"), _month_unit(m, "rmb"), ctx)


def year_range(m: re.Match, ctx: Context) -> Meaning | None:
    """«с 2020 по 2022 год», «в 2020–2022 годах»; two bare numbers with a dash are not years."""
    first, last = int(m["ryy_a"]), int(m["ryy_b"])
    if first >= last or not (m["ryy_from"] or m["ryy_w"] or ctx.whole):
        return None
    return resolve_range(Unit(Precision.year, year=first), Unit(Precision.year, year=last), ctx)


HANDLERS = {
    "rdd": day_range, "rfd": full_day_range, "rmm": month_range, "ryy": year_range,
    "dmy": day_month, "mdy": month_day, "part": part, "qtr": quarter, "half": half, "ssn": season,
    "mon": month, "dec": decade, "yr": year, "rel": relative, "wd": weekday,
    "rday": relative_day, "ago": ago, "later": later, "num": written, "en": written,
}
