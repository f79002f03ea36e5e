"""date source, background evidence

Adds ``event.date_source`` (where an event's date comes from: its own clause, the story
around it, the article's publication date, or the knowledge base) and ``evidence.background``
(the article recalls the event in passing rather than reporting it). Plain added columns: on
SQLite ``ALTER TABLE … ADD COLUMN`` keeps the tables, so migration 0003's triggers stay.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 14:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

DATE_SOURCE = sa.Enum('text', 'story', 'publication', 'knowledge_base', name='datesource', native_enum=False, length=16)


def upgrade() -> None:
    op.add_column('event', sa.Column('date_source', DATE_SOURCE, nullable=True))
    op.add_column('evidence', sa.Column('background', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    # SQLite drops a column in place (3.35+) when nothing refers to it; these have no index.
    op.drop_column('evidence', 'background')
    op.drop_column('event', 'date_source')
