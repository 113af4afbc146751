"""The Intervals.icu calendar writes run on the job queue.

"CalendarSync" was its own little queue (claimed, attempts, not before, processed, parked, reported). The
athlete's write is now a job of "Job" (kind ``calendar.write``, keyed by the user id, lock ``user:<id>``): the
request function the triggers call (migration 0019) counts the request as before and queues that job again —
a job already queued absorbs the request, a finished or dead one is queued anew with all its attempts. Its
``runAt`` is the epoch: due at once whatever an application clock says (its wait is counted from
``createdAt``, the time it was queued). Athletes whose write was pending at
the upgrade get their job, so nothing is lost; the queue columns go.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUEUE_AGAIN = '''
ON CONFLICT (kind, key) DO UPDATE
   SET state = 'queued', "runAt" = EXCLUDED."runAt", attempts = 0, owner = NULL, "leaseUntil" = NULL,
       "lastError" = NULL, "finishedAt" = NULL, "createdAt" = clock_timestamp()
 WHERE "Job".state IN ('done', 'dead')
'''

REQUEST = f'''
CREATE OR REPLACE FUNCTION cw_calendar_request(target text) RETURNS void LANGUAGE sql AS $$
    UPDATE "CalendarSync" SET "requestedAt" = clock_timestamp(), generation = generation + 1
     WHERE "userId" = target AND enabled;
    INSERT INTO "Job" (kind, key, "lockKey", state, "runAt", "maxAttempts")
    SELECT 'calendar.write', "userId", 'user:' || "userId", 'queued', to_timestamp(0), 5
      FROM "CalendarSync" WHERE "userId" = target AND enabled
    {QUEUE_AGAIN};
$$;
'''

OLD_REQUEST = '''
CREATE OR REPLACE FUNCTION cw_calendar_request(target text) RETURNS void LANGUAGE sql AS $$
    UPDATE "CalendarSync"
       SET "requestedAt" = clock_timestamp(), generation = generation + 1, attempts = 0, "notBefore" = NULL,
           "processedAt" = NULL, "parkedAt" = NULL, "reportedAt" = NULL
     WHERE "userId" = target AND enabled
$$;
'''

COLUMNS = ("claimedAt", "attempts", "notBefore", "processedAt", "parkedAt", "reportedAt", "lastError")


def upgrade() -> None:
    op.execute(
        f'''
        INSERT INTO "Job" (kind, key, "lockKey", state, "runAt", "maxAttempts")
        SELECT 'calendar.write', "userId", 'user:' || "userId", 'queued', to_timestamp(0), 5
          FROM "CalendarSync" WHERE enabled AND "processedAt" IS NULL AND "parkedAt" IS NULL
        {QUEUE_AGAIN}
        '''
    )
    op.execute(REQUEST)
    for column in COLUMNS:
        op.drop_column("CalendarSync", column)


def downgrade() -> None:
    op.add_column("CalendarSync", sa.Column("claimedAt", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "CalendarSync", sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    for column in ("notBefore", "processedAt", "parkedAt", "reportedAt"):
        op.add_column("CalendarSync", sa.Column(column, sa.DateTime(timezone=True), nullable=True))
    op.add_column("CalendarSync", sa.Column("lastError", sa.Text(), nullable=True))
    # Writes still queued become pending rows again; the rest count as done.
    op.execute(
        '''
        UPDATE "CalendarSync" c SET "processedAt" = now()
         WHERE NOT EXISTS (SELECT 1 FROM "Job" j WHERE j.kind = 'calendar.write' AND j.key = c."userId"
                            AND j.state IN ('queued', 'running'))
        '''
    )
    op.execute("""DELETE FROM "Job" WHERE kind = 'calendar.write'""")
    op.execute(OLD_REQUEST)
