"""database state, event revisions

Adds ``database_state``, one row: the database's ``uid`` (a random UUID made here, which
iCalendar UIDs carry, so that two knowledge bases never give two events one UID) and its
``version``, which triggers raise whenever a row that any answer shows is added, changed or
deleted (the ETags of ``api/caching.py`` are made of it). Adds ``event_json.revision`` and
``event_json.modified_at``: a trigger raises the one and sets the other whenever an event's
stored JSON is cleared, which migration 0003's triggers do whenever anything the event shows
changes (iCalendar's SEQUENCE and LAST-MODIFIED).

On PostgreSQL the version is raised once per transaction, by a constraint trigger deferred
to the commit: the row is then locked only while the transaction commits, after every other
lock it takes, so that two writers cannot deadlock over it.

A later migration that recreates one of these tables on SQLite (a batch operation) must
create its triggers again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 09:00:00
"""
import uuid
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Every table whose rows some answer of the API, the CLI or an export shows.
VERSIONED_TABLES = (
    "organization", "ai_model", "person", "alias", "article", "event", "event_organization", "event_model",
    "event_person", "evidence", "event_search", "audit_entry",
)
BUMP = "UPDATE database_state SET version = version + 1"
# When an event's stored JSON is cleared, what it shows has changed (migration 0003).
CLEARED = "new.public_json IS NULL AND old.public_json IS NOT NULL"
# An event's last change before this revision: its latest source's ingestion or edit.
LAST_CHANGE = (
    "SELECT max(changed) FROM ("
    "SELECT article.ingested_at AS changed FROM evidence JOIN article ON article.id = evidence.article_id"
    " WHERE evidence.event_id = event_json.event_id"
    " UNION ALL SELECT at FROM audit_entry WHERE entity = 'event' AND entity_id = event_json.event_id"
    ") AS changes"
)


def upgrade() -> None:
    op.create_table('database_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('version', sa.BigInteger(), server_default='0', nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_database_state_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_database_state'))
    )
    op.execute(sa.text("INSERT INTO database_state (id, uid, version) VALUES (1, :uid, 0)").bindparams(uid=str(uuid.uuid4())))
    op.add_column('event_json', sa.Column('revision', sa.Integer(), server_default='0', nullable=False))
    op.add_column('event_json', sa.Column('modified_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.execute(f"UPDATE event_json SET modified_at = ({LAST_CHANGE})")
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in VERSIONED_TABLES:
            for short, when in (("ai", "INSERT"), ("au", "UPDATE"), ("ad", "DELETE")):
                op.execute(f"CREATE TRIGGER {table}_version_{short} AFTER {when} ON {table} BEGIN {BUMP}; END")
        op.execute(
            f"CREATE TRIGGER event_json_revision AFTER UPDATE OF public_json ON event_json WHEN {CLEARED} BEGIN "
            "UPDATE event_json SET revision = revision + 1, modified_at = CURRENT_TIMESTAMP WHERE event_id = new.event_id; END"
        )
    elif dialect == "postgresql":
        # A transaction-local setting says that this transaction has raised the version already.
        op.execute(
            "CREATE FUNCTION kb_raise_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF current_setting('kb.version_raised', true) IS DISTINCT FROM 'yes' THEN "
            f"{BUMP}; PERFORM set_config('kb.version_raised', 'yes', true); END IF; RETURN NULL; END $$"
        )
        for table in VERSIONED_TABLES:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION kb_raise_version()"
            )
        op.execute(
            "CREATE FUNCTION kb_event_revised() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "new.revision := old.revision + 1; new.modified_at := now(); RETURN new; END $$"
        )
        op.execute(
            f"CREATE TRIGGER event_json_revision BEFORE UPDATE OF public_json ON event_json "
            f"FOR EACH ROW WHEN ({CLEARED}) EXECUTE FUNCTION kb_event_revised()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS event_json_revision")
        for table in VERSIONED_TABLES:
            for short in ("ai", "au", "ad"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_version_{short}")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS event_json_revision ON event_json")
        op.execute("DROP FUNCTION IF EXISTS kb_event_revised()")
        for table in VERSIONED_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_version ON {table}")
        op.execute("DROP FUNCTION IF EXISTS kb_raise_version()")
    # SQLite drops a column in place (3.35+) when no index, constraint or trigger refers to it.
    op.drop_column('event_json', 'modified_at')
    op.drop_column('event_json', 'revision')
    op.drop_table('database_state')
