"""One handler per grammar alternative: a regex match to the Meaning it carries.

Prepositions do not change the interval: «с 1 марта», «до 5 марта», «к марту» mean
the day or month named (the caller reads the preposition from the text if it needs
"after" or "before" semantics). Relative words («вчера», «на прошлой неделе»,
«в прошлый вторник») are resolved against the reference only; without one they are
not dates, except «накануне», which may refer back to the previous dated mention.
Weekdays: «во вторник» is the most recent Tuesday on or before the reference;
«в прошлый/этот/следующий вторник» is the Tuesday of the previous/current/next ISO week.
Seasons with an adjective count in calendar years like «в этом году»: «этой осенью»
is the autumn of the reference's year, «прошлой осенью» the one of the year before
(in December «этой зимой» is the winter that has just begun).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

from kb.dates import lexicon as lx
from kb.dates.engine import parse_absolute
from kb.dates.model import (Anchor, Modifier, Precision, add_months, month_end,
                            valid_year, week_interval, week_value)
from kb.dates.morph import governs_noun
from kb.dates.units import Context, Meaning, Unit, resolve_range, resolve_unit


def _year_fields(m: re.Match, p: str) -> dict:
    if m[f"{p}_y"]:
        return {"year": int(m[f"{p}_y"])}
    if m[f"{p}_ry"]:
        return {"shift": lx.relative_shift(m[f"{p}_ry"])}
    return {}


def _approx(m: re.Match) -> Modifier | None:
    return Modifier.approx if m["approx"] else None


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


def _fixed(unit: Unit, ctx: Context, modifier: Modifier | None, year: int,
           anchor: Anchor) -> Meaning | None:
    return resolve_unit(replace(unit, year=year, shift=None), ctx, modifier, anchor=anchor)


def _season(m: re.Match, p: str, ctx: Context, modifier: Modifier | None) -> Meaning | None:
    code = lx.SEASON_FORMS[m[f"{p}_s"].lower()]
    unit = Unit(Precision.season, season=code)
    if m[f"{p}_rs"]:
        if not ctx.reference:
            return None
        ref = ctx.reference
        this_year = ref.year + (code == "WI" and ref.month == 12)
        year = this_year + lx.relative_shift(m[f"{p}_rs"])
        return _fixed(unit, ctx, modifier, year, Anchor.publication)
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
            return _fixed(unit, ctx, modifier, *this) if this else None
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


def _shifted_month(ctx: Context, shift: int, modifier: Modifier | None) -> Meaning | None:
    base = ctx.reference or (ctx.previous.start if ctx.previous else None)
    if base is None:
        return None
    first = add_months(base, shift)
    anchor = Anchor.publication if ctx.reference else Anchor.previous_mention
    return _fixed(Unit(Precision.month, month=first.month), ctx, modifier, first.year, anchor)


def day_month(m: re.Match, ctx: Context) -> Meaning | None:
    """«3 марта», «3-го марта 2023 г.», «первого марта прошлого года», «в пятницу, 3 марта»."""
    return resolve_unit(_day_unit(m, "dmy"), ctx, _approx(m))


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
        return _shifted_month(ctx, lx.relative_shift(m["pt_rm"]) if m["pt_rm"] else 0, modifier)
    if m["pt_ry"]:
        unit = Unit(Precision.year, shift=lx.relative_shift(m["pt_ry"]))
        return resolve_unit(unit, ctx, modifier)
    this = _this_year(ctx)
    return _fixed(Unit(Precision.year), ctx, modifier, *this) if this else None


def quarter(m: re.Match, ctx: Context) -> Meaning | None:
    """«в первом квартале 2023 года», «в III квартале», «Q3 2023»."""
    return _quarter(m, "qtr", ctx, _approx(m))


def half(m: re.Match, ctx: Context) -> Meaning | None:
    """«во втором полугодии», «в первой половине 2023 года»."""
    return _half(m, "half", ctx, _approx(m))


def season(m: re.Match, ctx: Context) -> Meaning | None:
    """«весной 2023 года», «прошлой осенью», «летом», «к зиме»."""
    bare = not (m["ssn_rs"] or m["ssn_y"] or m["ssn_ry"] or m["ssn_wy"])
    if bare and not (m["prep"] or ctx.whole or m["ssn_s"].lower() in lx.SEASON_ADVERBS):
        return None
    return _season(m, "ssn", ctx, _approx(m))


def month(m: re.Match, ctx: Context) -> Meaning | None:
    """«в марте», «к маю прошлого года», «март 2023»; a bare genitive is too often a name."""
    unit = _month_unit(m, "mon")
    if unit.year is None and unit.shift is None and not (m["prep"] or ctx.whole):
        return None
    return resolve_unit(unit, ctx, _approx(m))


def decade(m: re.Match, ctx: Context) -> Meaning | None:
    """«в 2010-х», «2010-е годы»."""
    return resolve_unit(Unit(Precision.decade, year=int(m["dec_dec"])), ctx, _approx(m))


def year(m: re.Match, ctx: Context) -> Meaning | None:
    """«в 2022 году», «в 2022-м», «2022 г.»."""
    return resolve_unit(Unit(Precision.year, year=int(m["yr_y"])), ctx, _approx(m))


def _week(day: date, modifier: Modifier | None) -> Meaning:
    start, end = week_interval(*day.isocalendar()[:2])
    return Meaning(start, end, Precision.week, modifier, week_value(day), True,
                   Anchor.publication)


def _day(day: date, modifier: Modifier | None, anchor: Anchor = Anchor.publication) -> Meaning:
    return Meaning(day, day, Precision.day, modifier, day.isoformat(), True, anchor)


def _shifted(ctx: Context, kind: str, shift: int, modifier: Modifier | None) -> Meaning | None:
    """The week, month, quarter, half or year ``shift`` cycles from the reference's."""
    ref = ctx.reference
    if kind == "day":
        return _day(ref + timedelta(days=shift), modifier)
    if kind == "week":
        return _week(ref + timedelta(weeks=shift), modifier)
    if kind in ("month", "half_year"):
        return _shifted_month(ctx, shift * (6 if kind == "half_year" else 1), modifier)
    if kind == "year":
        return _fixed(Unit(Precision.year), ctx, modifier, ref.year + shift, Anchor.publication)
    size = 3 if kind == "quarter" else 6
    index = ref.year * (12 // size) + (ref.month - 1) // size + shift
    precision = Precision.quarter if kind == "quarter" else Precision.half
    unit = Unit(precision, number=index % (12 // size) + 1)
    return _fixed(unit, ctx, modifier, index // (12 // size), Anchor.publication)


def relative(m: re.Match, ctx: Context) -> Meaning | None:
    """«на прошлой неделе», «в этом месяце», «в прошлом квартале», «в следующем году»."""
    if not ctx.reference:
        return None
    return _shifted(ctx, lx.UNIT_NOUNS[m["rel_u"].lower()], lx.relative_shift(m["rel_r"]),
                    _approx(m))


def weekday(m: re.Match, ctx: Context) -> Meaning | None:
    """«во вторник», «в прошлый вторник», «в эту пятницу».

    Without a publication date, «в прошлую пятницу» counts from the day the story last
    named in full («21 ноября 2023 года … отстранивший его в прошлую пятницу»), as «накануне» does.
    """
    if not (m["wd_r"] or m["prep"] or ctx.whole):
        return None
    ref, anchor = ctx.reference, Anchor.publication
    if ref is None and m["wd_r"] and ctx.previous and ctx.previous.precision is Precision.day:
        ref, anchor = ctx.previous.start, Anchor.previous_mention
    if ref is None:
        return None
    word = m["wd_d"].lower()
    if word in lx.AMBIGUOUS_WEEKDAYS and governs_noun(m.string, m.end()):
        return None
    target = lx.WEEKDAYS[word]
    if m["wd_r"]:
        day = ref - timedelta(days=ref.weekday()) + timedelta(
            days=target, weeks=lx.relative_shift(m["wd_r"]))
    else:
        day = ref - timedelta(days=(ref.weekday() - target) % 7)
    return _day(day, _approx(m), anchor)


def relative_day(m: re.Match, ctx: Context) -> Meaning | None:
    """«вчера», «позавчера», «сегодня», «накануне» (not «накануне выборов», nor «на сегодня»)."""
    word = m["rday"].lower()
    if word == "накануне" and governs_noun(m.string, m.end()):
        return None
    if word == "сегодня" and (m["prep"] or "").lower() == "на":
        return None  # «самая мощная на сегодня модель»: as of now, not a date
    if ctx.reference:
        return _day(ctx.reference + timedelta(days=lx.RELATIVE_DAYS[word]), _approx(m))
    if word == "накануне" and ctx.previous and ctx.previous.precision is Precision.day:
        return _day(ctx.previous.start - timedelta(days=1), _approx(m), Anchor.previous_mention)
    return None


def ago(m: re.Match, ctx: Context) -> Meaning | None:
    """«3 дня назад», «неделю назад», «полгода назад».

    «Через неделю» is left out: in news it usually counts from a narrated event
    («через неделю веса утекли»), not from the publication.
    """
    if not ctx.reference:
        return None
    number = (m["ago_n"] or "1").lower()
    count = int(number) if number.isdigit() else lx.CARDINALS[number]
    return _shifted(ctx, lx.AGO_UNITS[m["ago_u"].lower()], -count, _approx(m))


def written(m: re.Match, ctx: Context) -> Meaning | None:
    """Numeric and English dates, read by dateparser: «24.02.2023», «March 3, 2023»."""
    found = parse_absolute(m[m.lastgroup])
    if found is None or not valid_year(found[0].year):
        return None
    day, precision = found[0].date(), found[1]
    if precision is Precision.day:
        return Meaning(day, day, precision, _approx(m), day.isoformat(), False, Anchor.none)
    if precision is Precision.month:
        return Meaning(day.replace(day=1), month_end(day.year, day.month), precision,
                       _approx(m), f"{day.year:04d}-{day.month:02d}", False, Anchor.none)
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
    "dmy": day_month, "part": part, "qtr": quarter, "half": half, "ssn": season,
    "mon": month, "dec": decade, "yr": year, "rel": relative, "wd": weekday,
    "rday": relative_day, "ago": ago, "num": written, "en": written,
}
