"""Dialog state: the question the bot waits for an answer to (onboarding, settings), per user.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 06:38:38.638337
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('DialogState',
    sa.Column('userId', sa.Text(), nullable=False),
    sa.Column('flow', sa.Text(), nullable=False),
    sa.Column('step', sa.Text(), nullable=False),
    sa.Column('chatId', sa.BigInteger(), nullable=False),
    sa.Column('messageId', sa.BigInteger(), nullable=True),
    sa.Column('updatedAt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expiresAt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['userId'], ['User.id'], name=op.f('DialogState_userId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('userId', name=op.f('DialogState_pkey'))
    )


def downgrade() -> None:
    op.drop_table('DialogState')
