"""Putting articles into the knowledge base: one transaction per article, idempotent.

An article is stored once (by content hash); its events are merged into the events already
known when they are the same event, reported again: same kind, a shared participant, and
dates that agree. The merged event keeps every source's evidence and the most precise date.

Each article's transaction also finishes its events (``finish_events``), so that whatever is
committed is a finished knowledge base: a seed run killed at any point leaves no article
half-stored and nothing for the next run to tidy up but the years it infers at its end.
Several processes may seed at once, and the API may store articles meanwhile: they extract
in parallel, and store one article at a time (``_begin_writing``), so that each sees every
event stored before it. A transaction that still loses a race with another writer (an edit
through the API: a row deleted or locked meanwhile) is run again.
"""

from __future__ import annotations

import copy
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col, select

from kb.articles import content_hash, find_article_files, publication_date_problem
from kb.dates import Anchor, ResolvedDate
from kb.db import begin_storing, session_scope
from kb.dedup import IDENTIFYING_ROLES, consolidate_events, date_wording_key, names_of_events, normalize_roles, retitle_event
from kb.entities import family_parents, family_root
from kb.extract import ExtractedEvent, extract_events
from kb.gazetteer import sync_gazetteer
from kb.extract.matcher import MODEL, ORGANIZATION, PERSON, EntityMatcher, EntityRef
from kb.learning import store_new_entities
from kb.parallel import prepared_articles
from kb.models import Article, ArticleCreate, DateSource, Event, EventKind, EventModel, EventOrganization, EventPerson, Evidence, Role
from kb.search import index_event
from kb.years import UNKNOWN_YEAR, complete_year, infer_missing_years

# Attempts at one transaction that keeps losing races with concurrent writers.
_ATTEMPTS = 8
# SQLSTATEs of a lost race on PostgreSQL: serialization failure, deadlock, unique and foreign key.
_RACE_SQLSTATES = frozenset({"40001", "40P01", "23505", "23503"})



@dataclass
class IngestResult:
    article_id: int
    created: list[int] = field(default_factory=list)  # event ids
    merged: list[int] = field(default_factory=list)
    consolidated: int = 0  # of ``created`` and ``merged``, how many finishing merged into others


@dataclass(frozen=True)
class DateNotApplied:
    """A file stored already under another publication date: an article is stored once, by its
    headline and text, so the date given now (its own, or ``--published``) changes nothing."""

    path: Path
    stored: date | None
    given: date | None


@dataclass
class SeedReport:
    """What a run stored, of article files (``kb seed``) or of pages (``kb fetch``, by URL)."""

    stored: list[Path | str] = field(default_factory=list)
    unchanged: list[Path | str] = field(default_factory=list)
    failed: list[tuple[Path | str, str]] = field(default_factory=list)
    dates_not_applied: list[DateNotApplied] = field(default_factory=list)
    events_created: int = 0
    events_merged: int = 0
    years_completed: int = 0

    def add(self, path: Path | str, result: IngestResult | None) -> None:
        """Count one article read: stored (``result``) or unchanged (None)."""
        if result is None:
            self.unchanged.append(path)
            return
        self.stored.append(path)
        self.events_created += len(result.created)
        self.events_merged += len(result.merged) + result.consolidated

    def summary(self) -> str:
        """The run's closing line: ``49 stored, 0 unchanged, 0 failed; events: 68 new, 19 merged, …``."""
        return (
            f"{len(self.stored)} stored, {len(self.unchanged)} unchanged, {len(self.failed)} failed; "
            f"events: {self.events_created} new, {self.events_merged} merged, "
            f"{self.years_completed} years inferred afterwards"
        )


