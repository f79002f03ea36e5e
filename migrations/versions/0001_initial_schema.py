"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 15:22:32.468114
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0001'
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('article',
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('file_name', sa.Text(), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('published', sa.Date(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('ingested_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article')),
    sa.UniqueConstraint('content_hash', name=op.f('uq_article_content_hash'))
    )
    op.create_table('event',
    sa.Column('kind', sa.Enum('leak', 'release', 'announcement', 'investment', 'acquisition', 'lawsuit', 'regulation', 'partnership', 'personnel', 'other', name='eventkind', native_enum=False, length=16), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('date_start', sa.Date(), nullable=True),
    sa.Column('date_end', sa.Date(), nullable=True),
    sa.Column('precision', sa.Enum('day', 'week', 'month', 'season', 'quarter', 'half', 'year', 'decade', name='precision', native_enum=False, length=16), nullable=True),
    sa.Column('modifier', sa.Enum('start', 'mid', 'end', 'approx', name='modifier', native_enum=False, length=16), nullable=True),
    sa.Column('date_value', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('date_text', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('year_inferred', sa.Boolean(), nullable=False),
    sa.Column('year_inference_reason', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event'))
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index('ix_event_chronology', ['date_start', 'id'], unique=False)

    op.create_table('organization',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('kind', sa.Enum('company', 'lab', 'media', 'platform', 'regulator', 'other', name='organizationkind', native_enum=False, length=16), nullable=False),
    sa.Column('wikidata_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization')),
    sa.UniqueConstraint('name', name=op.f('uq_organization_name'))
    )
    op.create_table('ai_model',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=True),
    sa.Column('developer_id', sa.Integer(), nullable=True),
    sa.Column('parameters', sa.BigInteger(), nullable=True),
    sa.Column('wikidata_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['developer_id'], ['organization.id'], name=op.f('fk_ai_model_developer_id_organization'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['family_id'], ['ai_model.id'], name=op.f('fk_ai_model_family_id_ai_model'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ai_model')),
    sa.UniqueConstraint('name', name=op.f('uq_ai_model_name'))
    )
    with op.batch_alter_table('ai_model', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ai_model_developer_id'), ['developer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ai_model_family_id'), ['family_id'], unique=False)

    op.create_table('event_organization',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('subject', 'developer', 'platform', 'reporter', 'investor', 'target', 'regulator', 'partner', name='role', native_enum=False, length=16), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_organization_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_event_organization_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'organization_id', 'role', name=op.f('pk_event_organization'))
    )
    with op.batch_alter_table('event_organization', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_organization_organization_id'), ['organization_id'], unique=False)

    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('quote', sa.Text(), nullable=False),
    sa.Column('char_start', sa.Integer(), nullable=False),
    sa.Column('char_end', sa.Integer(), nullable=False),
    sa.CheckConstraint('char_start >= 0 AND char_end > char_start', name=op.f('ck_evidence_offsets')),
    sa.ForeignKeyConstraint(['article_id'], ['article.id'], name=op.f('fk_evidence_article_id_article'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_evidence_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence')),
    sa.UniqueConstraint('event_id', 'article_id', 'char_start', name=op.f('uq_evidence_event_id_article_id_char_start'))
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_event_id'), ['event_id'], unique=False)

    op.create_table('alias',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('model_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(organization_id IS NULL) <> (model_id IS NULL)', name=op.f('ck_alias_one_entity')),
    sa.ForeignKeyConstraint(['model_id'], ['ai_model.id'], name=op.f('fk_alias_model_id_ai_model'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_alias_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alias')),
    sa.UniqueConstraint('key', 'model_id', name=op.f('uq_alias_key_model_id')),
    sa.UniqueConstraint('key', 'organization_id', name=op.f('uq_alias_key_organization_id'))
    )
    with op.batch_alter_table('alias', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alias_key'), ['key'], unique=False)
        batch_op.create_index(batch_op.f('ix_alias_model_id'), ['model_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alias_organization_id'), ['organization_id'], unique=False)

    op.create_table('event_model',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_model_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['model_id'], ['ai_model.id'], name=op.f('fk_event_model_model_id_ai_model'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'model_id', name=op.f('pk_event_model'))
    )
    with op.batch_alter_table('event_model', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_model_model_id'), ['model_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('event_model', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_model_model_id'))

    op.drop_table('event_model')
    with op.batch_alter_table('alias', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alias_organization_id'))
        batch_op.drop_index(batch_op.f('ix_alias_model_id'))
        batch_op.drop_index(batch_op.f('ix_alias_key'))

    op.drop_table('alias')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_event_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_article_id'))

    op.drop_table('evidence')
    with op.batch_alter_table('event_organization', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_organization_organization_id'))

    op.drop_table('event_organization')
    with op.batch_alter_table('ai_model', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ai_model_family_id'))
        batch_op.drop_index(batch_op.f('ix_ai_model_developer_id'))

    op.drop_table('ai_model')
    op.drop_table('organization')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_chronology')

    op.drop_table('event')
    op.drop_table('article')
