"""Stored per-day training load ("DailyLoad") and the staleness marks that keep it exact ("DailyLoadStale").

The morning brief, ``/today`` and the reports used to re-read and re-score up to a year of workouts per
athlete. A day's load is now stored with the fitness (CTL) and fatigue (ATL) it leaves, so a reader needs a
handful of rows whatever the history's length.

A workout's load is computed in Python (`coach.loads`: imported load, TSS, HRSS from the athlete's heart-rate
profile, or an estimate), so the database cannot recompute it; what it can do is never miss a change. Triggers
on "Workout" (every insert, update and delete, whichever path ran it: sync, webhooks, FIT upload, cross-provider
linking, deletes, a console fix) and on the profile columns of "User" that change a load or its day (resting,
threshold and max HR, sex, FTP, time zone) record, in the same transaction as the write, the earliest local day
whose stored row may be wrong. Readers rebuild from that day before they read (`coach.day_loads.refresh`),
under the row lock of the mark, so no reader ever sees a stale number.

The earliest day is bounded without the athlete's time zone: a local date is never earlier than the UTC date
minus one day (offsets stay within ±14 h), so ``UTC date - 1`` is safe; rebuilding one day too many is exact.

Backfill: every athlete with workouts is marked stale from the beginning; ``coach-watts recompute-loads``
rebuilds them all at once (otherwise each is rebuilt at its first read).

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-07 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Transition tables hold every row of the statement: one mark per user per statement, not one per row (a sync
# page writes hundreds of workouts). Users are marked in id order so two writers never deadlock on the marks.
# A user deleted in the same statement (the cascade of a /deleteme) is not marked.
MARK_FROM = """
    INSERT INTO "DailyLoadStale" ("userId", "fromDate")
    SELECT r."userId", min((r."date" AT TIME ZONE 'UTC')::date) - 1
    FROM {rows} r
    WHERE EXISTS (SELECT 1 FROM "User" u WHERE u.id = r."userId")
    GROUP BY r."userId"
    ORDER BY r."userId"
    ON CONFLICT ("userId") DO UPDATE SET "fromDate" = least("DailyLoadStale"."fromDate", EXCLUDED."fromDate");
"""

WORKOUT_FUNCTION = f"""
CREATE FUNCTION cw_daily_load_mark_workouts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {MARK_FROM.format(rows='new_rows')}
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {MARK_FROM.format(rows='old_rows')}
    END IF;
    RETURN NULL;
END
$$;
"""

USER_FUNCTION = """
CREATE FUNCTION cw_daily_load_mark_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "DailyLoadStale" ("userId", "fromDate") VALUES (NEW.id, DATE '0001-01-01')
    ON CONFLICT ("userId") DO UPDATE SET "fromDate" = DATE '0001-01-01';
    RETURN NULL;
END
$$;
"""

PROFILE_COLUMNS = ('"restingHr"', '"maxHr"', '"lthr"', '"sex"', '"ftp"', '"timezone"')


def upgrade() -> None:
    op.create_table('DailyLoad',
    sa.Column('userId', sa.Text(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('load', sa.Float(), nullable=False),
    sa.Column('sessions', sa.Integer(), nullable=False),
    sa.Column('estimated', sa.Integer(), nullable=False),
    sa.Column('ctl', sa.Float(), nullable=False),
    sa.Column('atl', sa.Float(), nullable=False),
    sa.Column('sessionsTotal', sa.Integer(), nullable=False),
    sa.Column('estimatedTotal', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['userId'], ['User.id'], name=op.f('DailyLoad_userId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('userId', 'date', name=op.f('DailyLoad_pkey'))
    )
    op.create_table('DailyLoadStale',
    sa.Column('userId', sa.Text(), nullable=False),
    sa.Column('fromDate', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['userId'], ['User.id'], name=op.f('DailyLoadStale_userId_fkey'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('userId', name=op.f('DailyLoadStale_pkey'))
    )
    op.execute(WORKOUT_FUNCTION)
    op.execute(
        'CREATE TRIGGER cw_daily_load_insert AFTER INSERT ON "Workout" REFERENCING NEW TABLE AS new_rows '
        'FOR EACH STATEMENT EXECUTE FUNCTION cw_daily_load_mark_workouts()'
    )
    op.execute(
        'CREATE TRIGGER cw_daily_load_update AFTER UPDATE ON "Workout" '
        'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
        'FOR EACH STATEMENT EXECUTE FUNCTION cw_daily_load_mark_workouts()'
    )
    op.execute(
        'CREATE TRIGGER cw_daily_load_delete AFTER DELETE ON "Workout" REFERENCING OLD TABLE AS old_rows '
        'FOR EACH STATEMENT EXECUTE FUNCTION cw_daily_load_mark_workouts()'
    )
    op.execute(USER_FUNCTION)
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in PROFILE_COLUMNS)
    op.execute(
        f'CREATE TRIGGER cw_daily_load_profile AFTER UPDATE ON "User" FOR EACH ROW WHEN ({changed}) '
        'EXECUTE FUNCTION cw_daily_load_mark_user()'
    )
    op.execute(
        'INSERT INTO "DailyLoadStale" ("userId", "fromDate") '
        'SELECT DISTINCT "userId", DATE \'0001-01-01\' FROM "Workout"'
    )


def downgrade() -> None:
    op.execute('DROP TRIGGER cw_daily_load_profile ON "User"')
    op.execute('DROP FUNCTION cw_daily_load_mark_user()')
    for name in ("insert", "update", "delete"):
        op.execute(f'DROP TRIGGER cw_daily_load_{name} ON "Workout"')
    op.execute('DROP FUNCTION cw_daily_load_mark_workouts()')
    op.drop_table('DailyLoadStale')
    op.drop_table('DailyLoad')
