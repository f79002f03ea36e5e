"""Putting articles into the knowledge base: one transaction per article, idempotent.

An article is stored once (by content hash); its events are merged into the events already
known when they are the same event, reported again: same kind, a shared participant, and
dates that agree. The merged event keeps every source's evidence and the most precise date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col, select

from kb.articles import ArticleFileError, content_hash, find_article_files, read_article
from kb.dates import Anchor, ResolvedDate
from kb.db import session_scope
from kb.entities import family_parents, family_root
from kb.extract import ExtractedEvent, extract_events
from kb.gazetteer import sync_gazetteer
from kb.extract.matcher import EntityMatcher
from kb.models import Article, ArticleCreate, Event, EventModel, EventOrganization, Evidence, Role
from kb.years import complete_year, infer_missing_years

# Organizations that tie two reports to one event; platforms, outlets and developers
# inferred from the knowledge base are too common to do so.
_IDENTIFYING_ROLES = {Role.subject, Role.investor, Role.target, Role.regulator, Role.partner}


@dataclass
class IngestResult:
    article_id: int
    created: list[int] = field(default_factory=list)  # event ids
    merged: list[int] = field(default_factory=list)


@dataclass
class SeedReport:
    stored: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    events_created: int = 0
    events_merged: int = 0
    years_completed: int = 0


def ingest_article(session: Session, article: ArticleCreate, matcher: EntityMatcher) -> IngestResult | None:
    """Store one article and its events in ``session``; None when the same content is stored already."""
    digest = content_hash(article)
    if session.exec(select(Article.id).where(Article.content_hash == digest)).first() is not None:
        return None
    row = Article.model_validate(article, update={"content_hash": digest})
    session.add(row)
    session.flush()
    result = IngestResult(article_id=row.id)
    for extracted in extract_events(row.title, row.text, row.published, matcher):
        event = _matching_event(session, extracted)
        if event is None:
            event = _new_event(session, extracted)
            result.created.append(event.id)
        else:
            _refine_date(event, extracted.date, extracted.title)
            result.merged.append(event.id)
        _link(session, event, extracted, row)
    return result


def seed_paths(
    engine: sa.Engine,
    paths: Iterable[Path],
    published: date | None = None,
    on_file: Callable[[Path], None] | None = None,
) -> SeedReport:
    """Ingest article files and folders; a file that fails is reported and the rest go in.

    The gazetteer is loaded first. ``on_file`` is called after each file (for progress).
    """
    report = SeedReport()
    with session_scope(engine) as session:
        sync_gazetteer(session)
    with Session(engine) as session:
        matcher = EntityMatcher.from_session(session)
    for path in find_article_files(paths):
        try:
            article = read_article(path, published)
            with session_scope(engine) as session:
                result = ingest_article(session, article, matcher)
        except ArticleFileError as exc:
            report.failed.append((path, exc.reason))
        except sa.exc.IntegrityError:
            # Another process stored the same content between our check and our insert.
            report.unchanged.append(path)
        else:
            if result is None:
                report.unchanged.append(path)
            else:
                report.stored.append(path)
                report.events_created += len(result.created)
                report.events_merged += len(result.merged)
        if on_file is not None:
            on_file(path)
    with session_scope(engine) as session:
        report.years_completed = infer_missing_years(session)
    return report


# --- one extracted event into the knowledge base ----------------------------------------------


def _date_fields(when: ResolvedDate | None) -> dict:
    if when is None:
        return {}
    fields = {
        "date_start": when.start,
        "date_end": when.end,
        "precision": when.precision,
        "modifier": when.modifier,
        "date_value": when.value,
        "date_text": when.text,
        "year_inferred": when.year_inferred,
        "year_inference_reason": None,
    }
    if when.year_inferred:
        fields["year_inference_reason"] = (
            "год взят из даты публикации статьи"
            if when.anchor is Anchor.publication
            else "год взят из предыдущей датированной фразы статьи"
        )
    return fields


def _new_event(session: Session, extracted: ExtractedEvent) -> Event:
    event = Event(kind=extracted.kind, title=extracted.title, **_date_fields(extracted.date))
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
    if extracted.models:
        roots = {family_root(parents, m) for m in extracted.models}
        family = [m for m in parents if family_root(parents, m) in roots]
        candidates = candidates.where(
            col(Event.id).in_(select(EventModel.event_id).where(col(EventModel.model_id).in_(family)))
        )
    else:
        orgs = [org_id for org_id, role in extracted.organizations if role in _IDENTIFYING_ROLES]
        if not orgs:
            return None
        candidates = candidates.where(
            col(Event.id).in_(
                select(EventOrganization.event_id).where(
                    col(EventOrganization.organization_id).in_(orgs),
                    col(EventOrganization.role).in_(_IDENTIFYING_ROLES),
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


def _refine_date(event: Event, when: ResolvedDate | None, title: str) -> None:
    """Keep the most precise of the dates reported for the same event."""
    if when is None or when.start is None:
        return
    if event.date_start is None or (when.end - when.start) < (event.date_end - event.date_start):
        for name, value in _date_fields(when).items():
            setattr(event, name, value)


def _link(session: Session, event: Event, extracted: ExtractedEvent, article: Article) -> None:
    known_models = set(session.exec(select(EventModel.model_id).where(EventModel.event_id == event.id)))
    for model_id in extracted.models:
        if model_id not in known_models:
            session.add(EventModel(event_id=event.id, model_id=model_id))
    known_orgs = set(session.exec(select(EventOrganization.organization_id).where(EventOrganization.event_id == event.id)))
    for org_id, role in extracted.organizations:
        if org_id not in known_orgs:
            session.add(EventOrganization(event_id=event.id, organization_id=org_id, role=role))
            known_orgs.add(org_id)
    session.add(
        Evidence(
            event_id=event.id,
            article_id=article.id,
            quote=article.text[extracted.quote_start : extracted.quote_end],
            char_start=extracted.quote_start,
            char_end=extracted.quote_end,
        )
    )
    session.add(event)
    session.flush()
