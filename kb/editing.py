"""Changes people make to the knowledge base: articles submitted, events corrected or deleted.

Each function works in the caller's session and records an audit entry (``kb.audit``) in it,
so that the change and its record are committed together; the caller commits. An event's
search document (``kb.search``: its title and quotes) is rebuilt when a correction changes it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlmodel import Session, col, delete, select

from kb.articles import content_hash
from kb.audit import record_change
from kb.dates import Precision, interval_for_value
from kb.dates.model import week_value
from kb.extract import extract_events
from kb.extract.matcher import EntityMatcher
from kb.gazetteer import sync_gazetteer
from kb.ingest import finish_events, in_transaction, ingest_article
from kb.models import (
    AIModel,
    Article,
    ArticleCreate,
    AuditAction,
    Event,
    EventKind,
    EventModel,
    EventOrganization,
    EventPerson,
    Evidence,
    Organization,
    Person,
    Role,
)
from kb.search import index_event
from kb.years import infer_missing_years


# Ids are INTEGER columns: a larger number names no record, and would overflow the driver.
MAX_RECORD_ID = 2**31 - 1
RecordIdValue = Annotated[int, Field(ge=1, le=MAX_RECORD_ID)]


class RecordNotFound(LookupError):
    """No record of kind ``entity`` has id ``record_id``."""

    def __init__(self, entity: str, record_id: int):
        super().__init__(f"no {entity} with id {record_id}")
        self.entity = entity
        self.record_id = record_id


class EditError(ValueError):
    """A change that cannot be made as asked; ``field`` names the offending field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


# --- the shape of a correction ------------------------------------------------------------------


class OrganizationLink(BaseModel):
    id: RecordIdValue
    role: Role


class PersonLink(BaseModel):
    id: RecordIdValue
    role: Role = Role.subject


class EventPatch(BaseModel):
    """A correction of an event: the fields given are changed, the others left as they are.

    A list of links, when given, replaces the event's links of that kind. Setting
    ``date_start`` and ``date_end`` to null makes the date unknown.
    """

    model_config = ConfigDict(extra="forbid")

    kind: EventKind | None = None
    title: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    date_start: date | None = None
    date_end: date | None = None
    precision: Precision | None = Field(default=None, description="Defaults to day when the date is a single day.")
    confidence: Annotated[float, Field(ge=0, le=1)] | None = None
    organizations: list[OrganizationLink] | None = None
    models: list[RecordIdValue] | None = None
    people: list[PersonLink] | None = None

    @field_validator("kind", "title", "confidence", "organizations", "models", "people")
    @classmethod
    def _not_null(cls, value):
        # Only called for fields that were given: these may be left out, but not emptied.
        if value is None:
            raise ValueError("may be left out, but not null")
        return value

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        if "\x00" in value:
            # PostgreSQL cannot store it; refused on every engine alike.
            raise ValueError("must not contain NUL characters")
        return value.strip()

    @model_validator(mode="after")
    def _dates_in_order(self) -> EventPatch:
        if self.date_start and self.date_end and self.date_start > self.date_end:
            raise ValueError(f"date_start ({self.date_start}) is after date_end ({self.date_end})")
        return self


# --- events -------------------------------------------------------------------------------------


def event_snapshot(session: Session, event: Event) -> dict:
    """An event as the audit trail keeps it: its fields and its links, ready for JSON."""
    organizations = session.exec(
        select(EventOrganization.organization_id, Organization.name, EventOrganization.role)
        .join(Organization, Organization.id == EventOrganization.organization_id)
        .where(EventOrganization.event_id == event.id)
        .order_by(col(EventOrganization.organization_id), col(EventOrganization.role))
    )
    models = session.exec(
        select(AIModel.id, AIModel.name)
        .join(EventModel, EventModel.model_id == AIModel.id)
        .where(EventModel.event_id == event.id)
        .order_by(col(AIModel.id))
    )
    people = session.exec(
        select(EventPerson.person_id, Person.name, EventPerson.role)
        .join(Person, Person.id == EventPerson.person_id)
        .where(EventPerson.event_id == event.id)
        .order_by(col(EventPerson.person_id), col(EventPerson.role))
    )
    return {
        **event.model_dump(mode="json", exclude={"id", "created_at"}),
        "organizations": [{"id": i, "name": name, "role": role.value} for i, name, role in organizations],
        "models": [{"id": i, "name": name} for i, name in models],
        "people": [{"id": i, "name": name, "role": role.value} for i, name, role in people],
    }


