"""The relational schema, as SQLModel tables, with the shapes used to create and update rows.

The schema changes only through Alembic migrations (``migrations/``); a test checks that
these models and the migrations agree.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from enum import Enum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from kb.dates import Modifier, Precision

# Named constraints, set before any table is defined: SQLite can only drop or alter a
# constraint in a batch migration if it has a name.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class OrganizationKind(str, Enum):
    company = "company"
    lab = "lab"
    media = "media"
    platform = "platform"
    regulator = "regulator"
    other = "other"


class EventKind(str, Enum):
    leak = "leak"
    release = "release"
    announcement = "announcement"
    investment = "investment"
    acquisition = "acquisition"
    lawsuit = "lawsuit"
    regulation = "regulation"
    partnership = "partnership"
    personnel = "personnel"
    other = "other"


class DateSource(str, Enum):
    """Where an event's date comes from, from the surest to the least sure."""

    text = "text"  # a date expression in the clause that tells the event
    story = "story"  # a date the story gives nearby: a neighbouring sentence, the lead
    publication = "publication"  # no date told: the article's publication date
    knowledge_base = "knowledge_base"  # the year completed from what the knowledge base knows


class Role(str, Enum):
    """What an organization does in an event."""

    subject = "subject"  # the one the event is about: whose model leaked, who released
    developer = "developer"  # developer of an event's model, known from the knowledge base
    platform = "platform"  # where it happened (4chan, GitHub)
    reporter = "reporter"  # the outlet the article cites
    investor = "investor"
    target = "target"  # invested in, acquired, sued
    regulator = "regulator"
    partner = "partner"


def _enum_type(enum_cls: type[Enum]) -> sa.Enum:
    # Stored as plain VARCHAR, not a native enum, so that adding a member later needs no
    # ALTER TYPE on PostgreSQL; SQLAlchemy validates values on the way in.
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=16,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


# --- organizations ---------------------------------------------------------------------


def _reviewed_field() -> bool:
    # Entities learned from articles start unreviewed; the gazetteer's are reviewed.
    return Field(default=True, sa_column_kwargs={"server_default": sa.true()})


class OrganizationBase(SQLModel):
    name: str = Field(max_length=200, unique=True)
    kind: OrganizationKind = Field(default=OrganizationKind.company, sa_type=_enum_type(OrganizationKind))
    wikidata_id: str | None = Field(default=None, max_length=20)
    reviewed: bool = _reviewed_field()


class Organization(OrganizationBase, table=True):
    __tablename__ = "organization"
    id: int | None = Field(default=None, primary_key=True)


class OrganizationCreate(OrganizationBase):
    aliases: list[str] = []


class OrganizationUpdate(SQLModel):
    name: str | None = None
    kind: OrganizationKind | None = None
    wikidata_id: str | None = None


# --- AI models -------------------------------------------------------------------------


class AIModelBase(SQLModel):
    name: str = Field(max_length=200, unique=True)
    family_id: int | None = Field(default=None, foreign_key="ai_model.id", ondelete="SET NULL", index=True)
    developer_id: int | None = Field(default=None, foreign_key="organization.id", ondelete="SET NULL", index=True)
    parameters: int | None = Field(default=None, sa_type=sa.BigInteger)
    wikidata_id: str | None = Field(default=None, max_length=20)
    reviewed: bool = _reviewed_field()


class AIModel(AIModelBase, table=True):
    __tablename__ = "ai_model"
    id: int | None = Field(default=None, primary_key=True)


class AIModelCreate(SQLModel):
    name: str
    developer: str | None = None
    family: str | None = None
    parameters: int | None = None
    wikidata_id: str | None = None
    aliases: list[str] = []


class AIModelUpdate(SQLModel):
    name: str | None = None
    family_id: int | None = None
    developer_id: int | None = None
    parameters: int | None = None
    wikidata_id: str | None = None


# --- people --------------------------------------------------------------------------


class PersonBase(SQLModel):
    name: str = Field(max_length=200, unique=True)
    wikidata_id: str | None = Field(default=None, max_length=20)
    reviewed: bool = _reviewed_field()


class Person(PersonBase, table=True):
    """A person events are about: a chief executive fired, a founder leaving."""

    __tablename__ = "person"
    id: int | None = Field(default=None, primary_key=True)


class PersonCreate(PersonBase):
    aliases: list[str] = []


class PersonUpdate(SQLModel):
    name: str | None = None
    wikidata_id: str | None = None
    reviewed: bool | None = None


# --- aliases ---------------------------------------------------------------------------


