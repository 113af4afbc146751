"""The Gemini coach: conversation turns, tokens spent per user and day, one-off notices.

"ChatTurn" keeps the last turns so a follow-up works after a restart; "LlmUsage" backs the per-user daily
token budget; "CoachNotice" makes "free-form answers need a Gemini key" appear once.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 06:42:14.733238
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ChatTurn',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('userId', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('createdAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('user', 'model')", name=op.f('ChatTurn_role_values_check')),
    sa.ForeignKeyConstraint(['userId'], ['User.id'], name=op.f('ChatTurn_userId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('ChatTurn_pkey'))
    )
    op.create_index(op.f('ChatTurn_userId_id_idx'), 'ChatTurn', ['userId', 'id'], unique=False)
    op.create_table('CoachNotice',
    sa.Column('userId', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('shownAt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['userId'], ['User.id'], name=op.f('CoachNotice_userId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('userId', 'kind', name=op.f('CoachNotice_pkey'))
    )
    op.create_table('LlmUsage',
    sa.Column('userId', sa.Text(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('tokens', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('requests', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.ForeignKeyConstraint(['userId'], ['User.id'], name=op.f('LlmUsage_userId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('userId', 'day', name=op.f('LlmUsage_pkey'))
    )


def downgrade() -> None:
    op.drop_table('LlmUsage')
    op.drop_table('CoachNotice')
    op.drop_index(op.f('ChatTurn_userId_id_idx'), table_name='ChatTurn')
    op.drop_table('ChatTurn')
