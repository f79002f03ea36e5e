"""Each event's public JSON, stored in ``event_json``, so that a timeline page reads it instead
of building it.

Building an event's JSON (``kb.event_lists.event_document_column``) joins its links, entities,
evidence and articles, sorts each list and writes JSON: for a page of 50 events, about as
much work as finding them (bench/serve.py). Events are read far more often than written, so
the database keeps the result:

- Correct without help: triggers (migration 0003) give every new event its ``event_json``
  row, and set its ``public_json`` to NULL whenever something it shows changes (the event's
  row, its links, its evidence, the name of an entity it is linked to, an article it cites);
  readers take the stored text where there is one (``public_json_column``) and build the
  JSON otherwise.
- Fast with help: every session's commit stores the JSON of the events left without
  (``refresh_public_json``, hooked in ``kb.db``), and so does ``kb migrate``, which also
  builds every event's JSON again when this code builds it otherwise than the stored JSON
  was built (``refresh_stored_format``).

JSON that comes to show a column or table the triggers do not watch needs a migration that
adds a trigger for it; tests/test_stored_json.py changes each watched thing in turn.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import sqlalchemy as sa
from sqlmodel import col, func, select

from kb.event_lists import event_document_column
from kb.models import Event, EventJson, StoredFormat

FORMAT_NAME = "event_json.public_json"
_CHUNK = 1000  # events built and stored at a time: memory stays flat however many are missing
_STORED = EventJson.__table__


@lru_cache(maxsize=4)
def public_json_column(dialect: str) -> sa.Label:
    """A column for a select from ``event``: its stored JSON, or the JSON built now where none is stored.

    >>> select(Event.id, public_json_column("sqlite"))  # doctest: +SKIP
    """
    stored = select(_STORED.c.public_json).where(_STORED.c.event_id == col(Event.id)).scalar_subquery()
    return func.coalesce(stored, event_document_column(dialect).element).label("public_json")


@lru_cache(maxsize=4)
def _missing(dialect: str) -> sa.Select:
    # From where the last chunk ended: an event whose JSON a trigger cleared again meanwhile
    # is not read twice, so the loop ends whatever happens meanwhile.
    missing = select(_STORED.c.event_id).where(_STORED.c.public_json.is_(None), _STORED.c.event_id > sa.bindparam("after"))
    return (
        select(col(Event.id), event_document_column(dialect))
        .where(col(Event.id).in_(missing.order_by(_STORED.c.event_id).limit(_CHUNK)))
        .order_by(col(Event.id))
    )


# Only over a NULL: if another transaction changed the event since its JSON was built here,
# and committed with its own JSON, that one is the newer.
_STORE = (
    sa.update(_STORED)
    .where(_STORED.c.event_id == sa.bindparam("id"), _STORED.c.public_json.is_(None))
    .values(public_json=sa.bindparam("json"))
)


def refresh_public_json(connection: sa.Connection) -> int:
    """Store the JSON of every event that has none, in the connection's transaction; how many.

    One index probe when none is missing (``ix_event_json_missing``), so that every commit
    can afford to ask.
    """
    statement = _missing(connection.dialect.name)
    refreshed, after = 0, 0
    while rows := connection.execute(statement, {"after": after}).all():
        connection.execute(_STORE, [{"id": event_id, "json": text} for event_id, text in rows])
        refreshed += len(rows)
        after = rows[-1][0]
    return refreshed


def format_fingerprint(dialect: sa.Dialect) -> str:
    """What identifies how this code builds an event's JSON on ``dialect``: its SQL, hashed."""
    sql = str(select(event_document_column(dialect.name)).compile(dialect=dialect))
    return hashlib.sha256(sql.encode()).hexdigest()


def refresh_stored_format(connection: sa.Connection) -> int:
    """Clear every stored JSON if this code builds it otherwise than it was built, then store what is missing.

    ``kb.db.migrate`` runs it: after an upgrade that changes the JSON's shape, or on a database
    written by plain SQL (a benchmark's bulk insert), every event has its JSON again. Returns
    how many events' JSON was stored.
    """
    fingerprint = format_fingerprint(connection.dialect)
    stored = connection.execute(select(StoredFormat.fingerprint).where(StoredFormat.name == FORMAT_NAME)).scalar()
    if stored != fingerprint:
        connection.execute(sa.update(_STORED).values(public_json=None))
        formats = StoredFormat.__table__
        connection.execute(formats.delete().where(formats.c.name == FORMAT_NAME))
        connection.execute(formats.insert().values(name=FORMAT_NAME, fingerprint=fingerprint))
    return refresh_public_json(connection)