def ingest_article(
    session: Session, article: ArticleCreate, matcher: EntityMatcher, extracted: list[ExtractedEvent] | None = None
) -> IngestResult | None:
    """Store one article and its events in ``session``; None when the same content is stored already.

    The events still need ``finish_events`` (merging, titles, roles, the search index).

    ``extracted``: the article's events, extracted beforehand (else here); their ids are rewritten.
    """
    digest = content_hash(article)
    if session.exec(select(Article.id).where(Article.content_hash == digest)).first() is not None:
        return None
    row = Article.model_validate(article, update={"content_hash": digest})
    session.add(row)
    session.flush()
    result = IngestResult(article_id=row.id)
    extracted_events = extract_events(row.title, row.text, row.published, matcher) if extracted is None else extracted
    stored = store_new_entities(session, [e for event in extracted_events for e in event.new_entities])
    for extracted in extracted_events:
        _use_stored_ids(extracted, stored)
        event = _matching_event(session, extracted)
        if event is None:
            event = _new_event(session, extracted)
            result.created.append(event.id)
        else:
            _refine_date(event, extracted)
            result.merged.append(event.id)
        _link(session, event, extracted, row)
    return result


def seed_paths(
    engine: sa.Engine,
    paths: Iterable[Path],
    published: date | None = None,
    on_file: Callable[[Path], None] | None = None,
    workers: int = 1,
) -> SeedReport:
    """Ingest article files and folders; a file that fails is reported and the rest go in.

    The gazetteer is loaded first. ``on_file`` is called after each file (for progress).
    With ``workers`` > 1, files are read and their events extracted by that many processes
    (``kb.parallel``), and stored here in the order given: the database is the same. A file
    stored already under another publication date is reported in ``dates_not_applied``.
    """
    problem = publication_date_problem(published) if published is not None else None
    if problem:
        raise ValueError(f"published: {problem}")
    report = SeedReport()
    touched: set[int] = set()
    in_transaction(engine, sync_gazetteer)
    with Session(engine) as session:
        matcher = EntityMatcher.from_session(session, reviewed_only=True)
        stored = set(session.exec(select(Article.content_hash))) if workers > 1 else set()
    for item in prepared_articles(find_article_files(paths), published, matcher, workers, stored):
        if item.error is not None:
            report.failed.append((item.path, item.error))
        else:
            result = store_article(engine, item.article, matcher, item.extracted)
            report.add(item.path, result)
            if result is not None:
                touched.update(result.created + result.merged)
            elif (stored_date := _stored_publication(engine, item.article)) != item.article.published:
                report.dates_not_applied.append(DateNotApplied(item.path, stored_date, item.article.published))
        if on_file is not None:
            on_file(item.path)
    report.years_completed, merged = finish_seeding(engine, touched)
    report.events_merged += merged
    return report


def store_article(
    engine: sa.Engine,
    article: ArticleCreate,
    matcher: EntityMatcher,
    extracted: list[ExtractedEvent] | None = None,
    along: Callable[[Session, IngestResult], None] | None = None,
) -> IngestResult | None:
    """Store one article and finish its events in one transaction; None when it is stored already.

    ``extracted``: its events, extracted beforehand (else here, before the transaction begins).
    ``along(session, result)`` runs in the same transaction once the article is stored, for a
    record that must be committed with it (the feed entry it came from, say).
    """
    if _is_stored(engine, article):
        return None
    if extracted is None:
        extracted = extract_events(article.title, article.text, article.published, matcher)

    def store(session: Session) -> IngestResult | None:
        # A copy: storing rewrites the ids of new entities, and a lost race runs this again.
        result = ingest_article(session, article, matcher, copy.deepcopy(extracted))
        if result is not None:
            result.consolidated = finish_events(session, set(result.created + result.merged))
            if along is not None:
                along(session, result)
        return result

    return in_transaction(engine, store)


def finish_seeding(engine: sa.Engine, touched: set[int]) -> tuple[int, int]:
    """The end of a seed run: infer the years the knowledge base now implies, and finish again
    the events touched (concurrent runs may have stored equal ones). Returns (years, merged)."""

    def finish(session: Session) -> tuple[int, int]:
        year_unknown = select(Event.id).where(col(Event.date_value).like(f"{UNKNOWN_YEAR}%"))
        unknown = set(session.exec(year_unknown))
        years = infer_missing_years(session)
        completed = unknown - set(session.exec(year_unknown))
        # Events merged away since (by this run or another) are gone.
        existing = set(session.exec(select(Event.id).where(col(Event.id).in_(touched)))) if touched else set()
        return years, finish_events(session, existing | completed)

    return in_transaction(engine, finish)


