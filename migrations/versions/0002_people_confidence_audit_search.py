"""people, confidence, audit, search

Adds Person (with aliases and event links), the reviewed flag on entities, an event's
confidence, the audit table, and the full-text index: an FTS5 table kept in step with
``event_search`` by triggers on SQLite, a GIN index over a Russian ``tsvector`` on PostgreSQL.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 15:41:38.434708
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0002'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ONE_ENTITY = (
    "(CASE WHEN organization_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN model_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN person_id IS NULL THEN 0 ELSE 1 END) = 1"
)


def upgrade() -> None:
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('action', sa.Enum('create', 'update', 'delete', 'merge', name='auditaction', native_enum=False, length=16), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_target', ['entity', 'entity_id'], unique=False)

    op.create_table('person',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('wikidata_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('reviewed', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('name', name=op.f('uq_person_name'))
    )
    op.create_table('event_person',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('subject', 'developer', 'platform', 'reporter', 'investor', 'target', 'regulator', 'partner', name='role', native_enum=False, length=16), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_person_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_event_person_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'person_id', 'role', name=op.f('pk_event_person'))
    )
    with op.batch_alter_table('event_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_person_person_id'), ['person_id'], unique=False)

    op.create_table('event_search',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_search_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_event_search'))
    )
    with op.batch_alter_table('ai_model', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewed', sa.Boolean(), server_default=sa.true(), nullable=False))

    with op.batch_alter_table('alias', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_alias_person_id'), ['person_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_alias_key_person_id'), ['key', 'person_id'])
        batch_op.create_foreign_key(batch_op.f('fk_alias_person_id_person'), 'person', ['person_id'], ['id'], ondelete='CASCADE')
        batch_op.drop_constraint(batch_op.f('ck_alias_one_entity'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_alias_one_entity'), ONE_ENTITY)

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confidence', sa.Float(), server_default='1', nullable=False))

    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewed', sa.Boolean(), server_default=sa.true(), nullable=False))

    _create_full_text_index()


def _create_full_text_index() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # External-content FTS5: the text lives once, in event_search.
        op.execute(
            "CREATE VIRTUAL TABLE event_fts USING fts5(document, content='event_search', "
            "content_rowid='event_id', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER event_search_ai AFTER INSERT ON event_search BEGIN "
            "INSERT INTO event_fts(rowid, document) VALUES (new.event_id, new.document); END"
        )
        op.execute(
            "CREATE TRIGGER event_search_ad AFTER DELETE ON event_search BEGIN "
            "INSERT INTO event_fts(event_fts, rowid, document) VALUES ('delete', old.event_id, old.document); END"
        )
        op.execute(
            "CREATE TRIGGER event_search_au AFTER UPDATE ON event_search BEGIN "
            "INSERT INTO event_fts(event_fts, rowid, document) VALUES ('delete', old.event_id, old.document); "
            "INSERT INTO event_fts(rowid, document) VALUES (new.event_id, new.document); END"
        )
    elif op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_event_search_tsv ON event_search USING gin (to_tsvector('russian', document))")


def _drop_full_text_index() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("event_search_ai", "event_search_ad", "event_search_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS event_fts")
    elif op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_event_search_tsv")


def downgrade() -> None:
    _drop_full_text_index()
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_column('reviewed')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('confidence')

    with op.batch_alter_table('alias', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_alias_one_entity'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_alias_one_entity'), '(organization_id IS NULL) <> (model_id IS NULL)')
        batch_op.drop_constraint(batch_op.f('fk_alias_person_id_person'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_alias_key_person_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_alias_person_id'))
        batch_op.drop_column('person_id')

    with op.batch_alter_table('ai_model', schema=None) as batch_op:
        batch_op.drop_column('reviewed')

    op.drop_table('event_search')
    with op.batch_alter_table('event_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_person_person_id'))

    op.drop_table('event_person')
    op.drop_table('person')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_target')

    op.drop_table('audit_entry')
