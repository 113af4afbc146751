"""One durable job queue: "Job" replaces "SyncClaim".

Background work that had no table of its own — the daily reconciliation, the plan's day closes and weekly
messages, housekeeping, the calendar window's advance — ran from in-process timers that claimed a
(job, period) row in "SyncClaim" and had no retry, backoff or dead letter. It now runs as rows of "Job"
(`db.repositories.jobs`): queued → running (leased) → done, or dead after its last attempt. The claims still
in "SyncClaim" are carried over as done jobs, so a day closed or a weekly message sent before the upgrade is
not done again after it.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 14:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "Job",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("lockKey", sa.Text(), nullable=True),
        sa.Column("payload", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("state", sa.Text(), server_default=sa.text("'queued'"), nullable=False),
        sa.Column("runAt", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("maxAttempts", sa.Integer(), server_default=sa.text("5"), nullable=False),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("leaseUntil", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lastError", sa.Text(), nullable=True),
        sa.Column("createdAt", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("finishedAt", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'dead')", name=op.f("Job_state_values_check")),
        sa.CheckConstraint('"maxAttempts" >= 1', name=op.f("Job_max_attempts_positive_check")),
        sa.PrimaryKeyConstraint("id", name=op.f("Job_pkey")),
        sa.UniqueConstraint("kind", "key", name=op.f("Job_kind_key_key")),
    )
    op.create_index(op.f("Job_runAt_idx"), "Job", ["runAt"], postgresql_where=sa.text("state = 'queued'"))
    op.create_index(op.f("Job_lockKey_idx"), "Job", ["lockKey"], postgresql_where=sa.text("state = 'running'"))
    op.create_index(op.f("Job_leaseUntil_idx"), "Job", ["leaseUntil"], postgresql_where=sa.text("state = 'running'"))
    op.create_index(
        op.f("Job_finishedAt_idx"), "Job", ["finishedAt"], postgresql_where=sa.text("state IN ('done', 'dead')")
    )
    op.execute(
        """
        INSERT INTO "Job" (kind, key, state, attempts, owner, "createdAt", "finishedAt")
        SELECT CASE WHEN job = 'reconcile' THEN 'sync.reconcile'
                    WHEN job LIKE 'plan-day:%' THEN 'plan.close-day'
                    ELSE 'plan.week' END,
               CASE WHEN job = 'reconcile' THEN period ELSE split_part(job, ':', 2) || ':' || period END,
               'done', 1, owner, "claimedAt", "claimedAt"
        FROM "SyncClaim"
        WHERE job = 'reconcile' OR job LIKE 'plan-day:%' OR job LIKE 'plan-week:%'
        ON CONFLICT DO NOTHING
        """
    )
    op.drop_table("SyncClaim")


def downgrade() -> None:
    op.create_table(
        "SyncClaim",
        sa.Column("job", sa.Text(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("claimedAt", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("job", "period", name=op.f("SyncClaim_pkey")),
    )
    op.drop_table("Job")