def in_transaction(engine: sa.Engine, work: Callable[[Session], object]):
    """``work(session)`` in a transaction of its own, committed; run again when it lost a race
    with a concurrent writer (a unique key taken, a row deleted or locked meanwhile)."""
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            with session_scope(engine) as session:
                _begin_writing(session)
                return work(session)
        except (sa.exc.DBAPIError, sa.orm.exc.StaleDataError) as exc:
            if attempt == _ATTEMPTS or not _lost_a_race(exc):
                raise
            time.sleep(random.uniform(0, 0.05 * attempt))  # so that the racers do not meet again


def _begin_writing(session: Session) -> None:
    """Make the transaction the only one storing articles until it ends, on any engine.

    What it reads then stays true until it commits: an event another transaction is storing
    cannot be missed and stored a second time (each would merge into nothing it can see).
    ``store_article`` extracts, the slow part, before the transaction begins.
    """
    begin_storing(session.connection())


def _lost_a_race(exc: Exception) -> bool:
    if isinstance(exc, sa.orm.exc.StaleDataError):  # a row deleted by another writer meanwhile
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _RACE_SQLSTATES
    return "database is locked" in str(exc.orig)  # SQLite: the busy timeout ran out


def _stored_publication(engine: sa.Engine, article: ArticleCreate) -> date | None:
    """The publication date of the stored article with ``article``'s content."""
    with Session(engine) as session:
        return session.exec(select(Article.published).where(Article.content_hash == content_hash(article))).one()


def _is_stored(engine: sa.Engine, article: ArticleCreate) -> bool:
    with Session(engine) as session:
        return session.exec(select(Article.id).where(Article.content_hash == content_hash(article))).first() is not None


def finish_events(session: Session, event_ids: set[int]) -> int:
    """After a batch of articles: merge their events with equal stored ones, then give each
    event left a title and roles computed from all its reports. Returns how many merged away."""
    kept = consolidate_events(session, event_ids)
    matcher = names_of_events(session, kept)
    for event_id in sorted(kept):
        event = session.get(Event, event_id)
        if event is None:  # merged away by a concurrent seed run
            continue
        normalize_roles(session, event_id)
        retitle_event(session, event, matcher)
        index_event(session, event_id)
    return len(event_ids - kept)


# --- one extracted event into the knowledge base ----------------------------------------------


def _use_stored_ids(extracted: ExtractedEvent, stored: dict[EntityRef, int]) -> None:
    """Replace the negative ids of newly learned entities by their stored ids."""

    def real(type_: str, entity_id: int) -> int:
        return stored[EntityRef(type_, entity_id)] if entity_id < 0 else entity_id

    extracted.models = list(dict.fromkeys(real(MODEL, m) for m in extracted.models))
    extracted.people = list(dict.fromkeys(real(PERSON, p) for p in extracted.people))
    extracted.organizations = list(dict.fromkeys((real(ORGANIZATION, o), role) for o, role in extracted.organizations))


def _date_fields(when: ResolvedDate | None, source: DateSource | None) -> dict:
    if when is None:
        return {}
    fields = {
        "date_source": source,
        "date_start": when.start,
        "date_end": when.end,
        "precision": when.precision,
        "modifier": when.modifier,
        "date_value": when.value,
        "date_text": when.text or None,
        "year_inferred": when.year_inferred,
        "year_inference_reason": None,
    }
    if when.year_inferred:
        fields["year_inference_reason"] = (
            "год взят из даты публикации статьи"
            if when.anchor is Anchor.publication
            else "год взят из другой датированной фразы статьи"
        )
    return fields


def _new_event(session: Session, extracted: ExtractedEvent) -> Event:
    event = Event(kind=extracted.kind, title=extracted.title, confidence=extracted.confidence, **_date_fields(extracted.date, extracted.date_source))
    complete_year(session, event, extracted.models)
    session.add(event)
    session.flush()
    return event


