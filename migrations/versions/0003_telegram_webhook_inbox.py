"""Telegram webhook inbox.

"TelegramUpdate" keeps every webhook update by its update_id before Telegram gets its 200, so a crash loses
nothing and a redelivery is answered once.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 06:49:12.990820
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('TelegramUpdate',
    sa.Column('updateId', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('receivedAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('claimedAt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('processedAt', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('updateId', name=op.f('TelegramUpdate_pkey'))
    )
    op.create_index(op.f('TelegramUpdate_receivedAt_idx'), 'TelegramUpdate', ['receivedAt'], unique=False, postgresql_where=sa.text('"processedAt" IS NULL'))


def downgrade() -> None:
    op.drop_index(op.f('TelegramUpdate_receivedAt_idx'), table_name='TelegramUpdate', postgresql_where=sa.text('"processedAt" IS NULL'))
    op.drop_table('TelegramUpdate')
