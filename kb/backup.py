"""Backups: the whole knowledge base as JSON Lines, and back, on SQLite and PostgreSQL alike.

A dump starts with a header line (``{"kb_dump": 1, "schema_revision": ..., "database_uid": ...}``:
the uid that makes the knowledge base's iCalendar UIDs its own, which a restore keeps), then holds one
JSON object per row, with the row's table in a ``"table"`` field: tables in dependency order
(a row comes after the rows it refers to), rows in primary-key order, dates and times in ISO
8601 (UTC). The same knowledge base gives the same file on either engine, so a dump is also
the way to move a knowledge base from SQLite to PostgreSQL or back.

``event_search`` goes in like any other table: restoring it fills the engine's own full-text
index (the FTS5 triggers on SQLite, the expression index on PostgreSQL).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from enum import Enum
from typing import IO

import sqlalchemy as sa
from alembic.migration import MigrationContext
from sqlmodel import Session, SQLModel

from kb.models import DatabaseState  # (and every other table, on SQLModel.metadata)

FORMAT_VERSION = 1
_BATCH = 500
_STATE = DatabaseState.__table__
_DATABASE_UID = sa.select(_STATE.c.uid)


class RestoreError(Exception):
    """A dump that cannot be restored here, and why."""


def dumped_tables() -> list[sa.Table]:
    """The knowledge base's tables, each after the tables it refers to.

    Derived tables (``info={"derived": True}``: what ``kb.stored_json`` stores) are left out;
    the database builds them again after a restore.
    """
    return [table for table in SQLModel.metadata.sorted_tables if not table.info.get("derived")]


def dump(session: Session, out: IO[str]) -> dict[str, int]:
    """Write the whole knowledge base to ``out`` as JSON Lines; returns rows written per table."""
    connection = _snapshot(session)
    header = {
        "kb_dump": FORMAT_VERSION,
        "schema_revision": MigrationContext.configure(connection).get_current_revision(),
        "database_uid": connection.execute(_DATABASE_UID).scalar_one(),
    }
    out.write(_json_line(header))
    counts = {}
    for table in dumped_tables():
        counts[table.name] = 0
        rows = connection.execute(
            sa.select(table).order_by(*table.primary_key.columns).execution_options(yield_per=_BATCH)
        ).mappings()
        for row in rows:
            out.write(_json_line({"table": table.name} | {name: _to_json(value) for name, value in row.items()}))
            counts[table.name] += 1
    return counts


def _snapshot(session: Session) -> sa.Connection:
    """The session's connection, seeing one moment of the database whatever writers do meanwhile.

    (A PostgreSQL session already in a transaction is read in the isolation it has.)
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql" and not session.in_transaction():
        return session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    connection = session.connection()
    if dialect == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        # pysqlite begins transactions only before writes; a read transaction pins one WAL snapshot.
        connection.exec_driver_sql("BEGIN")
    return connection


def restore(session: Session, lines: Iterable[str]) -> dict[str, int]:
    """Load a dump into an empty, migrated knowledge base; returns rows loaded per table.

    Ids are kept, so references stay right; PostgreSQL's id sequences are moved past them.
    Raises ``RestoreError`` (and loads nothing, once the caller rolls back) when the database
    is not empty or the dump does not fit its schema.
    """
    connection = session.connection()
    tables = {table.name: table for table in dumped_tables()}
    _refuse_unless_empty(connection, tables.values())
    counts: dict[str, int] = {}
    references: list[tuple[sa.Table, dict, dict]] = []
    batch: list[dict] = []
    batch_table: sa.Table | None = None
    batch_lines = (0, 0)
    header: dict = {}
    for line_number, record in _records(lines, header):
        table = _table_of(record, tables, line_number)
        if batch and (table is not batch_table or len(batch) >= _BATCH):
            _insert(connection, batch_table, batch, batch_lines)
            batch = []
        if not batch:
            batch_table, batch_lines = table, (line_number, line_number)
        row = _row_from_json(table, record, line_number)
        references += _hold_back_self_references(table, row)
        batch.append(row)
        batch_lines = (batch_lines[0], line_number)
        counts[table.name] = counts.get(table.name, 0) + 1
    if batch:
        _insert(connection, batch_table, batch, batch_lines)
    for table, key, values in references:
        connection.execute(table.update().where(*(table.columns[name] == value for name, value in key.items())).values(**values))
    if connection.dialect.name == "postgresql":
        _move_sequences_past_ids(connection, tables.values())
    if isinstance(header.get("database_uid"), str):
        connection.execute(_STATE.update().values(uid=header["database_uid"]))
    return counts