class Alias(SQLModel, table=True):
    """A surface form of an organization, a model or a person, as seen in text («Meta✴», «LLaMa»).

    ``key`` is the form folded for matching (see ``kb.names.alias_key``); a key may name
    several entities, and the extractor decides between them.
    """

    __tablename__ = "alias"
    __table_args__ = (
        sa.CheckConstraint(
            "(CASE WHEN organization_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN model_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN person_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_entity",
        ),
        sa.UniqueConstraint("key", "organization_id"),
        sa.UniqueConstraint("key", "model_id"),
        sa.UniqueConstraint("key", "person_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(max_length=200)
    key: str = Field(max_length=200, index=True)
    organization_id: int | None = Field(default=None, foreign_key="organization.id", ondelete="CASCADE", index=True)
    model_id: int | None = Field(default=None, foreign_key="ai_model.id", ondelete="CASCADE", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="CASCADE", index=True)


# --- articles --------------------------------------------------------------------------


class ArticleBase(SQLModel):
    title: str = Field(sa_type=sa.Text)
    url: str | None = Field(default=None, sa_type=sa.Text)
    file_name: str | None = Field(default=None, sa_type=sa.Text)
    source: str | None = Field(default=None, max_length=200)
    language: str = Field(default="ru", max_length=8)
    published: date | None = None


class Article(ArticleBase, table=True):
    __tablename__ = "article"
    id: int | None = Field(default=None, primary_key=True)
    content_hash: str = Field(max_length=64, unique=True)
    text: str = Field(sa_type=sa.Text)
    ingested_at: datetime = Field(default_factory=_utcnow)


class ArticleCreate(ArticleBase):
    text: str


# --- events ----------------------------------------------------------------------------


class EventBase(SQLModel):
    kind: EventKind = Field(sa_type=_enum_type(EventKind))
    title: str = Field(max_length=300)
    date_start: date | None = None
    date_end: date | None = None
    precision: Precision | None = Field(default=None, sa_type=_enum_type(Precision))
    modifier: Modifier | None = Field(default=None, sa_type=_enum_type(Modifier))
    date_value: str | None = Field(default=None, max_length=32)
    date_text: str | None = Field(default=None, max_length=200)
    year_inferred: bool = False
    year_inference_reason: str | None = Field(default=None, sa_type=sa.Text)
    date_source: DateSource | None = Field(default=None, sa_type=_enum_type(DateSource))
    # How sure extraction is that the event happened as stated: 1.0 for a dated, plainly
    # asserted event; lower for hedged («по слухам») or undated reports.
    confidence: float = Field(default=1.0, sa_column_kwargs={"server_default": "1"})


class Event(EventBase, table=True):
    __tablename__ = "event"
    __table_args__ = (sa.Index("ix_event_chronology", "date_start", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=_utcnow)


class EventUpdate(SQLModel):
    kind: EventKind | None = None
    title: str | None = None
    date_start: date | None = None
    date_end: date | None = None
    precision: Precision | None = None
    confidence: float | None = None


class EventOrganization(SQLModel, table=True):
    __tablename__ = "event_organization"
    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    organization_id: int = Field(foreign_key="organization.id", primary_key=True, ondelete="CASCADE", index=True)
    role: Role = Field(primary_key=True, sa_type=_enum_type(Role))


class EventModel(SQLModel, table=True):
    __tablename__ = "event_model"
    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    model_id: int = Field(foreign_key="ai_model.id", primary_key=True, ondelete="CASCADE", index=True)


class EventPerson(SQLModel, table=True):
    __tablename__ = "event_person"
    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", primary_key=True, ondelete="CASCADE", index=True)
    role: Role = Field(default=Role.subject, primary_key=True, sa_type=_enum_type(Role))


class Evidence(SQLModel, table=True):
    """An article's support for an event: ``quote == article.text[char_start:char_end]``."""

    __tablename__ = "evidence"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "article_id", "char_start"),
        sa.CheckConstraint("char_start >= 0 AND char_end > char_start", name="offsets"),
    )
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE", index=True)
    article_id: int = Field(foreign_key="article.id", ondelete="CASCADE", index=True)
    quote: str = Field(sa_type=sa.Text)
    char_start: int
    char_end: int
    # The article recalls the event in passing (background), rather than reporting it.
    background: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


# --- full-text search ------------------------------------------------------------------


# The events whose stored JSON is missing, found without reading the table.
_PUBLIC_JSON_MISSING = sa.text("public_json IS NULL")


class EventJson(SQLModel, table=True):
    """An event as the API shows it: ``EventPublic``'s JSON, lists and sources included, built
    by the database and kept by ``kb.stored_json``; NULL when something it shows has changed.

    Derived, and left out of dumps. A table of its own rather than a column of ``event``, so
    that the event rows a timeline query walks stay small. A trigger adds the row of a new event.
    """

    __tablename__ = "event_json"
    __table_args__ = (
        sa.Index("ix_event_json_missing", "event_id", sqlite_where=_PUBLIC_JSON_MISSING, postgresql_where=_PUBLIC_JSON_MISSING),
        {"info": {"derived": True}},
    )
    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    public_json: str | None = Field(default=None, sa_type=sa.Text)
    # Raised, and ``modified_at`` set, whenever ``public_json`` is cleared: whenever what the
    # event shows changes (a trigger, migration 0005). iCalendar's SEQUENCE and LAST-MODIFIED.
    revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    modified_at: datetime | None = None  # None: unchanged since the event was created


class DatabaseState(SQLModel, table=True):
    """The database's identity and version: one row, kept by the database itself.

    ``uid`` (a random UUID, made by migration 0005) makes this knowledge base's iCalendar UIDs
    its own; ``version`` rises whenever a row that any answer shows changes (triggers), and
    the API's ETags are made of it. Left out of dumps, which carry the uid in their header.
    """

    __tablename__ = "database_state"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"), {"info": {"derived": True}})
    id: int = Field(default=1, primary_key=True)
    uid: str = Field(max_length=36)
    version: int = Field(default=0, sa_type=sa.BigInteger, sa_column_kwargs={"server_default": "0"})


class StoredFormat(SQLModel, table=True):
    """How a derived table's values were built: when the code builds them otherwise, they are
    all built again (see ``kb.stored_json``). Derived, and left out of dumps."""

    __tablename__ = "stored_format"
    __table_args__ = {"info": {"derived": True}}
    name: str = Field(primary_key=True, max_length=64)  # the column, as "table.column"
    fingerprint: str = Field(max_length=64)


class EventSearch(SQLModel, table=True):
    """The text an event is found by: its title, its quotes and their lemmas (see ``kb.search``).

    On SQLite an FTS5 table (``event_fts``, created by the migration, kept in step by triggers)
    indexes ``document``; on PostgreSQL a GIN index over ``to_tsvector('russian', document)``.
    """

    __tablename__ = "event_search"
    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    document: str = Field(sa_type=sa.Text)


# --- audit -----------------------------------------------------------------------------


class AuditAction(str, Enum):
    create = "create"
    update = "update"
    delete = "delete"
    merge = "merge"


class AuditEntry(SQLModel, table=True):
    """One change made through the API or the CLI: who, when, what, before and after."""

    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_entry_target", "entity", "entity_id"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=_utcnow)
    actor: str = Field(max_length=100)
    action: AuditAction = Field(sa_type=_enum_type(AuditAction))
    entity: str = Field(max_length=32)  # "event", "organization", "model", "person", "article"
    entity_id: int
    before: dict | None = Field(default=None, sa_type=sa.JSON)
    after: dict | None = Field(default=None, sa_type=sa.JSON)


# --- feeds -----------------------------------------------------------------------------


class FeedStatus(str, Enum):
    """How a feed's last poll went."""

    ok = "ok"  # read; its new entries were fetched
    not_modified = "not_modified"  # the server answered 304 to the conditional GET
    failed = "failed"  # not read: the error says why


class FeedEntryStatus(str, Enum):
    """What became of a feed entry's page."""

    stored = "stored"  # stored as a new article
    known = "known"  # its article was in the knowledge base already (same URL or content)
    retrying = "retrying"  # not stored yet: a failure that may pass (a timeout, a 503); tried again
    failed = "failed"  # not stored, for good: the error says why


class Feed(SQLModel, table=True):
    """An RSS or Atom feed followed by ``kb watch``, with what its last poll found."""

    __tablename__ = "feed"
    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000, unique=True)
    title: str | None = Field(default=None, sa_type=sa.Text)  # the feed's own, once read
    added_at: datetime = Field(default_factory=_utcnow)
    # The validators the server gave with the last feed read, sent back in a conditional GET.
    etag: str | None = Field(default=None, sa_type=sa.Text)
    last_modified: str | None = Field(default=None, sa_type=sa.Text)
    polled_at: datetime | None = None
    status: FeedStatus | None = Field(default=None, sa_type=_enum_type(FeedStatus))
    error: str | None = Field(default=None, sa_type=sa.Text)


class FeedEntry(SQLModel, table=True):
    """An entry seen in a feed: the page it links to, and what became of it.

    ``key`` identifies the entry within its feed however often the feed repeats it: the SHA-256
    of its ``<guid>`` or Atom ``<id>``, else of its link.
    """

    __tablename__ = "feed_entry"
    __table_args__ = (sa.UniqueConstraint("feed_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    feed_id: int = Field(foreign_key="feed.id", ondelete="CASCADE")
    key: str = Field(max_length=64)
    url: str = Field(sa_type=sa.Text)
    title: str | None = Field(default=None, sa_type=sa.Text)
    published: date | None = None
    status: FeedEntryStatus = Field(sa_type=_enum_type(FeedEntryStatus))
    article_id: int | None = Field(default=None, foreign_key="article.id", ondelete="SET NULL", index=True)
    error: str | None = Field(default=None, sa_type=sa.Text)
    attempts: int = 1
    seen_at: datetime = Field(default_factory=_utcnow)
    tried_at: datetime = Field(default_factory=_utcnow)
