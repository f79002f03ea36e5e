"""Inferring the year of a date written without one («3 марта») from the knowledge base.

An article with no publication date leaves «3 марта» without a year. The knowledge base
still bounds it: an event about a model cannot precede that model's first known event, so
the year is the first in which the date falls on or after it. A weekday written with the
date («в четверг, 19 сентября») leaves only the years in which that day is that weekday:
with a bound, the first of them after it; without one, the most recent that has passed
(they are five or six years apart, so news dates rarely leave a doubt). Nothing known,
nothing inferred: the year stays unknown rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from kb.dates import Modifier, Precision, interval_for_value, named_weekday
from kb.entities import family_parents, family_root, with_descendants
from kb.models import AIModel, DateSource, Event, EventModel
from kb.titles import KIND_LABELS

UNKNOWN_YEAR = "XXXX"
# A day and month fall on the same weekday every 5, 6 or 11 years; look back past that.
WEEKDAY_LOOKBACK_YEARS = 12
_DAY_WITHOUT_YEAR = re.compile(rf"{UNKNOWN_YEAR}-\d\d-\d\d")


@dataclass(frozen=True)
class YearInference:
    start: date
    end: date
    precision: Precision
    reason: str


def is_year_unknown(value: str | None) -> bool:
    return bool(value) and value.startswith(UNKNOWN_YEAR)


def infer_year(
    session: Session,
    value: str,
    modifier: Modifier | None,
    date_text: str,
    model_ids: list[int],
    *,
    exclude_event: int | None = None,
    today: date | None = None,
) -> YearInference | None:
    """Complete a year-less TIMEX value (``XXXX-03-03``) from the events known about its models."""
    today = today or date.today()
    weekday = named_weekday(date_text)
    first = _first_known_event(session, model_ids, exclude_event)
    if first is None:
        return None if weekday is None else _latest_year_of_weekday(value, modifier, date_text, weekday, today)
    first_date, first_kind, model_name = first
    for year in range(first_date.year, today.year + 1):
        interval = interval_for_value(value.replace(UNKNOWN_YEAR, str(year), 1), modifier)
        if interval is None:
            return None
        start, end, precision = interval
        if weekday is not None and (precision is not Precision.day or start.weekday() != weekday):
            continue
        if end >= first_date:
            if start > today:
                return None
            reason = (
                f"первое известное событие {model_name} ({first_kind}) — {first_date.isoformat()}; "
                f"«{date_text}» впервые приходится на время после него в {year} году"
            )
            return YearInference(start, end, precision, reason)
    return None


def _latest_year_of_weekday(
    value: str, modifier: Modifier | None, date_text: str, weekday: int, today: date
) -> YearInference | None:
    if not _DAY_WITHOUT_YEAR.fullmatch(value):
        return None
    for year in range(today.year, today.year - WEEKDAY_LOOKBACK_YEARS, -1):
        interval = interval_for_value(value.replace(UNKNOWN_YEAR, str(year), 1), modifier)
        if interval is None:
            continue  # 29 February in a common year
        start, end, precision = interval
        if start <= today and start.weekday() == weekday:
            reason = f"«{date_text}»: ближайший прошедший год, в котором этот день приходится на этот день недели, — {year}"
            return YearInference(start, end, precision, reason)
    return None


def _first_known_event(session: Session, model_ids: list[int], exclude_event: int | None):
    if not model_ids:
        return None
    parents = family_parents(session)
    family = with_descendants(parents, {family_root(parents, m) for m in model_ids})
    query = (
        select(Event.date_start, Event.kind, AIModel.name)
        .join(EventModel, EventModel.event_id == Event.id)
        .join(AIModel, AIModel.id == EventModel.model_id)
        .where(col(EventModel.model_id).in_(family), col(Event.date_start).is_not(None))
        .order_by(Event.date_start, Event.id)
    )
    if exclude_event is not None:
        query = query.where(Event.id != exclude_event)
    row = session.exec(query).first()
    return None if row is None else (row[0], KIND_LABELS[row[1]].lower(), row[2])


def complete_year(session: Session, event: Event, model_ids: list[int], today: date | None = None) -> bool:
    """Give ``event`` the year the knowledge base implies, if its year is unknown and one is implied."""
    if not is_year_unknown(event.date_value):
        return False
    inference = infer_year(
        session, event.date_value, event.modifier, event.date_text or "", model_ids, exclude_event=event.id, today=today
    )
    if inference is None:
        return False
    event.date_start, event.date_end, event.precision = inference.start, inference.end, inference.precision
    event.date_value = event.date_value.replace(UNKNOWN_YEAR, str(inference.start.year), 1)
    event.year_inferred, event.year_inference_reason = True, inference.reason
    event.date_source = DateSource.knowledge_base
    return True


def infer_missing_years(session: Session, today: date | None = None) -> int:
    """Give a year to every stored event still without one, where the knowledge base now allows."""
    completed = 0
    for event in session.exec(select(Event).where(col(Event.date_value).like(f"{UNKNOWN_YEAR}%"))).all():
        model_ids = list(session.exec(select(EventModel.model_id).where(EventModel.event_id == event.id)))
        if complete_year(session, event, model_ids, today):
            session.add(event)
            completed += 1
    return completed