# --- writing ---------------------------------------------------------------------------------


def _json_line(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def _to_json(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


# --- reading ---------------------------------------------------------------------------------


def _records(lines: Iterable[str], header: dict) -> Iterator[tuple[int, dict]]:
    """The dump's row objects with their line numbers, after checking its header (put in ``header``)."""
    numbered = ((number, line) for number, line in enumerate(lines, start=1) if line.strip())
    for number, line in numbered:
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RestoreError(f"line {number}: not JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise RestoreError(f"line {number}: expected a JSON object")
        if number == 1 and "table" not in record:
            if record.get("kb_dump") != FORMAT_VERSION:
                raise RestoreError(f"line 1: not a kb dump of format {FORMAT_VERSION}: {line.strip()[:80]}")
            header.update(record)
            continue
        yield number, record


def _table_of(record: dict, tables: dict[str, sa.Table], line_number: int) -> sa.Table:
    name = record.get("table")
    if name not in tables:
        raise RestoreError(f"line {line_number}: unknown table {name!r}")
    return tables[name]


def _row_from_json(table: sa.Table, record: dict, line_number: int) -> dict:
    row = {}
    for name, value in record.items():
        if name == "table":
            continue
        if name not in table.columns:
            raise RestoreError(f"line {line_number}: table {table.name} has no column {name!r}")
        row[name] = _from_json(table.columns[name], value, line_number)
    return row


def _from_json(column: sa.Column, value, line_number: int):
    if value is None:
        return None
    column_type = column.type.impl_instance if isinstance(column.type, sa.TypeDecorator) else column.type
    try:
        if isinstance(column_type, sa.DateTime):
            return datetime.fromisoformat(value)
        if isinstance(column_type, sa.Date):
            return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise RestoreError(f"line {line_number}: {column.table.name}.{column.name} is not an ISO date: {value!r}") from None
    return value


# --- loading ---------------------------------------------------------------------------------


def _refuse_unless_empty(connection: sa.Connection, tables: Iterable[sa.Table]) -> None:
    existing = set(sa.inspect(connection).get_table_names())
    missing = [table.name for table in tables if table.name not in existing]
    if missing:
        raise RestoreError(f"the database has no table {missing[0]!r}: run `kb migrate` first")
    for table in tables:
        if connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None:
            raise RestoreError(f"the database is not empty (table {table.name} has rows): restore needs an empty knowledge base")


def _insert(connection: sa.Connection, table: sa.Table, rows: list[dict], lines: tuple[int, int]) -> None:
    try:
        connection.execute(table.insert(), rows)
    except sa.exc.StatementError as exc:
        if isinstance(exc, sa.exc.DBAPIError) and not isinstance(exc, (sa.exc.IntegrityError, sa.exc.DataError)):
            raise  # the database failed, not the dump
        first_line = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        raise RestoreError(f"lines {lines[0]}-{lines[1]} ({table.name}): rows the schema refuses: {first_line}") from None


def _hold_back_self_references(table: sa.Table, row: dict) -> list[tuple[sa.Table, dict, dict]]:
    """Empty ``row``'s references to its own table, returned to be set once every row is in.

    A row may refer to one of its own table that comes later (a model's family), and
    PostgreSQL checks foreign keys at each statement.
    """
    values = {fk.parent.name: row[fk.parent.name] for fk in table.foreign_keys
              if fk.column.table is table and row.get(fk.parent.name) is not None}
    if not values:
        return []
    row.update(dict.fromkeys(values))
    key = {column.name: row[column.name] for column in table.primary_key.columns}
    return [(table, key, values)]


def _move_sequences_past_ids(connection: sa.Connection, tables: Iterable[sa.Table]) -> None:
    """Set each serial id's sequence so the next insert gets max(id) + 1, as SQLite does."""
    for table in tables:
        key = list(table.primary_key.columns)
        if len(key) != 1 or key[0].autoincrement is False or not isinstance(key[0].type, sa.Integer):
            continue
        sequence = connection.execute(
            sa.select(sa.func.pg_get_serial_sequence(table.name, key[0].name))
        ).scalar()
        if sequence is None:
            continue
        connection.execute(
            sa.select(sa.func.setval(sequence, sa.func.coalesce(sa.func.max(key[0]), 1), sa.func.max(key[0]).is_not(None)))
        )
