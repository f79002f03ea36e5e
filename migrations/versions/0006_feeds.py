"""feeds

Adds the feeds ``kb watch`` follows (``feed``: the URL, the validators of its last read for
a conditional GET, how its last poll went) and the entries seen in them (``feed_entry``: one
row per entry however often a feed repeats it, with the article its page became or why it
did not). Two new tables that refer to ``article`` and nothing else refers to: the revision
stands on its own whatever precedes it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 13:53:46.292904
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0006'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('added_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('etag', sa.Text(), nullable=True),
    sa.Column('last_modified', sa.Text(), nullable=True),
    sa.Column('polled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('status', sa.Enum('ok', 'not_modified', 'failed', name='feedstatus', native_enum=False, length=16), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed')),
    sa.UniqueConstraint('url', name=op.f('uq_feed_url'))
    )
    op.create_table('feed_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feed_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('published', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('stored', 'known', 'retrying', 'failed', name='feedentrystatus', native_enum=False, length=16), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('tried_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['article.id'], name=op.f('fk_feed_entry_article_id_article'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['feed_id'], ['feed.id'], name=op.f('fk_feed_entry_feed_id_feed'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_entry')),
    sa.UniqueConstraint('feed_id', 'key', name=op.f('uq_feed_entry_feed_id_key'))
    )
    with op.batch_alter_table('feed_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feed_entry_article_id'), ['article_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('feed_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feed_entry_article_id'))

    op.drop_table('feed_entry')
    op.drop_table('feed')
