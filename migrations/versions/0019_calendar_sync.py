"""The Intervals.icu calendar sync: the athlete's switch and pending job ("CalendarSync"), what was written
("CalendarEntry"), and the triggers that request a new write whenever the plan or the athlete's thresholds change.

Triggers, not calls in every code path that changes a plan: sessions are created, moved, eased, swapped,
matched and deleted by several services (building, readiness, the brief's buttons, the weekly rebalancing),
and a write that one of them forgot would leave the calendar behind. The trigger only stamps the user's one
"CalendarSync" row (coalescing any number of changes into one job); the writing happens outside the
transaction, in the calendar job.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REQUEST = '''
CREATE FUNCTION cw_calendar_request(target text) RETURNS void LANGUAGE sql AS $$
    UPDATE "CalendarSync"
       SET "requestedAt" = clock_timestamp(), generation = generation + 1, attempts = 0, "notBefore" = NULL,
           "processedAt" = NULL, "parkedAt" = NULL, "reportedAt" = NULL
     WHERE "userId" = target AND enabled
$$;
'''

ON_SESSION = '''
CREATE FUNCTION cw_calendar_on_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM cw_calendar_request(OLD."userId");
    ELSE
        PERFORM cw_calendar_request(NEW."userId");
        IF TG_OP = 'UPDATE' AND OLD."userId" IS DISTINCT FROM NEW."userId" THEN
            PERFORM cw_calendar_request(OLD."userId");
        END IF;
    END IF;
    RETURN NULL;
END
$$;
'''

ON_USER = '''
CREATE FUNCTION cw_calendar_on_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cw_calendar_request(NEW.id);
    RETURN NULL;
END
$$;
'''

# Only the columns the written targets depend on (watts, heart rate, pace, the power meter) and the time zone
# (the window's days) request a write.
USER_TRIGGER = '''
CREATE TRIGGER cw_calendar_user AFTER UPDATE ON "User" FOR EACH ROW
WHEN (OLD.ftp IS DISTINCT FROM NEW.ftp OR OLD."maxHr" IS DISTINCT FROM NEW."maxHr"
      OR OLD.lthr IS DISTINCT FROM NEW.lthr OR OLD."restingHr" IS DISTINCT FROM NEW."restingHr"
      OR OLD."hasPowerMeter" IS DISTINCT FROM NEW."hasPowerMeter"
      OR OLD."thresholdPaceSecPerKm" IS DISTINCT FROM NEW."thresholdPaceSecPerKm"
      OR OLD.timezone IS DISTINCT FROM NEW.timezone)
EXECUTE FUNCTION cw_calendar_on_user();
'''

SESSION_TRIGGER = '''
CREATE TRIGGER cw_calendar_session AFTER INSERT OR UPDATE OR DELETE ON "PlannedWorkout" FOR EACH ROW
EXECUTE FUNCTION cw_calendar_on_session();
'''


def upgrade() -> None:
    op.create_table('CalendarSync',
    sa.Column('userId', sa.Text(), nullable=False),
    sa.Column('enabled', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('enabledAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('stoppedAt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('requestedAt', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('generation', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('claimedAt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('notBefore', sa.DateTime(timezone=True), nullable=True),
    sa.Column('processedAt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('parkedAt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reportedAt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lastError', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['userId'], ['User.id'], onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('userId')
    )
    op.create_table('CalendarEntry',
    sa.Column('userId', sa.Text(), nullable=False),
    sa.Column('externalId', sa.Text(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('eventId', sa.Text(), nullable=True),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('writtenAt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['userId'], ['User.id'], onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('userId', 'externalId')
    )
    op.execute(REQUEST)
    op.execute(ON_SESSION)
    op.execute(ON_USER)
    op.execute(SESSION_TRIGGER)
    op.execute(USER_TRIGGER)


def downgrade() -> None:
    op.execute('DROP TRIGGER cw_calendar_user ON "User"')
    op.execute('DROP TRIGGER cw_calendar_session ON "PlannedWorkout"')
    op.execute('DROP FUNCTION cw_calendar_on_user()')
    op.execute('DROP FUNCTION cw_calendar_on_session()')
    op.execute('DROP FUNCTION cw_calendar_request(text)')
    op.drop_table('CalendarEntry')
    op.drop_table('CalendarSync')