def _matching_event(session: Session, extracted: ExtractedEvent) -> Event | None:
    """The stored event this report is about, if any (None for an undated report: too risky)."""
    when = extracted.date
    if when is None:
        return None
    parents = family_parents(session)
    candidates = select(Event).where(Event.kind == extracted.kind).order_by(Event.id)
    if extracted.kind is EventKind.personnel and extracted.people:
        candidates = candidates.where(
            col(Event.id).in_(select(EventPerson.event_id).where(col(EventPerson.person_id).in_(extracted.people)))
        )
    elif extracted.models:
        roots = {family_root(parents, m) for m in extracted.models}
        family = [m for m in parents if family_root(parents, m) in roots]
        candidates = candidates.where(
            col(Event.id).in_(select(EventModel.event_id).where(col(EventModel.model_id).in_(family)))
        )
    else:
        orgs = [org_id for org_id, role in extracted.organizations if role in IDENTIFYING_ROLES]
        if not orgs:
            return None
        candidates = candidates.where(
            col(Event.id).in_(
                select(EventOrganization.event_id).where(
                    col(EventOrganization.organization_id).in_(orgs),
                    col(EventOrganization.role).in_(IDENTIFYING_ROLES),
                )
            )
        )
    for event in session.exec(candidates):
        if _dates_compatible(event, when):
            return event
    return None


def _dates_compatible(event: Event, when: ResolvedDate) -> bool:
    if event.date_value is None:
        return False
    if event.date_start is not None and when.start is not None:
        return event.date_start <= when.end and when.start <= event.date_end
    # At least one year unknown: the rest of the value must agree («XXXX-03-03» ~ «2023-03-03»).
    return event.date_value[4:] == when.value[4:] and len(when.value) > 4


def _refine_date(event: Event, extracted: ExtractedEvent) -> None:
    """Keep the most precise of the dates reported for the same event, and of the reports of
    that same date, the wording ``date_wording_key`` prefers, whichever came first."""
    when = extracted.date
    if when is None or when.start is None:
        return
    if (
        event.date_start is None
        or (when.end - when.start) < (event.date_end - event.date_start)
        or (
            (when.start, when.end) == (event.date_start, event.date_end)
            and date_wording_key(when.year_inferred, when.text) < date_wording_key(event.year_inferred, event.date_text)
        )
    ):
        for name, value in _date_fields(when, extracted.date_source).items():
            setattr(event, name, value)



def _link(session: Session, event: Event, extracted: ExtractedEvent, article: Article) -> None:
    known_models = set(session.exec(select(EventModel.model_id).where(EventModel.event_id == event.id)))
    for model_id in extracted.models:
        if model_id not in known_models:
            session.add(EventModel(event_id=event.id, model_id=model_id))
    known_people = set(session.exec(select(EventPerson.person_id).where(EventPerson.event_id == event.id)))
    for person_id in extracted.people:
        if person_id not in known_people:
            session.add(EventPerson(event_id=event.id, person_id=person_id, role=Role.subject))
    event.confidence = max(event.confidence, extracted.confidence)
    # Roles are the union of every report's, whatever the order they came in.
    known_roles = set(session.exec(select(EventOrganization.organization_id, EventOrganization.role).where(EventOrganization.event_id == event.id)))
    for org_id, role in extracted.organizations:
        if (org_id, role) not in known_roles:
            session.add(EventOrganization(event_id=event.id, organization_id=org_id, role=role))
            known_roles.add((org_id, role))
    quoted = session.exec(
        select(Evidence.id).where(
            Evidence.event_id == event.id, Evidence.article_id == article.id, Evidence.char_start == extracted.quote_start
        )
    ).first()
    if quoted is None:  # two reports in one article may join one event and quote one sentence
        session.add(
            Evidence(
                event_id=event.id,
                article_id=article.id,
                quote=article.text[extracted.quote_start : extracted.quote_end],
                char_start=extracted.quote_start,
                char_end=extracted.quote_end,
                background=extracted.background,
            )
        )
    session.add(event)
    session.flush()
