"""Reading the knowledge base: the timeline with its filters and pages, and single records."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from kb.entities import family_parents, models_named, organizations_named, with_descendants
from kb.models import (
    AIModel,
    Alias,
    Article,
    Event,
    EventKind,
    EventModel,
    EventOrganization,
    Evidence,
    Organization,
)
from kb.public import (
    AIModelPublic,
    ArticleEventRef,
    ArticlePublic,
    DatePublic,
    EntityRefPublic,
    EventPublic,
    ModelRef,
    OrganizationPublic,
    OrganizationRef,
    SourcePublic,
    TimelinePage,
)

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000


class QueryError(ValueError):
    """A query parameter that cannot be honoured; ``param`` names it."""

    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class TimelineFilter:
    """Which events a timeline shows. Several values of one filter mean any of them.

    A model or organization is named by its canonical name or any alias; a model includes
    its variants (LLaMA includes LLaMA-13B). Dates select events whose interval meets
    [date_from, date_to]; events of unknown date are left out when either is given.
    """

    models: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    kinds: tuple[EventKind, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    def __post_init__(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise QueryError("from", f"'from' ({self.date_from}) is after 'to' ({self.date_to})")

    def fingerprint(self) -> str:
        """Ties a cursor to the query it was made for."""
        parts = [sorted(self.models), sorted(self.organizations), sorted(k.value for k in self.kinds)]
        parts += [str(self.date_from), str(self.date_to)]
        return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class _Position:
    """Where a page ended: events sort by start date (unknown last), then id."""

    start: date | None
    id: int
    fingerprint: str = field(default="")

    def encode(self) -> str:
        payload = {"s": self.start.isoformat() if self.start else None, "i": self.id, "f": self.fingerprint}
        return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str, fingerprint: str) -> _Position:
        try:
            payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            position = cls(date.fromisoformat(payload["s"]) if payload["s"] else None, int(payload["i"]), payload["f"])
        except (ValueError, KeyError, TypeError) as exc:
            raise QueryError("cursor", "not a cursor this API issued") from exc
        if position.fingerprint != fingerprint:
            raise QueryError("cursor", "this cursor belongs to a query with other filters")
        return position


def timeline(session: Session, filters: TimelineFilter, limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> TimelinePage:
    """One page of events in chronological order, and the cursor of the next page (or None)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError("limit", f"limit must be between 1 and {MAX_LIMIT}")
    query = _filtered_events(session, filters)
    if cursor:
        query = query.where(_after(_Position.decode(cursor, filters.fingerprint())))
    # One row more than asked tells whether another page follows.
    events = list(session.exec(query.limit(limit + 1)))
    following = None
    if len(events) > limit:
        events = events[:limit]
        following = _Position(events[-1].date_start, events[-1].id, filters.fingerprint()).encode()
    return TimelinePage(items=events_public(session, events), next=following)


def iter_timeline(session: Session, filters: TimelineFilter, page_size: int = 500) -> Iterator[EventPublic]:
    """Every event of a timeline, page by page, so that memory stays flat for any size."""
    cursor = None
    while True:
        page = timeline(session, filters, page_size, cursor)
        yield from page.items
        if page.next is None:
            return
        cursor = page.next


def _filtered_events(session: Session, filters: TimelineFilter):
    query = select(Event)
    if filters.kinds:
        query = query.where(col(Event.kind).in_(filters.kinds))
    if filters.models:
        named = {m.id for name in filters.models for m in models_named(session, name)}
        ids = with_descendants(family_parents(session), named)
        query = query.where(col(Event.id).in_(select(EventModel.event_id).where(col(EventModel.model_id).in_(ids))))
    if filters.organizations:
        ids = {o.id for name in filters.organizations for o in organizations_named(session, name)}
        query = query.where(
            col(Event.id).in_(select(EventOrganization.event_id).where(col(EventOrganization.organization_id).in_(ids)))
        )
    if filters.date_from:
        query = query.where(col(Event.date_end) >= filters.date_from)
    if filters.date_to:
        query = query.where(col(Event.date_start) <= filters.date_to)
    unknown_last = sa.case((col(Event.date_start).is_(None), 1), else_=0)
    return query.order_by(unknown_last, col(Event.date_start), col(Event.id))


def _after(position: _Position):
    if position.start is None:
        return sa.and_(col(Event.date_start).is_(None), col(Event.id) > position.id)
    return sa.or_(
        col(Event.date_start) > position.start,
        sa.and_(col(Event.date_start) == position.start, col(Event.id) > position.id),
        col(Event.date_start).is_(None),
    )


