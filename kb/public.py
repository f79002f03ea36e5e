"""The shapes in which the knowledge base is read: by the API, the CLI and the exports."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from kb.dates import Modifier, Precision
from kb.models import EventKind, OrganizationKind, Role


class DatePublic(BaseModel):
    start: date | None
    end: date | None
    precision: Precision | None
    modifier: Modifier | None
    text: str | None
    value: str | None
    year_inferred: bool
    year_inference_reason: str | None


class OrganizationRef(BaseModel):
    id: int
    name: str
    role: Role


class ModelRef(BaseModel):
    id: int
    name: str


class SourcePublic(BaseModel):
    article_id: int
    title: str
    url: str | None  # the article's URL, else its file name
    published: date | None
    quote: str
    char_start: int
    char_end: int


class EventPublic(BaseModel):
    id: int
    kind: EventKind
    title: str
    date: DatePublic
    organizations: list[OrganizationRef]
    models: list[ModelRef]
    sources: list[SourcePublic]


class TimelinePage(BaseModel):
    items: list[EventPublic]
    next: str | None


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