def update_event(session: Session, event_id: int, patch: EventPatch, actor: str) -> Event:
    """Apply a correction to an event; the audit entry keeps the event before and after.

    Raises ``RecordNotFound`` for an unknown event and ``EditError`` for a change that does
    not fit the event (a date range out of order, a link to an unknown entity).
    """
    event = _event(session, event_id)
    before = event_snapshot(session, event)
    given = patch.model_fields_set
    for name in ("kind", "title", "confidence"):
        if name in given:
            setattr(event, name, getattr(patch, name))
    if given & {"date_start", "date_end", "precision"}:
        _set_date(event, patch)
    if "organizations" in given:
        links = {(link.id, link.role): None for link in patch.organizations}
        _check_exist(session, Organization, "organizations", {org_id for org_id, _ in links}, "organization")
        session.exec(delete(EventOrganization).where(col(EventOrganization.event_id) == event_id))
        session.add_all(EventOrganization(event_id=event_id, organization_id=i, role=role) for i, role in links)
    if "models" in given:
        model_ids = dict.fromkeys(patch.models)
        _check_exist(session, AIModel, "models", set(model_ids), "model")
        session.exec(delete(EventModel).where(col(EventModel.event_id) == event_id))
        session.add_all(EventModel(event_id=event_id, model_id=i) for i in model_ids)
    if "people" in given:
        people = {(link.id, link.role): None for link in patch.people}
        _check_exist(session, Person, "people", {person_id for person_id, _ in people}, "person")
        session.exec(delete(EventPerson).where(col(EventPerson.event_id) == event_id))
        session.add_all(EventPerson(event_id=event_id, person_id=i, role=role) for i, role in people)
    session.add(event)
    session.flush()
    after = event_snapshot(session, event)
    if after != before:
        record_change(session, actor, AuditAction.update, "event", event_id, before, after)
    if after["title"] != before["title"]:
        index_event(session, event_id)
    return event


def delete_event(session: Session, event_id: int, actor: str) -> None:
    """Delete an event with its links and evidence; its articles stay. The audit keeps it whole."""
    event = _event(session, event_id)
    before = event_snapshot(session, event)
    before["sources"] = [
        {"article_id": article_id, "quote": quote, "char_start": start, "char_end": end}
        for article_id, quote, start, end in session.exec(
            select(Evidence.article_id, Evidence.quote, Evidence.char_start, Evidence.char_end)
            .where(Evidence.event_id == event_id)
            .order_by(col(Evidence.id))
        )
    ]
    # Links, evidence and the search document go with it (ON DELETE CASCADE).
    session.delete(event)
    session.flush()
    record_change(session, actor, AuditAction.delete, "event", event_id, before, None)


def _event(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id) if 1 <= event_id <= MAX_RECORD_ID else None
    if event is None:
        raise RecordNotFound("event", event_id)
    return event


def _check_exist(session: Session, table, field_name: str, ids: set[int], what: str) -> None:
    known = set(session.exec(select(table.id).where(col(table.id).in_(ids)))) if ids else set()
    if missing := sorted(ids - known):
        raise EditError(field_name, f"no {what} with id {', '.join(map(str, missing))}")


def _set_date(event: Event, patch: EventPatch) -> None:
    """Set a date a person gave: it replaces what was read from the articles."""
    given = patch.model_fields_set
    start = patch.date_start if "date_start" in given else event.date_start
    end = patch.date_end if "date_end" in given else event.date_end
    precision = patch.precision if "precision" in given else event.precision
    if (start is None) != (end is None):
        missing = "date_end" if end is None else "date_start"
        raise EditError(missing, "date_start and date_end are given together, or both null for an unknown date")
    if start is None:
        event.date_start = event.date_end = event.precision = event.date_value = None
    else:
        if start > end:
            offending = "date_start" if "date_start" in given else "date_end"
            raise EditError(offending, f"date_start ({start}) is after date_end ({end})")
        if "precision" not in given and (start == end or event.precision is None):
            precision = Precision.day if start == end else None
        if precision is None:
            raise EditError("precision", "precision is needed for a date range")
        event.date_start, event.date_end, event.precision = start, end, precision
        event.date_value = timex_value(start, end, precision)
    # The expression read from an article no longer describes the date, nor does its inference.
    event.date_text = event.modifier = event.year_inference_reason = event.date_source = None
    event.year_inferred = False


_SEASON_OF_MONTH = {12: "WI", 1: "WI", 2: "WI", 3: "SP", 4: "SP", 5: "SP", 6: "SU", 7: "SU", 8: "SU"}

