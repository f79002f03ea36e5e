"""Single records of the knowledge base, as the API, the CLI and the exports show them.

Events with their organizations, models, people and sources; organizations, models and
people with their aliases and event counts; articles with their events. Each list is built
in a fixed number of queries, whatever its length.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, func, select

from kb.entities import family_parents
from kb.models import (
    AIModel,
    Alias,
    Article,
    Event,
    EventModel,
    EventOrganization,
    EventPerson,
    Evidence,
    Organization,
    Person,
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
    PersonPublic,
    PersonRef,
    SourcePublic,
)


def events_public(session: Session, events: Sequence[Event]) -> list[EventPublic]:
    """Events (rows with ``Event``'s attributes) with their organizations, models, people and
    sources, in four queries for any number.

    The queries read columns, not ORM objects, and the values, typed by the schema, are not
    validated again: an export builds millions of these.
    """
    ids = [e.id for e in events]
    orgs: dict[int, list[OrganizationRef]] = {i: [] for i in ids}
    for event_id, role, org_id, name in session.exec(
        select(EventOrganization.event_id, EventOrganization.role, Organization.id, Organization.name)
        .join(Organization, Organization.id == EventOrganization.organization_id)
        .where(col(EventOrganization.event_id).in_(ids))
        .order_by(col(EventOrganization.role), col(Organization.name))
    ):
        orgs[event_id].append(OrganizationRef.model_construct(id=org_id, name=name, role=role))
    models: dict[int, list[ModelRef]] = {i: [] for i in ids}
    for event_id, model_id, name in session.exec(
        select(EventModel.event_id, AIModel.id, AIModel.name)
        .join(AIModel, AIModel.id == EventModel.model_id)
        .where(col(EventModel.event_id).in_(ids))
        .order_by(col(AIModel.name))
    ):
        models[event_id].append(ModelRef.model_construct(id=model_id, name=name))
    people: dict[int, list[PersonRef]] = {i: [] for i in ids}
    for event_id, role, person_id, name in session.exec(
        select(EventPerson.event_id, EventPerson.role, Person.id, Person.name)
        .join(Person, Person.id == EventPerson.person_id)
        .where(col(EventPerson.event_id).in_(ids))
        .order_by(col(EventPerson.role), col(Person.name))
    ):
        people[event_id].append(PersonRef.model_construct(id=person_id, name=name, role=role))
    sources: dict[int, list[SourcePublic]] = {i: [] for i in ids}
    for source in session.exec(
        select(
            Evidence.event_id, Evidence.quote, Evidence.char_start, Evidence.char_end, Evidence.background,
            Article.id, Article.title, Article.url, Article.file_name, Article.published,
        )
        .join(Article, Article.id == Evidence.article_id)
        .where(col(Evidence.event_id).in_(ids))
        .order_by(col(Article.published), col(Evidence.id))
    ):
        sources[source.event_id].append(
            SourcePublic.model_construct(
                article_id=source.id,
                title=source.title,
                url=source.url or None,
                file_name=source.file_name,
                published=source.published,
                quote=source.quote,
                char_start=source.char_start,
                char_end=source.char_end,
                background=source.background,
            )
        )
    return [
        EventPublic.model_construct(
            id=e.id,
            kind=e.kind,
            title=e.title,
            date=DatePublic.model_construct(
                start=e.date_start,
                end=e.date_end,
                precision=e.precision,
                modifier=e.modifier,
                text=e.date_text,
                value=e.date_value,
                year_inferred=e.year_inferred,
                year_inference_reason=e.year_inference_reason,
                source=e.date_source,
            ),
            organizations=orgs[e.id],
            models=models[e.id],
            people=people[e.id],
            confidence=e.confidence,
            sources=sources[e.id],
        )
        for e in events
    ]


def get_event(session: Session, event_id: int) -> EventPublic | None:
    """One event with its links and sources, or None."""
    event = session.get(Event, event_id)
    return events_public(session, [event])[0] if event else None


# --- entities and articles ---------------------------------------------------------------------


def list_organizations(session: Session) -> list[OrganizationPublic]:
    """Every organization, by name, with aliases, models and the number of events."""
    return _organizations_public(session, list(session.exec(select(Organization).order_by(Organization.name))))


def get_organization(session: Session, org_id: int) -> OrganizationPublic | None:
    """One organization, or None."""
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
    """Every model, by name, with family, developer, aliases, variants and the number of events."""
    return _models_public(session, list(session.exec(select(AIModel).order_by(AIModel.name))))


def get_model(session: Session, model_id: int) -> AIModelPublic | None:
    """One model, or None."""
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


def list_people(session: Session) -> list[PersonPublic]:
    """Every person, by name, with aliases and the number of events."""
    return _people_public(session, list(session.exec(select(Person).order_by(Person.name))))


def get_person(session: Session, person_id: int) -> PersonPublic | None:
    """One person, or None."""
    person = session.get(Person, person_id)
    return _people_public(session, [person])[0] if person else None


def _people_public(session: Session, people: list[Person]) -> list[PersonPublic]:
    ids = [p.id for p in people]
    aliases = _aliases(session, col(Alias.person_id), ids)
    counts = dict(
        session.exec(
            select(EventPerson.person_id, func.count(func.distinct(EventPerson.event_id)))
            .where(col(EventPerson.person_id).in_(ids))
            .group_by(EventPerson.person_id)
        ).all()
    )
    return [
        PersonPublic(id=p.id, name=p.name, wikidata_id=p.wikidata_id, aliases=aliases.get(p.id, []), events=counts.get(p.id, 0))
        for p in people
    ]


def _aliases(session: Session, owner_column, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for owner, text in session.exec(select(owner_column, Alias.text).where(owner_column.in_(ids)).order_by(Alias.id)):
        found.setdefault(owner, []).append(text)
    return found


def get_article(session: Session, article_id: int) -> ArticlePublic | None:
    """One article, whole, with the events it reports, or None."""
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
