"""Morning briefs are sent as jobs of the queue: "BriefDelivery" loses its claim columns.

A pending delivery now has a "Job" (kind ``brief.send``, keyed by the delivery's id, lock key ``user:<userId>``)
enqueued in the transaction that makes it pending; the job carries the claim, the lease, the attempts and the
retries (``runAt`` after a Telegram RetryAfter or a network error). "BriefDelivery" keeps the product's record
and the at-most-once state (``sending`` before the request, ``unknown`` when a process died while sending);
the ``claimed`` state goes with ``owner``, ``leaseUntil``, ``attempts`` and ``notBefore``.

At the upgrade, every delivery still ``pending`` or ``claimed`` gets its job (due at its ``notBefore``, else
its due time, with the attempts it had and one left at least) and is ``pending``; one left ``sending`` — the
process sending it stopped, Telegram may have it — becomes ``unknown``, never sent again. So nothing is lost
or sent twice.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-08 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX_ATTEMPTS = 5  # db.repositories.briefs.MAX_ATTEMPTS at this revision
LOST = "the process sending it stopped; not re-sent (at most once)"


def upgrade() -> None:
    op.execute(
        f"""
        INSERT INTO "Job" (kind, key, "lockKey", payload, state, "runAt", attempts, "maxAttempts", "createdAt")
        SELECT 'brief.send', id, 'user:' || "userId", '{{}}'::jsonb, 'queued', COALESCE("notBefore", "dueAt"),
               LEAST(attempts, {MAX_ATTEMPTS} - 1), {MAX_ATTEMPTS}, now()
          FROM "BriefDelivery"
         WHERE status IN ('pending', 'claimed')
         ORDER BY "dueAt"
        ON CONFLICT (kind, key) DO NOTHING
        """
    )
    op.execute("""UPDATE "BriefDelivery" SET status = 'pending' WHERE status = 'claimed' """)
    op.execute(f"""UPDATE "BriefDelivery" SET status = 'unknown', error = '{LOST}' WHERE status = 'sending' """)
    op.drop_index(op.f("BriefDelivery_status_notBefore_idx"), table_name="BriefDelivery")
    op.create_index(op.f("BriefDelivery_status_idx"), "BriefDelivery", ["status"], unique=False)
    for column in ("notBefore", "owner", "leaseUntil", "attempts"):
        op.drop_column("BriefDelivery", column)


def downgrade() -> None:
    op.add_column("BriefDelivery", sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False))
    op.add_column("BriefDelivery", sa.Column("leaseUntil", sa.DateTime(timezone=True), nullable=True))
    op.add_column("BriefDelivery", sa.Column("owner", sa.Text(), nullable=True))
    op.add_column("BriefDelivery", sa.Column("notBefore", sa.DateTime(timezone=True), nullable=True))
    op.drop_index(op.f("BriefDelivery_status_idx"), table_name="BriefDelivery")
    op.create_index(op.f("BriefDelivery_status_notBefore_idx"), "BriefDelivery", ["status", "notBefore"], unique=False)
    # A pending delivery keeps the attempts of its job and, when it waits for a retry, its time; a "sending" one
    # gets a lapsed lease, which the old sweep makes "unknown" (never sent twice). A delivery whose job died is
    # final already (the tick settles it).
    op.execute(
        """
        UPDATE "BriefDelivery" d
           SET attempts = LEAST(j.attempts, j."maxAttempts"),
               "notBefore" = CASE WHEN j.state = 'queued' THEN j."runAt" END,
               "leaseUntil" = CASE WHEN d.status = 'sending' THEN '-infinity'::timestamptz END,
               owner = CASE WHEN d.status = 'sending' THEN j.owner END
          FROM "Job" j
         WHERE j.kind = 'brief.send' AND j.key = d.id AND d.status IN ('pending', 'sending')
        """
    )
    op.execute("""DELETE FROM "Job" WHERE kind = 'brief.send' """)