_UNIT_VALUE = {
    Precision.day: lambda d: d.isoformat(),
    Precision.week: week_value,
    Precision.month: lambda d: f"{d.year:04d}-{d.month:02d}",
    Precision.season: lambda d: f"{d.year + (d.month == 12):04d}-{_SEASON_OF_MONTH.get(d.month, 'FA')}",
    Precision.quarter: lambda d: f"{d.year:04d}-Q{(d.month - 1) // 3 + 1}",
    Precision.half: lambda d: f"{d.year:04d}-H{1 if d.month <= 6 else 2}",
    Precision.year: lambda d: f"{d.year:04d}",
    Precision.decade: lambda d: f"{d.year // 10:03d}",
}


def timex_value(start: date, end: date, precision: Precision) -> str:
    """The TIMEX3 value of an interval: one unit of its precision («2023-03»), else «start/end».

    >>> timex_value(date(2023, 3, 1), date(2023, 3, 31), Precision.month)
    '2023-03'
    >>> timex_value(date(2023, 3, 1), date(2023, 3, 5), Precision.day)
    '2023-03-01/2023-03-05'
    """
    value = _UNIT_VALUE[precision](start)
    if interval_for_value(value) == (start, end, precision):
        return value
    return f"{start.isoformat()}/{end.isoformat()}"


# --- articles -----------------------------------------------------------------------------------


@dataclass
class SubmittedArticle:
    """The outcome of ``submit_article``."""

    article_id: int
    stored: bool  # False when the same content was stored already
    event_ids: list[int]  # every event the article is a source of
    created: list[int] = field(default_factory=list)  # those it revealed (the rest were known)


def submit_article(engine: sa.Engine, article: ArticleCreate, actor: str) -> SubmittedArticle:
    """Ingest one article through the same pipeline as ``kb seed``; idempotent by content.

    Stores nothing when the same headline and text are stored already (``stored`` False).
    A knowledge base without entities gets the gazetteer first, as ``kb seed`` loads it;
    years left unknown are completed afterwards, as at the end of a seed run. The audit
    records the article, each event it revealed, and each known event it adds a source to.
    As ``kb seed`` does, the events are extracted before the storing transaction begins:
    concurrent submissions extract at once and store one at a time.
    """
    with Session(engine) as session:
        if (known := _article_id(session, content_hash(article))) is not None:
            return SubmittedArticle(known, False, _events_of(session, known))
        without_entities = session.exec(select(Organization.id).limit(1)).first() is None
    if without_entities:
        in_transaction(engine, sync_gazetteer)
    with Session(engine) as session:
        matcher = EntityMatcher.from_session(session, reviewed_only=True)
    extracted = extract_events(article.title, article.text, article.published, matcher)

    def store(session: Session) -> SubmittedArticle:
        # A copy: storing rewrites the ids of new entities, and a lost race runs this again.
        result = ingest_article(session, article, matcher, copy.deepcopy(extracted))
        if result is None:  # stored by another writer since the check above
            known = _article_id(session, content_hash(article))
            return SubmittedArticle(known, False, _events_of(session, known))
        finish_events(session, set(result.created + result.merged))
        infer_missing_years(session)
        _record_submission(session, actor, result.article_id, result.created)
        return SubmittedArticle(result.article_id, True, _events_of(session, result.article_id), list(result.created))

    return in_transaction(engine, store)


def _record_submission(session: Session, actor: str, article_id: int, created: list[int]) -> None:
    """The audit of a stored article: the article, and each event it revealed or added a source to."""
    event_ids = _events_of(session, article_id)
    row = session.get(Article, article_id)
    summary = row.model_dump(mode="json", exclude={"text", "ingested_at"}) | {"events": event_ids}
    record_change(session, actor, AuditAction.create, "article", row.id, None, summary)
    for event_id in event_ids:
        # A known event's state before is not kept: the pipeline picked it while ingesting.
        after = event_snapshot(session, session.get(Event, event_id)) | {"source_added": row.id}
        record_change(session, actor, AuditAction.create if event_id in created else AuditAction.update, "event", event_id, None, after)


def _article_id(session: Session, digest: str) -> int | None:
    return session.exec(select(Article.id).where(Article.content_hash == digest)).first()


def _events_of(session: Session, article_id: int) -> list[int]:
    return list(
        session.exec(
            select(Evidence.event_id).where(Evidence.article_id == article_id).distinct().order_by(col(Evidence.event_id))
        )
    )
