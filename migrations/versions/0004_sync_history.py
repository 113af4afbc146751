"""One history from many providers.

"Workout" gains "canonicalId" (a copy of a session another provider also sent points at the record that
speaks for it; NULL = counted), "localDate" and "utcOffsetSec" (the provider's own day and offset).
"DailyMetricSource" keeps each provider's daily values so the merged "DailyMetric" row can be recomputed,
"MetricSourceOrder" an athlete's own source order per metric, "SyncCursor" where each stream's sync got to,
"SyncPending" objects the provider had not finished scoring.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 06:46:16.974928
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('DailyMetricSource',
    sa.Column('userId', sa.Text(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('hrv', sa.Float(), nullable=True),
    sa.Column('restingHr', sa.Integer(), nullable=True),
    sa.Column('sleepScore', sa.Integer(), nullable=True),
    sa.Column('hoursSlept', sa.Float(), nullable=True),
    sa.Column('recoveryScore', sa.Integer(), nullable=True),
    sa.Column('strainScore', sa.Float(), nullable=True),
    sa.Column('spO2', sa.Float(), nullable=True),
    sa.Column('rawJson', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('updatedAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['userId'], ['User.id'], name=op.f('DailyMetricSource_userId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('userId', 'date', 'source', name=op.f('DailyMetricSource_pkey'))
    )
    op.create_table('MetricSourceOrder',
    sa.Column('userId', sa.Text(), nullable=False),
    sa.Column('metric', sa.Text(), nullable=False),
    sa.Column('sources', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.ForeignKeyConstraint(['userId'], ['User.id'], name=op.f('MetricSourceOrder_userId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('userId', 'metric', name=op.f('MetricSourceOrder_pkey'))
    )
    op.create_table('SyncCursor',
    sa.Column('integrationId', sa.Text(), nullable=False),
    sa.Column('stream', sa.Text(), nullable=False),
    sa.Column('cursor', sa.Text(), nullable=True),
    sa.Column('updatedAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['integrationId'], ['Integration.id'], name=op.f('SyncCursor_integrationId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('integrationId', 'stream', name=op.f('SyncCursor_pkey'))
    )
    op.create_table('SyncPending',
    sa.Column('integrationId', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('externalId', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('firstSeenAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('lastSeenAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['integrationId'], ['Integration.id'], name=op.f('SyncPending_integrationId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('integrationId', 'kind', 'externalId', name=op.f('SyncPending_pkey'))
    )
    op.add_column('Workout', sa.Column('canonicalId', sa.Text(), nullable=True))
    op.add_column('Workout', sa.Column('localDate', sa.Date(), nullable=True))
    op.add_column('Workout', sa.Column('utcOffsetSec', sa.Integer(), nullable=True))
    op.create_foreign_key(op.f('Workout_canonicalId_fkey'), 'Workout', 'Workout', ['canonicalId'], ['id'], onupdate='CASCADE', ondelete='SET NULL')
    op.create_index(op.f('Workout_canonicalId_idx'), 'Workout', ['canonicalId'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('Workout_canonicalId_idx'), table_name='Workout')
    op.drop_constraint(op.f('Workout_canonicalId_fkey'), 'Workout', type_='foreignkey')
    op.drop_column('Workout', 'utcOffsetSec')
    op.drop_column('Workout', 'localDate')
    op.drop_column('Workout', 'canonicalId')
    op.drop_table('SyncPending')
    op.drop_table('SyncCursor')
    op.drop_table('MetricSourceOrder')
    op.drop_table('DailyMetricSource')
