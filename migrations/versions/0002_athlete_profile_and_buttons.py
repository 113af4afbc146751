"""Athlete profile and buttons.

The "User" columns the heart-rate load and onboarding need (resting HR, threshold HR, sex, sport focus) with
CHECK constraints mirroring db.validation, and "CallbackAction", the server side of every inline button.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 06:35:18.085450
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('CallbackAction',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('userId', sa.Text(), nullable=False),
    sa.Column('chatId', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('singleUse', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('createdAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expiresAt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('usedAt', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['userId'], ['User.id'], name=op.f('CallbackAction_userId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('CallbackAction_pkey'))
    )
    op.create_index(op.f('CallbackAction_expiresAt_idx'), 'CallbackAction', ['expiresAt'], unique=False)
    op.add_column('User', sa.Column('restingHr', sa.Integer(), nullable=True))
    op.add_column('User', sa.Column('lthr', sa.Integer(), nullable=True))
    op.add_column('User', sa.Column('sex', sa.Text(), nullable=True))
    op.add_column('User', sa.Column('sportFocus', sa.Text(), nullable=True))
    op.create_check_constraint(op.f('User_resting_hr_range_check'), 'User', '"restingHr" IS NULL OR ("restingHr" BETWEEN 25 AND 120)')
    op.create_check_constraint(op.f('User_lthr_range_check'), 'User', '"lthr" IS NULL OR ("lthr" BETWEEN 80 AND 220)')
    op.create_check_constraint(op.f('User_sex_values_check'), 'User', "\"sex\" IS NULL OR \"sex\" IN ('female', 'male')")
    op.create_check_constraint(
        op.f('User_sport_focus_values_check'), 'User',
        "\"sportFocus\" IS NULL OR \"sportFocus\" IN ('cycling', 'running', 'triathlon', 'other')",
    )


def downgrade() -> None:
    for name in ('sport_focus_values', 'sex_values', 'lthr_range', 'resting_hr_range'):
        op.drop_constraint(op.f(f'User_{name}_check'), 'User', type_='check')
    op.drop_column('User', 'sportFocus')
    op.drop_column('User', 'sex')
    op.drop_column('User', 'lthr')
    op.drop_column('User', 'restingHr')
    op.drop_index(op.f('CallbackAction_expiresAt_idx'), table_name='CallbackAction')
    op.drop_table('CallbackAction')
