"""Races, training plans and their sessions, and the athlete's availability on "User".

"Race" and "TrainingPlan" are the seed's "Future Schema Enhancements" with what a plan needs (sport,
priority, target time; the race a plan leads to, its status and projection); "PlannedWorkout" is one row
per planned session. The availability settings are columns of "User", each with a CHECK of its range.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-07 01:35:54.583602
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0015'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

USER_CHECKS = {
    'weekly_hours_range': '"weeklyHours" IS NULL OR ("weeklyHours" >= 1 AND "weeklyHours" <= 30)',
    'day_minutes_range': (
        '"dayMinutes" IS NULL OR (cardinality("dayMinutes") = 7 AND 0 <= ALL ("dayMinutes") '
        'AND 480 >= ALL ("dayMinutes"))'
    ),
    'threshold_pace_range': '"thresholdPaceSecPerKm" IS NULL OR ("thresholdPaceSecPerKm" BETWEEN 120 AND 720)',
    'ctl_ramp_range': '"ctlRamp" IS NULL OR ("ctlRamp" >= 5 AND "ctlRamp" <= 8)',
    'recovery_rhythm_values': "\"recoveryRhythm\" IS NULL OR \"recoveryRhythm\" IN ('3:1', '2:1')",
    'distance_unit_values': "\"distanceUnit\" IN ('km', 'mi')",
}


def upgrade() -> None:
    op.create_table('Race',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('userId', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('distance', sa.Float(), nullable=True),
    sa.Column('targetPower', sa.Integer(), nullable=True),
    sa.Column('result', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('sport', sa.Text(), server_default=sa.text("'ride'"), nullable=False),
    sa.Column('priority', sa.Text(), server_default=sa.text("'A'"), nullable=False),
    sa.Column('targetTimeSec', sa.Integer(), nullable=True),
    sa.Column('createdAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("priority IN ('A', 'B', 'C')", name=op.f('Race_priority_values_check')),
    sa.CheckConstraint("sport IN ('ride', 'run', 'swim')", name=op.f('Race_sport_values_check')),
    sa.CheckConstraint('"distance" IS NULL OR ("distance" > 0 AND "distance" <= 5000)', name=op.f('Race_distance_range_check')),
    sa.CheckConstraint('"targetPower" IS NULL OR ("targetPower" BETWEEN 1 AND 2000)', name=op.f('Race_target_power_range_check')),
    sa.CheckConstraint('"targetTimeSec" IS NULL OR "targetTimeSec" > 0', name=op.f('Race_target_time_positive_check')),
    sa.CheckConstraint('char_length(name) BETWEEN 1 AND 60', name=op.f('Race_name_length_check')),
    sa.ForeignKeyConstraint(['userId'], ['User.id'], name=op.f('Race_userId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('Race_pkey')),
    sa.UniqueConstraint('userId', 'name', 'date', name=op.f('Race_userId_name_date_key'))
    )
    op.create_table('TrainingPlan',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('userId', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('startDate', sa.Date(), nullable=False),
    sa.Column('endDate', sa.Date(), nullable=False),
    sa.Column('weeks', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('projection', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('raceId', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), server_default=sa.text("'active'"), nullable=False),
    sa.Column('estimatedPaceSecPerKm', sa.Integer(), nullable=True),
    sa.Column('createdAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('active', 'superseded')", name=op.f('TrainingPlan_status_values_check')),
    sa.ForeignKeyConstraint(['raceId'], ['Race.id'], name=op.f('TrainingPlan_raceId_fkey'), onupdate='CASCADE', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['userId'], ['User.id'], name=op.f('TrainingPlan_userId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('TrainingPlan_pkey'))
    )
    op.create_index(op.f('TrainingPlan_raceId_idx'), 'TrainingPlan', ['raceId'], unique=False)
    op.create_index(op.f('TrainingPlan_userId_idx'), 'TrainingPlan', ['userId'], unique=True, postgresql_where=sa.text("status = 'active'"))
    op.create_table('PlannedWorkout',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('planId', sa.Text(), nullable=False),
    sa.Column('userId', sa.Text(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('sport', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('steps', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('plannedDurationSec', sa.Integer(), nullable=False),
    sa.Column('plannedTss', sa.Float(), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'planned'"), nullable=False),
    sa.Column('workoutId', sa.Text(), nullable=True),
    sa.Column('replacesId', sa.Text(), nullable=True),
    sa.Column('adaptedFor', sa.Text(), nullable=True),
    sa.Column('createdAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updatedAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'done', 'partial', 'missed', 'skipped', 'replaced')", name=op.f('PlannedWorkout_status_values_check')),
    sa.CheckConstraint('"plannedDurationSec" >= 0', name=op.f('PlannedWorkout_duration_nonnegative_check')),
    sa.CheckConstraint('"plannedTss" >= 0', name=op.f('PlannedWorkout_tss_nonnegative_check')),
    sa.ForeignKeyConstraint(['planId'], ['TrainingPlan.id'], name=op.f('PlannedWorkout_planId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['replacesId'], ['PlannedWorkout.id'], name=op.f('PlannedWorkout_replacesId_fkey'), onupdate='CASCADE', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['userId'], ['User.id'], name=op.f('PlannedWorkout_userId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workoutId'], ['Workout.id'], name=op.f('PlannedWorkout_workoutId_fkey'), onupdate='CASCADE', ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('PlannedWorkout_pkey'))
    )
    op.create_index(op.f('PlannedWorkout_planId_idx'), 'PlannedWorkout', ['planId'], unique=False)
    op.create_index(op.f('PlannedWorkout_replacesId_idx'), 'PlannedWorkout', ['replacesId'], unique=False)
    op.create_index(op.f('PlannedWorkout_userId_date_idx'), 'PlannedWorkout', ['userId', 'date'], unique=False)
    op.create_index(op.f('PlannedWorkout_workoutId_idx'), 'PlannedWorkout', ['workoutId'], unique=False)
    op.add_column('User', sa.Column('weeklyHours', sa.Float(), nullable=True))
    op.add_column('User', sa.Column('dayMinutes', postgresql.ARRAY(sa.Integer()), nullable=True))
    op.add_column('User', sa.Column('hasPowerMeter', sa.Boolean(), nullable=True))
    op.add_column('User', sa.Column('thresholdPaceSecPerKm', sa.Integer(), nullable=True))
    op.add_column('User', sa.Column('ctlRamp', sa.Float(), nullable=True))
    op.add_column('User', sa.Column('recoveryRhythm', sa.Text(), nullable=True))
    op.add_column('User', sa.Column('distanceUnit', sa.Text(), server_default=sa.text("'km'"), nullable=False))
    for name, condition in USER_CHECKS.items():
        op.create_check_constraint(op.f(f'User_{name}_check'), 'User', condition)
    # "updatedAt" kept current by the trigger function of 0001, as for the seed's tables.
    op.execute(
        'CREATE TRIGGER "PlannedWorkout_set_updated_at" BEFORE UPDATE ON "PlannedWorkout" '
        'FOR EACH ROW EXECUTE FUNCTION coach_set_updated_at()'
    )


def downgrade() -> None:
    for name in USER_CHECKS:
        op.drop_constraint(op.f(f'User_{name}_check'), 'User', type_='check')
    op.drop_column('User', 'distanceUnit')
    op.drop_column('User', 'recoveryRhythm')
    op.drop_column('User', 'ctlRamp')
    op.drop_column('User', 'thresholdPaceSecPerKm')
    op.drop_column('User', 'hasPowerMeter')
    op.drop_column('User', 'dayMinutes')
    op.drop_column('User', 'weeklyHours')
    op.drop_index(op.f('PlannedWorkout_workoutId_idx'), table_name='PlannedWorkout')
    op.drop_index(op.f('PlannedWorkout_userId_date_idx'), table_name='PlannedWorkout')
    op.drop_index(op.f('PlannedWorkout_replacesId_idx'), table_name='PlannedWorkout')
    op.drop_index(op.f('PlannedWorkout_planId_idx'), table_name='PlannedWorkout')
    op.drop_table('PlannedWorkout')
    op.drop_index(op.f('TrainingPlan_userId_idx'), table_name='TrainingPlan', postgresql_where=sa.text("status = 'active'"))
    op.drop_index(op.f('TrainingPlan_raceId_idx'), table_name='TrainingPlan')
    op.drop_table('TrainingPlan')
    op.drop_table('Race')
