"""The shapes in which the knowledge base is read: by the API, the CLI and the exports."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, model_serializer

from kb.dates import Modifier, Precision
from kb.models import AuditAction, DateSource, EventKind, OrganizationKind, Role


class DatePublic(BaseModel):
    start: date | None
    end: date | None
    precision: Precision | None
    modifier: Modifier | None
    text: str | None
    value: str | None
    year_inferred: bool
    year_inference_reason: str | None
    source: DateSource | None = None  # text, story, publication or knowledge_base


class OrganizationRef(BaseModel):
    id: int
    name: str
    role: Role


class ModelRef(BaseModel):
    id: int
    name: str


class PersonRef(BaseModel):
    id: int
    name: str
    role: Role


class SourcePublic(BaseModel):
    article_id: int
    title: str
    url: str | None  # the article's URL, if it has one
    file_name: str | None = None  # the file it was seeded from, if it was
    published: date | None
    quote: str
    char_start: int
    char_end: int
    background: bool = False  # the article recalls the event in passing


class EventPublic(BaseModel):
    id: int
    kind: EventKind
    title: str
    date: DatePublic
    organizations: list[OrganizationRef]
    models: list[ModelRef]
    people: list[PersonRef]
    confidence: float
    sources: list[SourcePublic]


class FacetCount(BaseModel):
    """How many events of a timeline have one value: a kind, a year, an entity (with its id)."""

    value: str | int | None  # None: events of unknown year
    id: int | None = None
    count: int


class Facet(BaseModel):
    """A facet's most frequent values, and whether it has more than those shown."""

    values: list[FacetCount]
    truncated: bool


class TimelinePage(BaseModel):
    items: list[EventPublic]
    next: str | None
    total: int | None = None  # every event the filters select; only when asked for
    facets: dict[str, Facet] | None = None  # only when asked for

    @model_serializer(mode="wrap")
    def _without_unasked_parts(self, serialize):
        data = serialize(self)
        for part in ("total", "facets"):
            if getattr(self, part) is None:
                data.pop(part, None)
        return data


class EntityRefPublic(BaseModel):
    id: int
    name: str


class OrganizationPublic(BaseModel):
    id: int
    name: str
    kind: OrganizationKind
    wikidata_id: str | None
    aliases: list[str]
    models: list[EntityRefPublic]
    events: int


class AIModelPublic(BaseModel):
    id: int
    name: str
    family: EntityRefPublic | None
    developer: EntityRefPublic | None
    parameters: int | None
    wikidata_id: str | None
    aliases: list[str]
    variants: list[EntityRefPublic]
    events: int


class PersonPublic(BaseModel):
    id: int
    name: str
    wikidata_id: str | None
    aliases: list[str]
    events: int


class ArticleEventRef(BaseModel):
    id: int
    kind: EventKind
    title: str


class ArticlePublic(BaseModel):
    id: int
    title: str
    url: str | None
    file_name: str | None
    source: str | None
    language: str
    published: date | None
    content_hash: str
    text: str
    events: list[ArticleEventRef]


# --- writes ----------------------------------------------------------------------------


class ArticleSubmittedPublic(BaseModel):
    """The answer to a submitted article: where it is stored and the events it reports."""

    article_id: int
    stored: bool  # False when the same headline and text were stored already: nothing changed
    new_events: list[int]  # ids of the events this submission added to the knowledge base
    events: list[EventPublic]  # every event the article is a source of


class AuditEntryPublic(BaseModel):
    """One recorded change: who (the token's or the user's name), when, what, before and after."""

    id: int
    at: datetime
    actor: str
    action: AuditAction
    entity: str
    entity_id: int
    before: dict | None
    after: dict | None
