"""Morning brief: one delivery row per (user, local date, kind), the morning check-in, User.active.

The unique key on "BriefDelivery" is what makes a brief go out once, whatever the number of processes;
"User"."active" turns false when Telegram says the user blocked the bot.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 06:36:39.743746
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('BriefDelivery',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('userId', sa.Text(), nullable=False),
    sa.Column('localDate', sa.Date(), nullable=False),
    sa.Column('kind', sa.Text(), server_default=sa.text("'morning'"), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('dueAt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('waitUntil', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notBefore', sa.DateTime(timezone=True), nullable=True),
    sa.Column('owner', sa.Text(), nullable=True),
    sa.Column('leaseUntil', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('missing', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('messageId', sa.BigInteger(), nullable=True),
    sa.Column('sentAt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('createdAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['userId'], ['User.id'], name=op.f('BriefDelivery_userId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('BriefDelivery_pkey')),
    sa.UniqueConstraint('userId', 'localDate', 'kind', name=op.f('BriefDelivery_userId_localDate_kind_key'))
    )
    op.create_index(op.f('BriefDelivery_status_notBefore_idx'), 'BriefDelivery', ['status', 'notBefore'], unique=False)
    op.create_table('CheckIn',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('userId', sa.Text(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('feel', sa.Integer(), nullable=True),
    sa.Column('soreness', sa.Integer(), nullable=True),
    sa.Column('illness', sa.Boolean(), nullable=True),
    sa.Column('choice', sa.Text(), nullable=True),
    sa.Column('updatedAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('"feel" IS NULL OR ("feel" >= 1 AND "feel" <= 5)', name=op.f('CheckIn_feel_range_check')),
    sa.CheckConstraint('"soreness" IS NULL OR ("soreness" >= 0 AND "soreness" <= 2)', name=op.f('CheckIn_soreness_range_check')),
    sa.ForeignKeyConstraint(['userId'], ['User.id'], name=op.f('CheckIn_userId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('CheckIn_pkey')),
    sa.UniqueConstraint('userId', 'date', name=op.f('CheckIn_userId_date_key'))
    )
    op.add_column('User', sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False))


def downgrade() -> None:
    op.drop_column('User', 'active')
    op.drop_table('CheckIn')
    op.drop_index(op.f('BriefDelivery_status_notBefore_idx'), table_name='BriefDelivery')
    op.drop_table('BriefDelivery')
