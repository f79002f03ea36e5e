"""event json

Stores each event's public JSON in ``event_json`` (see ``kb/stored_json.py``), with triggers
that add the row of a new event and set its JSON to NULL whenever something it shows
changes, a partial index on the events without, and ``stored_format``, which says how the
stored JSON was built. The JSON itself is built by ``kb migrate`` after the upgrade, not
here: the code that builds it may change after this migration is written.

A later migration that recreates one of these tables (an SQLite batch operation that cannot
alter in place) must create its triggers again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 08:10:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Tables whose rows belong to one event (its links and its evidence), by their event_id.
EVENT_ROWS = ("event_organization", "event_model", "event_person", "evidence")
# Rows an event's JSON shows through a link: (table, columns shown, link table, link column).
SHOWN_THROUGH_LINKS = (
    ("organization", "name", "event_organization", "organization_id"),
    ("ai_model", "name", "event_model", "model_id"),
    ("person", "name", "event_person", "person_id"),
    ("article", "title, url, file_name, published", "evidence", "article_id"),
)
MISSING = sa.text('public_json IS NULL')


def upgrade() -> None:
    op.create_table('stored_format',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_stored_format'))
    )
    op.create_table('event_json',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('public_json', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_json_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_event_json'))
    )
    op.create_index('ix_event_json_missing', 'event_json', ['event_id'], unique=False,
                    sqlite_where=MISSING, postgresql_where=MISSING)
    op.execute("INSERT INTO event_json (event_id) SELECT id FROM event")
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _create_sqlite_triggers()
    elif dialect == "postgresql":
        _create_postgresql_triggers()


def _stale(where: str) -> str:
    return f"UPDATE event_json SET public_json = NULL WHERE event_id {where}"


def _create_sqlite_triggers() -> None:
    op.execute("CREATE TRIGGER event_json_ai AFTER INSERT ON event BEGIN INSERT INTO event_json (event_id) VALUES (new.id); END")
    op.execute(f"CREATE TRIGGER event_json_au AFTER UPDATE ON event BEGIN {_stale('= new.id')}; END")
    for table in EVENT_ROWS:
        op.execute(f"CREATE TRIGGER {table}_json_ai AFTER INSERT ON {table} BEGIN {_stale('= new.event_id')}; END")
        op.execute(f"CREATE TRIGGER {table}_json_ad AFTER DELETE ON {table} BEGIN {_stale('= old.event_id')}; END")
        op.execute(f"CREATE TRIGGER {table}_json_au AFTER UPDATE ON {table} BEGIN {_stale('IN (old.event_id, new.event_id)')}; END")
    for table, columns, link, link_column in SHOWN_THROUGH_LINKS:
        linked = f"IN (SELECT event_id FROM {link} WHERE {link_column} = new.id)"
        op.execute(f"CREATE TRIGGER {table}_json_au AFTER UPDATE OF {columns} ON {table} BEGIN {_stale(linked)}; END")


def _create_postgresql_triggers() -> None:
    # Clearing an event's JSON locks its row of event_json, so that two transactions changing
    # what one event shows take turns, and the later one builds the JSON again from what the
    # earlier one committed (kb/stored_json.py stores only over a NULL).
    op.execute(
        "CREATE FUNCTION kb_event_json_added() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO event_json (event_id) VALUES (new.id); RETURN NULL; END $$"
    )
    op.execute("CREATE TRIGGER event_json_ai AFTER INSERT ON event FOR EACH ROW EXECUTE FUNCTION kb_event_json_added()")
    op.execute(
        "CREATE FUNCTION kb_event_json_stale() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{_stale('= new.id')}; RETURN NULL; END $$"
    )
    op.execute("CREATE TRIGGER event_json_au AFTER UPDATE ON event FOR EACH ROW EXECUTE FUNCTION kb_event_json_stale()")
    op.execute(
        "CREATE FUNCTION kb_event_rows_json_stale() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {_stale('= old.event_id')}; END IF; "
        f"IF TG_OP <> 'DELETE' THEN {_stale('= new.event_id')}; END IF; "
        "RETURN NULL; END $$"
    )
    for table in EVENT_ROWS:
        op.execute(
            f"CREATE TRIGGER {table}_json AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION kb_event_rows_json_stale()"
        )
    # TG_ARGV: the link table and its column that point at the updated row.
    op.execute(
        "CREATE FUNCTION kb_linked_json_stale() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "EXECUTE format('" + _stale("IN (SELECT event_id FROM %I WHERE %I = $1)") + "', TG_ARGV[0], TG_ARGV[1]) "
        "USING new.id; RETURN NULL; END $$"
    )
    for table, columns, link, link_column in SHOWN_THROUGH_LINKS:
        op.execute(
            f"CREATE TRIGGER {table}_json AFTER UPDATE OF {columns} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION kb_linked_json_stale('{link}', '{link_column}')"
        )


def _drop_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        names = ["event_json_ai", "event_json_au"]
        names += [f"{table}_json_{when}" for table in EVENT_ROWS for when in ("ai", "ad", "au")]
        names += [f"{table}_json_au" for table, *_ in SHOWN_THROUGH_LINKS]
        for name in names:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS event_json_ai ON event")
        op.execute("DROP TRIGGER IF EXISTS event_json_au ON event")
        for table in (*EVENT_ROWS, *(table for table, *_ in SHOWN_THROUGH_LINKS)):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_json ON {table}")
        for function in ("kb_event_json_added", "kb_event_json_stale", "kb_event_rows_json_stale", "kb_linked_json_stale"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")


def downgrade() -> None:
    _drop_triggers()
    op.drop_index('ix_event_json_missing', table_name='event_json', sqlite_where=MISSING, postgresql_where=MISSING)
    op.drop_table('event_json')
    op.drop_table('stored_format')
