"""Provider webhook events are processed as jobs of the queue: "ProviderEvent" loses its inbox columns.

Each stored event now has a "Job" (kind ``provider.event``, keyed by the event's id, lock key
``connection:{userId}:{provider}``) enqueued in the transaction that stores it; the job carries the attempts,
the lease, the backoff and the dead state. "ProviderEvent" keeps the event (its unique key is the
de-duplication, its payload the athlete's data) and ``processedAt``/``outcome``; ``claimedAt``, ``attempts``
and ``parkedAt`` go. Every event still unprocessed at the upgrade gets its job, with the attempts it had (one
left at least), so nothing stored is lost; events parked before stay processed and are purged as before.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 10:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX_ATTEMPTS = 5  # integrations.sync.events.MAX_ATTEMPTS at this revision


def upgrade() -> None:
    op.execute(
        f"""
        INSERT INTO "Job" (kind, key, "lockKey", payload, state, "runAt", attempts, "maxAttempts", "createdAt")
        SELECT 'provider.event', id, 'connection:' || "userId" || ':' || provider, '{{}}'::jsonb, 'queued',
               now(), LEAST(attempts, {MAX_ATTEMPTS} - 1), {MAX_ATTEMPTS}, now()
        FROM "ProviderEvent"
        WHERE "processedAt" IS NULL
        ORDER BY "receivedAt"
        ON CONFLICT (kind, key) DO NOTHING
        """
    )
    op.drop_column("ProviderEvent", "claimedAt")
    op.drop_column("ProviderEvent", "attempts")
    op.drop_column("ProviderEvent", "parkedAt")


def downgrade() -> None:
    op.add_column("ProviderEvent", sa.Column("parkedAt", sa.DateTime(timezone=True), nullable=True))
    op.add_column("ProviderEvent", sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False))
    op.add_column("ProviderEvent", sa.Column("claimedAt", sa.DateTime(timezone=True), nullable=True))
    # A dead job's event becomes a parked one; an event whose job waits or runs is left for the inbox's sweep
    # with the attempts its job made.
    op.execute(
        """
        UPDATE "ProviderEvent" e
        SET attempts = LEAST(j.attempts, j."maxAttempts"),
            "parkedAt" = CASE WHEN j.state = 'dead' THEN j."finishedAt" END,
            "processedAt" = CASE WHEN j.state = 'dead' THEN j."finishedAt" ELSE e."processedAt" END,
            outcome = CASE WHEN j.state = 'dead' THEN left(j."lastError", 500) ELSE e.outcome END
        FROM "Job" j
        WHERE j.kind = 'provider.event' AND j.key = e.id AND e."processedAt" IS NULL
        """
    )
    op.execute("""DELETE FROM "Job" WHERE kind = 'provider.event'""")