def events_public(session: Session, events: list[Event]) -> list[EventPublic]:
    """Events with their organizations, models and sources, in three queries for any number."""
    ids = [e.id for e in events]
    orgs: dict[int, list[OrganizationRef]] = {i: [] for i in ids}
    for link, org in session.exec(
        select(EventOrganization, Organization)
        .join(Organization, Organization.id == EventOrganization.organization_id)
        .where(col(EventOrganization.event_id).in_(ids))
        .order_by(col(EventOrganization.role), col(Organization.name))
    ):
        orgs[link.event_id].append(OrganizationRef(id=org.id, name=org.name, role=link.role))
    models: dict[int, list[ModelRef]] = {i: [] for i in ids}
    for event_id, model_id, name in session.exec(
        select(EventModel.event_id, AIModel.id, AIModel.name)
        .join(AIModel, AIModel.id == EventModel.model_id)
        .where(col(EventModel.event_id).in_(ids))
        .order_by(col(AIModel.name))
    ):
        models[event_id].append(ModelRef(id=model_id, name=name))
    sources: dict[int, list[SourcePublic]] = {i: [] for i in ids}
    for evidence, article in session.exec(
        select(Evidence, Article)
        .join(Article, Article.id == Evidence.article_id)
        .where(col(Evidence.event_id).in_(ids))
        .order_by(col(Article.published), col(Evidence.id))
    ):
        sources[evidence.event_id].append(
            SourcePublic(
                article_id=article.id,
                title=article.title,
                url=article.url or article.file_name,
                published=article.published,
                quote=evidence.quote,
                char_start=evidence.char_start,
                char_end=evidence.char_end,
            )
        )
    return [
        EventPublic(
            id=e.id,
            kind=e.kind,
            title=e.title,
            date=DatePublic(
                start=e.date_start,
                end=e.date_end,
                precision=e.precision,
                modifier=e.modifier,
                text=e.date_text,
                value=e.date_value,
                year_inferred=e.year_inferred,
                year_inference_reason=e.year_inference_reason,
            ),
            organizations=orgs[e.id],
            models=models[e.id],
            sources=sources[e.id],
        )
        for e in events
    ]


def get_event(session: Session, event_id: int) -> EventPublic | None:
    event = session.get(Event, event_id)
    return events_public(session, [event])[0] if event else None


# --- entities and articles ---------------------------------------------------------------------


def list_organizations(session: Session) -> list[OrganizationPublic]:
    return _organizations_public(session, list(session.exec(select(Organization).order_by(Organization.name))))


def get_organization(session: Session, org_id: int) -> OrganizationPublic | None:
    org = session.get(Organization, org_id)
    return _organizations_public(session, [org])[0] if org else None


def _organizations_public(session: Session, orgs: list[Organization]) -> list[OrganizationPublic]:
    ids = [o.id for o in orgs]
    aliases = _aliases(session, col(Alias.organization_id), ids)
    counts = dict(
        session.exec(
            select(EventOrganization.organization_id, func.count(func.distinct(EventOrganization.event_id)))
            .where(col(EventOrganization.organization_id).in_(ids))
            .group_by(EventOrganization.organization_id)
        ).all()
    )
    models: dict[int, list[EntityRefPublic]] = {i: [] for i in ids}
    for model in session.exec(select(AIModel).where(col(AIModel.developer_id).in_(ids)).order_by(AIModel.name)):
        models[model.developer_id].append(EntityRefPublic(id=model.id, name=model.name))
    return [
        OrganizationPublic(
            id=o.id,
            name=o.name,
            kind=o.kind,
            wikidata_id=o.wikidata_id,
            aliases=aliases.get(o.id, []),
            models=models[o.id],
            events=counts.get(o.id, 0),
        )
        for o in orgs
    ]


def list_models(session: Session) -> list[AIModelPublic]:
    return _models_public(session, list(session.exec(select(AIModel).order_by(AIModel.name))))


def get_model(session: Session, model_id: int) -> AIModelPublic | None:
    model = session.get(AIModel, model_id)
    return _models_public(session, [model])[0] if model else None


def _models_public(session: Session, models: list[AIModel]) -> list[AIModelPublic]:
    ids = [m.id for m in models]
    aliases = _aliases(session, col(Alias.model_id), ids)
    names = dict(session.exec(select(AIModel.id, AIModel.name)).all())
    org_names = dict(session.exec(select(Organization.id, Organization.name)).all())
    parents = family_parents(session)
    counts = dict(
        session.exec(
            select(EventModel.model_id, func.count()).where(col(EventModel.model_id).in_(ids)).group_by(EventModel.model_id)
        ).all()
    )
    children: dict[int, list[EntityRefPublic]] = {}
    for child, parent in sorted(parents.items(), key=lambda item: names[item[0]]):
        if parent is not None:
            children.setdefault(parent, []).append(EntityRefPublic(id=child, name=names[child]))
    return [
        AIModelPublic(
            id=m.id,
            name=m.name,
            family=EntityRefPublic(id=m.family_id, name=names[m.family_id]) if m.family_id else None,
            developer=EntityRefPublic(id=m.developer_id, name=org_names[m.developer_id]) if m.developer_id else None,
            parameters=m.parameters,
            wikidata_id=m.wikidata_id,
            aliases=aliases.get(m.id, []),
            variants=children.get(m.id, []),
            events=counts.get(m.id, 0),
        )
        for m in models
    ]


def _aliases(session: Session, owner_column, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for owner, text in session.exec(select(owner_column, Alias.text).where(owner_column.in_(ids)).order_by(Alias.id)):
        found.setdefault(owner, []).append(text)
    return found


def get_article(session: Session, article_id: int) -> ArticlePublic | None:
    article = session.get(Article, article_id)
    if article is None:
        return None
    events = session.exec(
        select(Event)
        .where(col(Event.id).in_(select(Evidence.event_id).where(Evidence.article_id == article_id)))
        .order_by(col(Event.date_start), col(Event.id))
    )
    return ArticlePublic(
        **article.model_dump(exclude={"ingested_at"}),
        events=[ArticleEventRef(id=e.id, kind=e.kind, title=e.title) for e in events],
    )
