"""Handlers of expressions counted from the reference: days, weekdays, cycles, shifts.

Relative words («вчера», «на прошлой неделе», «в прошлый вторник», «3 дня назад»,
«через неделю») are resolved against the reference only; without one they are not
dates, except «накануне» and «в прошлую пятницу», which may count from the previous
dated mention.

* Weekdays: «во вторник» is the most recent Tuesday on or before the reference;
  «в прошлый/этот/следующий вторник» is the Tuesday of the previous/current/next ISO week.
* Shifts keep the precision of their unit: «3 дня назад» is a day, «неделю назад» the
  ISO week that held the day seven days before, «месяц назад» a month, «год назад» a
  year; «полгода» and «полтора года» are 6 and 18 months. «Через», «спустя» and «в
  течение» count forward the same way («в течение суток» is the day after, the end
  of the time allowed). «Несколько» is two to nine units, one interval, modifier
  ``approx``; «пару» is two.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from kb.dates import lexicon as lx
from kb.dates.model import Anchor, Modifier, Precision, add_months, week_interval, week_value
from kb.dates.morph import governs_noun
from kb.dates.units import Context, Meaning, Unit, resolve_in_year


def approx(m: re.Match) -> Modifier | None:
    """``approx`` when an approximation word («около», «примерно») was written before."""
    return Modifier.approx if m["approx"] else None


def _week(day: date, modifier: Modifier | None) -> Meaning:
    start, end = week_interval(*day.isocalendar()[:2])
    return Meaning(start, end, Precision.week, modifier, week_value(day), True,
                   Anchor.publication)


def _day(day: date, modifier: Modifier | None, anchor: Anchor = Anchor.publication) -> Meaning:
    return Meaning(day, day, Precision.day, modifier, day.isoformat(), True, anchor)


def shifted_month(ctx: Context, shift: int, modifier: Modifier | None) -> Meaning | None:
    """The month ``shift`` months from the reference's (or the previous mention's)."""
    base = ctx.reference or (ctx.previous.start if ctx.previous else None)
    if base is None:
        return None
    first = add_months(base, shift)
    anchor = Anchor.publication if ctx.reference else Anchor.previous_mention
    return resolve_in_year(Unit(Precision.month, month=first.month), ctx, modifier,
                           first.year, anchor)


def _shifted(ctx: Context, kind: str, shift: int, modifier: Modifier | None) -> Meaning | None:
    """The day, week, month, quarter, half or year ``shift`` cycles from the reference's."""
    ref = ctx.reference
    if kind == "day":
        return _day(ref + timedelta(days=shift), modifier)
    if kind == "week":
        return _week(ref + timedelta(weeks=shift), modifier)
    if kind == "month":
        return shifted_month(ctx, shift, modifier)
    if kind == "year":
        return resolve_in_year(Unit(Precision.year), ctx, modifier, ref.year + shift,
                               Anchor.publication)
    size = 3 if kind == "quarter" else 6
    index = ref.year * (12 // size) + (ref.month - 1) // size + shift
    precision = Precision.quarter if kind == "quarter" else Precision.half
    unit = Unit(precision, number=index % (12 // size) + 1)
    return resolve_in_year(unit, ctx, modifier, index // (12 // size), Anchor.publication)


def _counted(m: re.Match, p: str, ctx: Context, sign: int) -> Meaning | None:
    """«3 дня назад» (sign -1) or «через 3 дня» (sign +1): the unit's cycle that far away."""
    if not ctx.reference:
        return None
    kind, per = lx.shift_unit(m[f"{p}_u"])
    count = lx.count_number(m[f"{p}_n"]) if m[f"{p}_n"] else 1
    if count is not None:
        return _shifted(ctx, kind, sign * count * per, approx(m))
    near, far = (_shifted(ctx, kind, sign * n * per, None) for n in lx.SEVERAL_RANGE)
    if near is None or far is None:
        return None
    first, last = (near, far) if sign > 0 else (far, near)
    return Meaning(first.start, last.end, first.precision, Modifier.approx,
                   f"{first.value}/{last.value}", True, Anchor.publication)


def relative(m: re.Match, ctx: Context) -> Meaning | None:
    """«на прошлой неделе», «в этом месяце», «в прошлом квартале», «в след г»."""
    if not ctx.reference:
        return None
    unit = lx.cycle_unit(m["rel_u"] or m["rel_ua"])
    return _shifted(ctx, unit, lx.relative_shift(m["rel_r"] or m["rel_ra"]), approx(m))


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
    return _day(day, approx(m), anchor)


def relative_day(m: re.Match, ctx: Context) -> Meaning | None:
    """«вчера», «позавчера», «сегодня», «накануне» (not «накануне выборов», nor «на сегодня»)."""
    word = m["rday"].lower()
    if word == "накануне" and governs_noun(m.string, m.end()):
        return None
    if word == "сегодня" and (m["prep"] or "").lower() == "на":
        return None  # «самая мощная на сегодня модель»: as of now, not a date
    if ctx.reference:
        return _day(ctx.reference + timedelta(days=lx.RELATIVE_DAYS[word]), approx(m))
    if word == "накануне" and ctx.previous and ctx.previous.precision is Precision.day:
        return _day(ctx.previous.start - timedelta(days=1), approx(m), Anchor.previous_mention)
    return None


def ago(m: re.Match, ctx: Context) -> Meaning | None:
    """«3 дня назад», «неделю назад», «полгода назад», «двое суток назад», «5 дн назад»."""
    return _counted(m, "ago", ctx, -1)


def later(m: re.Match, ctx: Context) -> Meaning | None:
    """«через неделю», «через 3 дня», «спустя полгода», «в течение суток».

    Counted from the publication, as «назад» is; a narrated «через неделю веса утекли»
    comes out in the future, which a reader of reported events sets aside.
    """
    return _counted(m, "later", ctx, 1)
