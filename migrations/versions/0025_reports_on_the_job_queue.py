"""Reports run on the job queue: "ReportRequest" loses its own work lease and attempt count.

A report's work is now a ``report.build`` job of "Job" (keyed by the report's id, locked per athlete), whose
lease, heartbeat, retries and dead letter replace the request's ``leaseExpiresAt`` and ``attempts``. Every
report still open at the upgrade gets its job here, so none is lost: due when its old lease ends (a process
may have been working on it), carrying the attempts it had (at most all but the last building one, so each
gets one more try).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in coach.reports.service (a migration does not import the application): three building attempts and
# one that only tells the athlete.
KIND = "report.build"
MAX_ATTEMPTS = 3


def upgrade() -> None:
    op.execute(
        f"""
        INSERT INTO "Job" (kind, key, "lockKey", payload, state, "runAt", attempts, "maxAttempts", "createdAt")
        SELECT '{KIND}', r.id, 'user:' || r."userId", '{{}}'::jsonb, 'queued',
               greatest(now(), q."leaseExpiresAt"), least(q.attempts, {MAX_ATTEMPTS - 1}), {MAX_ATTEMPTS + 1}, now()
        FROM "Report" r JOIN "ReportRequest" q ON q."reportId" = r.id
        WHERE r.status IN ('PENDING', 'PROCESSING')
        ON CONFLICT (kind, key) DO NOTHING
        """
    )
    op.drop_index(op.f("ReportRequest_leaseExpiresAt_idx"), table_name="ReportRequest")
    op.drop_column("ReportRequest", "leaseExpiresAt")
    op.drop_column("ReportRequest", "attempts")


def downgrade() -> None:
    op.add_column(
        "ReportRequest", sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    op.add_column("ReportRequest", sa.Column("leaseExpiresAt", sa.DateTime(timezone=True), nullable=True))
    # The jobs' attempts and leases go back to the requests: an open report is taken again when its lease ends
    # (now, for one that was only queued).
    op.execute(
        f"""
        UPDATE "ReportRequest" q
        SET attempts = least(j.attempts, {MAX_ATTEMPTS}),
            "leaseExpiresAt" = CASE WHEN j.state = 'running' THEN coalesce(j."leaseUntil", now()) ELSE now() END
        FROM "Job" j
        WHERE j.kind = '{KIND}' AND j.key = q."reportId"
        """
    )
    op.execute("""UPDATE "ReportRequest" SET "leaseExpiresAt" = now() WHERE "leaseExpiresAt" IS NULL""")
    op.alter_column("ReportRequest", "leaseExpiresAt", nullable=False)
    op.create_index(op.f("ReportRequest_leaseExpiresAt_idx"), "ReportRequest", ["leaseExpiresAt"], unique=False)
    op.execute(f"""DELETE FROM "Job" WHERE kind = '{KIND}'""")
